/**
 * The site's menus as the référent chooses them (SPEC [MENU-*]), stored in the manifest's
 * `menus` Y.Map, flat like `pages` so concurrent edits merge:
 *
 *   menus: Y.Map  entryId → Y.Map { menu: 'main' | 'footer', kind: 'page' | 'list' | 'link',
 *                                   target, label, parentId, order }
 *                 'mainChosen' → true once the référent has set the main menu
 *
 * `target` is a page id (kind `page`: the entry follows the page when it is renamed or
 * moved), a list or generated page's slug (kind `list`), or an http(s) address (kind `link`).
 * `parentId` names a top-level entry of the main menu (one level of sub-entries); `order` is a
 * fractional-index key among siblings. Entries are Y.Maps at depth 1: the manifest's depth
 * bound (MANIFEST_MAX_TYPE_DEPTH) holds.
 */
import { generateKeyBetween } from 'fractional-indexing';
import { nanoid } from 'nanoid';
import * as Y from 'yjs';
import { GENERATED_PAGES, LIST_PAGES } from './generatedPages';
import { ORIGIN_LOCAL_EDIT, type PageMeta, type PageType } from './siteDoc';

export const MANIFEST_MENUS = 'menus';
/** Key of the flag set once the référent has chosen the main menu. */
export const MAIN_CHOSEN = 'mainChosen';
/** Top-level entries of the main menu (SPEC [MENU-2]). */
export const MENU_MAX_TOP = 8;
/** Sub-entries under one entry of the main menu. */
export const MENU_MAX_CHILDREN = 8;
/** Entries the référent adds to the footer, besides the legal pages. */
export const MENU_MAX_FOOTER = 8;
/** Entries read from the map at most (a hostile doc may hold more). */
export const MENU_MAX_READ = 200;
export const MENU_LABEL_MAX = 80;
export const MENU_URL_MAX = 500;

/** Page types that never enter the main menu by themselves (SPEC [MENU-3]). */
export const MENU_EXCLUDED_TYPES: ReadonlySet<PageType> = new Set([
  'actualite',
  'evenement',
  'acte',
  'accueil',
]);

export type MenuName = 'main' | 'footer';
export type MenuKind = 'page' | 'list' | 'link';

export interface MenuEntry {
  id: string;
  kind: MenuKind;
  target: string;
  /** '' for a page entry that takes its page's title. */
  label: string;
  children: MenuEntry[];
}

export interface SiteMenus {
  /** True once the référent has set the main menu; else the default applies ([MENU-4]). */
  mainChosen: boolean;
  main: MenuEntry[];
  footer: MenuEntry[];
}

/** The list and generated pages an entry may name (kind `list`), by slug, with their title. */
export const MENU_LIST_TARGETS: ReadonlyArray<{ slug: string; title: string }> = [
  ...Object.values(LIST_PAGES).map((p) => ({ slug: p.slug, title: p.title })),
  ...Object.values(GENERATED_PAGES).map((p) => ({ slug: p.slug, title: p.title })),
];

export function menusMap(manifest: Y.Doc): Y.Map<unknown> {
  return manifest.getMap(MANIFEST_MENUS);
}

interface RawEntry {
  id: string;
  menu: MenuName;
  kind: MenuKind;
  target: string;
  label: string;
  parentId: string | null;
  order: string;
}

function readEntry(id: string, value: unknown): RawEntry | null {
  if (!(value instanceof Y.Map)) return null;
  const get = (key: string) => {
    const v: unknown = value.get(key);
    return typeof v === 'string' ? v : '';
  };
  const menu = get('menu');
  const kind = get('kind');
  if ((menu !== 'main' && menu !== 'footer') || (kind !== 'page' && kind !== 'list' && kind !== 'link'))
    return null;
  const target = get('target').trim();
  if (target === '' || target.length > MENU_URL_MAX) return null;
  if (kind === 'list' && !MENU_LIST_TARGETS.some((t) => t.slug === target)) return null;
  const parentId = get('parentId');
  return {
    id,
    menu,
    kind,
    target,
    label: get('label').trim().slice(0, MENU_LABEL_MAX),
    parentId: parentId === '' ? null : parentId,
    order: get('order') || 'a0',
  };
}

const byOrder = (a: RawEntry, b: RawEntry) =>
  a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The menus, read leniently (SPEC [MENU-2]): malformed entries are skipped; an entry whose
 * parent is not a top-level entry of the main menu (removed, itself a sub-entry, in the
 * footer) stands at the top level; sizes are cut to the bounds.
 */
export function readMenus(manifest: Y.Doc): SiteMenus {
  const map = menusMap(manifest);
  const raw: RawEntry[] = [];
  for (const [id, value] of map.entries()) {
    if (raw.length >= MENU_MAX_READ) break;
    const entry = readEntry(id, value);
    if (entry) raw.push(entry);
  }
  raw.sort(byOrder);
  const mainRaw = raw.filter((e) => e.menu === 'main');
  const tops = new Set(mainRaw.filter((e) => e.parentId === null).map((e) => e.id));
  const isChild = (e: RawEntry) => e.parentId !== null && tops.has(e.parentId);
  const toEntry = (e: RawEntry, children: MenuEntry[] = []): MenuEntry => ({
    id: e.id,
    kind: e.kind,
    target: e.target,
    label: e.label,
    children,
  });
  const main = mainRaw
    .filter((e) => !isChild(e))
    .slice(0, MENU_MAX_TOP)
    .map((top) =>
      toEntry(
        top,
        mainRaw
          .filter((c) => c.parentId === top.id)
          .slice(0, MENU_MAX_CHILDREN)
          .map((c) => toEntry(c)),
      ),
    );
  const footer = raw
    .filter((e) => e.menu === 'footer')
    .slice(0, MENU_MAX_FOOTER)
    .map((e) => toEntry(e));
  return { mainChosen: map.get(MAIN_CHOSEN) === true, main, footer };
}

/**
 * The main menu of a site whose référent never chose one (SPEC [MENU-4]): its top-level
 * pages in tree order, except actualités, événements, actes and the home page, at most 8.
 * `pages` are the candidates (the renderer passes the published top level).
 */
export function defaultMainMenu(pages: readonly Pick<PageMeta, 'id' | 'type'>[]): MenuEntry[] {
  return pages
    .filter((p) => !MENU_EXCLUDED_TYPES.has(p.type))
    .slice(0, MENU_MAX_TOP)
    .map((p) => ({ id: defaultEntryId(p.id), kind: 'page' as const, target: p.id, label: '', children: [] }));
}

/** Same id on every computer, so two agents writing the default at once write one entry. */
function defaultEntryId(pageId: string): string {
  return `d-${pageId}`;
}

export interface NewMenuEntry {
  menu: MenuName;
  kind: MenuKind;
  target: string;
  label?: string;
  parentId?: string | null;
}

/** Problems of an entry about to be added, in French ('' when none). */
export function menuEntryProblem(menus: SiteMenus, input: NewMenuEntry): string {
  if (input.kind === 'link') {
    if (!/^https?:\/\/[^\s/]+\.[^\s]*$/i.test(input.target.trim()) || input.target.length > MENU_URL_MAX)
      return 'Indiquez une adresse complète qui commence par https://';
    if (!(input.label ?? '').trim()) return 'Indiquez le libellé du lien.';
  }
  if (input.target.trim() === '') return 'Choisissez une page.';
  if (input.menu === 'footer') {
    return menus.footer.length >= MENU_MAX_FOOTER
      ? `Le pied de page compte déjà ${MENU_MAX_FOOTER} liens ajoutés, le maximum.`
      : '';
  }
  if (input.parentId) {
    const parent = menus.main.find((e) => e.id === input.parentId);
    if (!parent) return 'Cette entrée n’est plus dans le menu.';
    return parent.children.length >= MENU_MAX_CHILDREN
      ? `Cette entrée compte déjà ${MENU_MAX_CHILDREN} sous-entrées, le maximum.`
      : '';
  }
  return menus.main.length >= MENU_MAX_TOP
    ? `Le menu principal compte déjà ${MENU_MAX_TOP} entrées, le maximum.`
    : '';
}

function entryMap(fields: Omit<RawEntry, 'id'>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('menu', fields.menu);
  map.set('kind', fields.kind);
  map.set('target', fields.target);
  map.set('label', fields.label);
  map.set('parentId', fields.parentId ?? '');
  map.set('order', fields.order);
  return map;
}

/** The raw entries of one list (a menu's top level, or one entry's children), in order. */
function siblings(manifest: Y.Doc, menu: MenuName, parentId: string | null): RawEntry[] {
  const out: RawEntry[] = [];
  for (const [id, value] of menusMap(manifest).entries()) {
    const e = readEntry(id, value);
    if (e && e.menu === menu && e.parentId === parentId) out.push(e);
  }
  return out.sort(byOrder);
}

/**
 * Writes the default main menu as chosen entries, once (call inside a transaction): the
 * référent's first change starts from what the site shows.
 */
function chooseMain(manifest: Y.Doc, defaults: readonly MenuEntry[]): void {
  const map = menusMap(manifest);
  if (map.get(MAIN_CHOSEN) === true) return;
  let last: string | null = null;
  for (const entry of defaults) {
    last = generateKeyBetween(last, null);
    if (!map.has(entry.id))
      map.set(
        entry.id,
        entryMap({
          menu: 'main',
          kind: entry.kind,
          target: entry.target,
          label: entry.label,
          parentId: null,
          order: last,
        }),
      );
  }
  map.set(MAIN_CHOSEN, true);
}

/**
 * Adds an entry at the end of its list and returns its id, or a French problem. `defaults`
 * is the main menu shown until now ([MENU-4]), written first when the menu was never chosen.
 */
export function addMenuEntry(
  manifest: Y.Doc,
  input: NewMenuEntry,
  defaults: readonly MenuEntry[] = [],
): { id: string } | { problem: string } {
  let result: { id: string } | { problem: string } = { problem: '' };
  manifest.transact(() => {
    if (input.menu === 'main') chooseMain(manifest, defaults);
    const problem = menuEntryProblem(readMenus(manifest), input);
    if (problem) {
      result = { problem };
      return;
    }
    const parentId = input.menu === 'main' ? (input.parentId ?? null) : null;
    const list = siblings(manifest, input.menu, parentId);
    const id = nanoid(12);
    menusMap(manifest).set(
      id,
      entryMap({
        menu: input.menu,
        kind: input.kind,
        target: input.target.trim(),
        label: (input.label ?? '').trim().slice(0, MENU_LABEL_MAX),
        parentId,
        order: generateKeyBetween(list.at(-1)?.order ?? null, null),
      }),
    );
    result = { id };
  }, ORIGIN_LOCAL_EDIT);
  return result;
}

/**
 * Moves an entry to position `index` of a list: the top level of its menu (`parentId` null)
 * or the sub-entries of a top-level main entry. An entry holding sub-entries stays at the top
 * level; a move beyond the bounds is refused with a French problem.
 */
export function moveMenuEntry(
  manifest: Y.Doc,
  id: string,
  to: { parentId: string | null; index: number },
  defaults: readonly MenuEntry[] = [],
): string {
  let problem = '';
  manifest.transact(() => {
    const map = menusMap(manifest);
    const current = readEntry(id, map.get(id));
    if (!current || current.menu === 'main') chooseMain(manifest, defaults);
    const entry = readEntry(id, map.get(id));
    if (!entry) {
      problem = 'Cette entrée n’est plus dans le menu.';
      return;
    }
    const parentId = entry.menu === 'footer' ? null : to.parentId;
    if (parentId !== null) {
      const parent = readEntry(parentId, map.get(parentId));
      if (!parent || parent.menu !== 'main' || parent.parentId !== null || parentId === id) {
        problem = 'Une sous-entrée se range sous une entrée du premier niveau.';
        return;
      }
      if (siblings(manifest, 'main', id).length > 0) {
        problem = 'Une entrée qui a des sous-entrées reste au premier niveau.';
        return;
      }
    }
    const list = siblings(manifest, entry.menu, parentId).filter((e) => e.id !== id);
    const max = entry.menu === 'footer' ? MENU_MAX_FOOTER : parentId ? MENU_MAX_CHILDREN : MENU_MAX_TOP;
    if (entry.parentId !== parentId && list.length >= max) {
      problem = `Cette liste compte déjà ${max} entrées, le maximum.`;
      return;
    }
    const at = Math.max(0, Math.min(list.length, Math.trunc(to.index)));
    const before = at > 0 ? list[at - 1]!.order : null;
    const after = at < list.length ? list[at]!.order : null;
    const order =
      before !== null && after !== null && before >= after
        ? generateKeyBetween(before, null)
        : generateKeyBetween(before, after);
    const target = map.get(id) as Y.Map<unknown>;
    target.set('order', order);
    target.set('parentId', parentId ?? '');
  }, ORIGIN_LOCAL_EDIT);
  return problem;
}

/** Removes an entry and its sub-entries. */
export function removeMenuEntry(manifest: Y.Doc, id: string, defaults: readonly MenuEntry[] = []): void {
  manifest.transact(() => {
    const map = menusMap(manifest);
    const current = readEntry(id, map.get(id));
    if (!current || current.menu === 'main') chooseMain(manifest, defaults);
    if (!readEntry(id, map.get(id))) return;
    for (const child of siblings(manifest, 'main', id)) map.delete(child.id);
    map.delete(id);
  }, ORIGIN_LOCAL_EDIT);
}

/** Problems of a label the référent gives an entry, in French ('' when none). */
export function menuLabelProblem(label: string): string {
  const text = label.trim();
  if (text === '') return 'Indiquez le libellé de l’entrée.';
  if (text.length > MENU_LABEL_MAX)
    return `Le libellé compte ${text.length} caractères : ${MENU_LABEL_MAX} au plus.`;
  return '';
}

/**
 * Changes an entry's label, in one transaction of local origin (one undo step, the default
 * menu written first included); returns a French problem ('' when done). An empty label or
 * one beyond `MENU_LABEL_MAX` is refused; the same label writes nothing.
 */
export function renameMenuEntry(
  manifest: Y.Doc,
  id: string,
  label: string,
  defaults: readonly MenuEntry[] = [],
): string {
  const problem = menuLabelProblem(label);
  if (problem) return problem;
  const text = label.trim();
  const map = menusMap(manifest);
  const existing = readEntry(id, map.get(id));
  if (existing && existing.label === text) return '';
  if (!existing && !defaults.some((d) => d.id === id)) return 'Cette entrée n’est plus dans le menu.';
  let result = '';
  manifest.transact(() => {
    if (!existing || existing.menu === 'main') chooseMain(manifest, defaults);
    const value = map.get(id);
    if (value instanceof Y.Map && readEntry(id, value)) value.set('label', text);
    else result = 'Cette entrée n’est plus dans le menu.';
  }, ORIGIN_LOCAL_EDIT);
  return result;
}

/**
 * Gives a page or list entry its own title back (its label emptied: it follows the page's
 * title again), in one transaction of local origin; returns a French problem ('' when done).
 * A link has no title of its own and keeps its label; an entry without a label writes nothing.
 */
export function clearMenuEntryLabel(
  manifest: Y.Doc,
  id: string,
  defaults: readonly MenuEntry[] = [],
): string {
  const map = menusMap(manifest);
  const existing = readEntry(id, map.get(id));
  if (!existing) return defaults.some((d) => d.id === id) ? '' : 'Cette entrée n’est plus dans le menu.';
  if (existing.kind === 'link') return 'Un lien vers un autre site garde le libellé que vous lui donnez.';
  if (existing.label === '') return '';
  manifest.transact(() => {
    const value = map.get(id);
    if (value instanceof Y.Map) value.set('label', '');
  }, ORIGIN_LOCAL_EDIT);
  return '';
}
