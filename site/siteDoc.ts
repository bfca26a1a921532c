/**
 * The Yjs layout of a commune's site manifest (room `{insee}/site`) and the pure
 * helpers every part uses to read and change it. See DESIGN.md « Documents and rooms ».
 *
 *   settings: Y.Map  identity, contact, mayor, accent colour, accessibility status…
 *   pages:    Y.Map  pageId → Y.Map { type, title, slug, parentId, order, status, fields,
 *                                     createdAt, updatedAt, updatedBy }
 *   media:    Y.Map  sha256 → { name, mime, bytes, width, height, alt }
 *   menus:    Y.Map  entryId → Y.Map { menu, kind, target, label, parentId, order } (menus.ts)
 *
 * A page's rich body lives in its own doc (room `{insee}/page/{pageId}`), bound to
 * Lexical through the XmlText `root` (PAGE_BODY_ROOT).
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { nanoid } from 'nanoid';
import * as Y from 'yjs';

export const MANIFEST_SETTINGS = 'settings';
export const MANIFEST_PAGES = 'pages';
export const MANIFEST_MEDIA = 'media';
/** Name of the XmlText bound to Lexical in every page doc. */
export const PAGE_BODY_ROOT = 'root';

export const PAGE_TYPES = [
  'accueil',
  'page',
  'actualite',
  'evenement',
  'demarche',
  'acte',
  'elus',
  'contact',
  'associations',
  'cantine',
  'risques',
] as const;
export type PageType = (typeof PAGE_TYPES)[number];

export const PAGE_TYPE_LABELS_FR: Record<PageType, string> = {
  accueil: 'Accueil',
  page: 'Page libre',
  actualite: 'Actualité',
  evenement: 'Événement',
  demarche: 'Démarche',
  acte: 'Acte administratif',
  elus: 'Élus et conseil municipal',
  contact: 'Horaires et contact',
  associations: 'Associations',
  cantine: 'Menus de la cantine',
  risques: 'Risques et alertes',
};

/**
 * The list fields of each page type (pageTypes.ts `kind: 'list'`; a test keeps both in step).
 * Their Y.Arrays are created with the page, so agents adding the first entries at the same
 * time, offline, all write into the same array (two arrays set under one key would lose one).
 */
export const PAGE_LIST_FIELDS: Readonly<Record<PageType, readonly string[]>> = {
  accueil: [],
  page: [],
  actualite: [],
  evenement: [],
  demarche: [],
  acte: [],
  elus: ['members'],
  contact: ['hours', 'closures'],
  associations: ['entries'],
  cantine: ['menu'],
  risques: [],
};

export type PageStatus = 'draft' | 'published';

export interface PageMeta {
  id: string;
  type: PageType;
  title: string;
  slug: string;
  parentId: string | null;
  /** Fractional-index key: sorts siblings, survives concurrent moves. */
  order: string;
  status: PageStatus;
  fields: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  /** Media of the library its body refers to, kept by the editor (`setPageBodyMedia`). */
  bodyMedia?: readonly string[];
}

/**
 * How deep Yjs types may nest in each kind of doc, counted from a root type (a type created
 * directly in a root type is at depth 1). The sync server refuses any update that would nest
 * deeper (sync-server/sync/updateGuard.ts): a 20,000-deep map overflows the stack of every
 * reader (`toJSON`, Yjs' own recursive delete and garbage collection, Lexical).
 *
 * Manifest: `pages` → page entry (1) → `fields` (2) → list field Y.Array (3) → list entry
 * Y.Map (4); `media` → entry (1); `menus` → entry (1), sub-entries flat beside it (menus.ts);
 * `settings` holds plain values. The schema allows no deeper.
 */
export const MANIFEST_MAX_TYPE_DEPTH = 4;
/**
 * Page body: the XmlText `root` → one XmlText per Lexical element, one Y.Map per text node,
 * one XmlElement per decorator. A table is table → row → cell → paragraph → text (5 levels);
 * each nested list level adds two (list → item). 64 leaves room for 25 levels of nested lists
 * inside a table cell, far beyond anything readable, and far below the ~10,000 levels at
 * which recursive readers overflow the stack.
 */
export const PAGE_BODY_MAX_TYPE_DEPTH = 64;
/** How deep plain values (arrays, objects) may nest inside one Yjs value, in any doc. */
export const MAX_VALUE_DEPTH = 32;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
export type AnyYType = Y.AbstractType<any>;

/**
 * Depth of the deepest type nested under `type` (0 when it holds none), counted without
 * recursion; stops and returns `limit + 1` as soon as it is deeper than `limit`.
 */
export function nestedTypeDepth(type: AnyYType, limit: number): number {
  let deepest = 0;
  const stack: Array<{ type: AnyYType; depth: number }> = [{ type, depth: 0 }];
  while (stack.length > 0) {
    const { type: current, depth } = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return limit + 1;
    for (const child of childTypes(current)) stack.push({ type: child, depth: depth + 1 });
  }
  return deepest;
}

/** The live types held directly by a type (its map values and its sequence items). */
export function childTypes(type: AnyYType): AnyYType[] {
  const out: AnyYType[] = [];
  const visit = (item: Y.Item | null) => {
    if (item && !item.deleted && item.content instanceof Y.ContentType) out.push(item.content.type);
  };
  type._map.forEach(visit);
  for (let item = type._start; item !== null; item = item.right) visit(item);
  return out;
}

/** Origins used in `transact`, so observers can skip their own changes. */
export const ORIGIN_LOCAL_EDIT = 'usine:local-edit';
export const ORIGIN_SEED = 'usine:seed';

export function pagesMap(manifest: Y.Doc): Y.Map<Y.Map<unknown>> {
  return manifest.getMap(MANIFEST_PAGES);
}

export function settingsMap(manifest: Y.Doc): Y.Map<unknown> {
  return manifest.getMap(MANIFEST_SETTINGS);
}

export function newPageId(): string {
  return nanoid(21);
}

/** Lower-case ASCII slug from a French title: « Fête du village ! » → `fete-du-village`. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
  return slug || 'page';
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Reads one page entry defensively: a hostile or older document never throws here. */
export function readPage(id: string, entry: Y.Map<unknown>): PageMeta {
  const type = str(entry.get('type'), 'page');
  const status = entry.get('status') === 'published' ? 'published' : 'draft';
  const parentId = entry.get('parentId');
  const fields = entry.get('fields');
  return {
    id,
    type: (PAGE_TYPES as readonly string[]).includes(type) ? (type as PageType) : 'page',
    title: str(entry.get('title'), ''),
    slug: str(entry.get('slug'), slugify(id)),
    parentId: typeof parentId === 'string' ? parentId : null,
    order: str(entry.get('order'), 'a0'),
    status,
    fields:
      fields instanceof Y.Map
        ? (fields.toJSON() as Record<string, unknown>)
        : fields && typeof fields === 'object'
          ? { ...(fields as Record<string, unknown>) }
          : {},
    createdAt: num(entry.get('createdAt')),
    updatedAt: num(entry.get('updatedAt')),
    updatedBy: str(entry.get('updatedBy'), ''),
    ...bodyMediaOf(entry.get('bodyMedia')),
  };
}

function bodyMediaOf(value: unknown): { bodyMedia?: string[] } {
  if (!Array.isArray(value)) return {};
  return { bodyMedia: value.filter((v): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) };
}

/**
 * Records which media a page's body refers to (`bodyMediaRefs` of site/bodyMedia). Derived
 * data: written only when it changed, and it does not count as a change of the page
 * (`updatedAt` untouched).
 */
export function setPageBodyMedia(manifest: Y.Doc, id: string, refs: readonly string[]): void {
  const entry = pagesMap(manifest).get(id);
  if (!(entry instanceof Y.Map)) return;
  const current = entry.get('bodyMedia');
  const same = Array.isArray(current)
    ? current.length === refs.length && current.every((v, i) => v === refs[i])
    : refs.length === 0;
  if (same) return;
  manifest.transact(() => entry.set('bodyMedia', [...refs]), ORIGIN_LOCAL_EDIT);
}

/** A page entry of the manifest that cannot be read (see `readPagesReport`). */
export interface UnreadablePage {
  id: string;
  /** Its title when that much can be read, else ''. */
  title: string;
  /** French: why it cannot be read. */
  reason: string;
}

/**
 * All readable pages (sorted as `readPages`), and the entries that cannot be read: fields
 * nested deeper than the schema allows (written before the server bounded depth, or restored),
 * or any entry whose reading throws. Such an entry never stops the others from being read.
 */
export function readPagesReport(manifest: Y.Doc): { pages: PageMeta[]; unreadable: UnreadablePage[] } {
  const pages: PageMeta[] = [];
  const unreadable: UnreadablePage[] = [];
  pagesMap(manifest).forEach((entry, id) => {
    if (!(entry instanceof Y.Map)) return;
    const title = typeof entry.get('title') === 'string' ? (entry.get('title') as string) : '';
    // The entry is at depth 1: its own nesting may go MANIFEST_MAX_TYPE_DEPTH - 1 deeper.
    if (nestedTypeDepth(entry, MANIFEST_MAX_TYPE_DEPTH - 1) > MANIFEST_MAX_TYPE_DEPTH - 1) {
      unreadable.push({
        id,
        title,
        reason: 'ses champs sont imbriqués plus profondément que le modèle ne le permet',
      });
      return;
    }
    try {
      pages.push(readPage(id, entry));
    } catch (error) {
      unreadable.push({
        id,
        title,
        reason: `sa lecture a échoué (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  });
  return { pages: sortPages(pages), unreadable };
}

/** All pages, siblings sorted by order then id (a total, deterministic order). Unreadable entries are left out. */
export function readPages(manifest: Y.Doc): PageMeta[] {
  return readPagesReport(manifest).pages;
}

function sortPages(pages: PageMeta[]): PageMeta[] {
  return pages.sort((a, b) =>
    a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** A slug not used by another page of the site. */
export function uniqueSlug(manifest: Y.Doc, title: string, exceptId?: string): string {
  const taken = new Set(
    readPages(manifest)
      .filter((p) => p.id !== exceptId)
      .map((p) => p.slug),
  );
  const base = slugify(title);
  let slug = base;
  for (let i = 2; taken.has(slug); i++) slug = `${base}-${i}`;
  return slug;
}

export interface NewPageInput {
  title: string;
  type?: PageType;
  parentId?: string | null;
  updatedBy: string;
  now?: number;
  id?: string;
}

/** Adds a page at the end of its siblings and returns it. The body doc is seeded separately. */
export function createPage(manifest: Y.Doc, input: NewPageInput): PageMeta {
  const id = input.id ?? newPageId();
  const parentId = input.parentId ?? null;
  const now = input.now ?? Date.now();
  const siblings = readPages(manifest).filter((p) => p.parentId === parentId);
  const last = siblings.at(-1)?.order ?? null;
  manifest.transact(() => {
    const entry = new Y.Map<unknown>();
    entry.set('type', input.type ?? 'page');
    entry.set('title', input.title);
    entry.set('slug', uniqueSlug(manifest, input.title));
    entry.set('parentId', parentId);
    entry.set('order', generateKeyBetween(last, null));
    entry.set('status', 'draft');
    const fields = new Y.Map<unknown>();
    for (const name of PAGE_LIST_FIELDS[input.type ?? 'page'] ?? []) fields.set(name, new Y.Array<unknown>());
    entry.set('fields', fields);
    entry.set('createdAt', now);
    entry.set('updatedAt', now);
    entry.set('updatedBy', input.updatedBy);
    pagesMap(manifest).set(id, entry);
  }, ORIGIN_LOCAL_EDIT);
  return readPage(id, pagesMap(manifest).get(id)!);
}

/** Changes some top-level properties of a page (title, status…), stamping who and when. */
export function updatePage(
  manifest: Y.Doc,
  id: string,
  patch: Partial<Pick<PageMeta, 'title' | 'status' | 'parentId' | 'order' | 'type'>>,
  updatedBy: string,
  now: number = Date.now(),
): void {
  const entry = pagesMap(manifest).get(id);
  if (!(entry instanceof Y.Map)) return;
  manifest.transact(() => {
    for (const [key, value] of Object.entries(patch)) entry.set(key, value);
    entry.set('updatedAt', now);
    entry.set('updatedBy', updatedBy);
  }, ORIGIN_LOCAL_EDIT);
}

export interface SiteSettings {
  name: string;
  accentColor: string;
}

export function readSettings(manifest: Y.Doc, communeName: string): SiteSettings {
  const settings = settingsMap(manifest);
  return {
    name: str(settings.get('name'), communeName),
    accentColor: str(settings.get('accentColor'), '#000091'),
  };
}

/**
 * Sets some structured fields of a page (its `fields` Y.Map; created if an older page has
 * none), stamping who and when. `''` clears a field. Validation is the caller's
 * (`validatePageFields` in pageTypes.ts).
 */
export function updatePageFields(
  manifest: Y.Doc,
  id: string,
  patch: Record<string, string>,
  updatedBy: string,
  now: number = Date.now(),
): void {
  const entry = pagesMap(manifest).get(id);
  if (!(entry instanceof Y.Map)) return;
  manifest.transact(() => {
    const fields = fieldsOf(entry);
    for (const [key, value] of Object.entries(patch)) fields.set(key, value);
    entry.set('updatedAt', now);
    entry.set('updatedBy', updatedBy);
  }, ORIGIN_LOCAL_EDIT);
}

/** One change to a list field (élus, horaires…): entries are Y.Maps in a Y.Array. */
/** A page entry's `fields` map, created if missing (call inside a transaction). */
function fieldsOf(entry: Y.Map<unknown>): Y.Map<unknown> {
  const fields = entry.get('fields');
  if (fields instanceof Y.Map) return fields as Y.Map<unknown>;
  const created = new Y.Map<unknown>();
  entry.set('fields', created);
  return created;
}

export type ListEdit =
  | { op: 'insert'; index: number; item: Record<string, string> }
  | { op: 'remove'; index: number }
  | { op: 'move'; from: number; to: number }
  | { op: 'set'; index: number; field: string; value: string };

/** Key of a list entry (Y.Map) holding its fractional-index position among the entries. */
export const LIST_ORDER = '__order';

/** A list entry's order key (`LIST_ORDER`) when it is a valid fractional-index key, else null. */
export function listOrderKey(entry: unknown): string | null {
  let key: unknown = null;
  if (entry instanceof Y.Map) key = entry.get(LIST_ORDER);
  else if (entry && typeof entry === 'object' && Object.prototype.hasOwnProperty.call(entry, LIST_ORDER))
    key = (entry as Record<string, unknown>)[LIST_ORDER];
  if (typeof key !== 'string' || key === '' || key.length > 64) return null;
  try {
    generateKeyBetween(key, null); // throws on a key fractional-indexing cannot order
    return key;
  } catch {
    return null;
  }
}

/** Shown order of list entries: by key, then by position in the array (equal keys). */
export function compareListEntries(
  x: { key: string; position: number },
  y: { key: string; position: number },
): number {
  return x.key < y.key ? -1 : x.key > y.key ? 1 : x.position - y.position;
}

/**
 * The entries of a list field in their shown order: by `LIST_ORDER` key, then array position.
 * When an entry has no valid key (written before keys existed, hostile, not a Y.Map), every
 * entry gets a new one in array order; when two entries share a key (two agents inserted at
 * the same place offline), every entry gets a new one in shown order — the same keys on every
 * computer, so concurrent fixes agree. `readFieldList` shows the same order. Call inside a
 * transaction.
 */
function listOrder(array: Y.Array<unknown>): Array<{ map: Y.Map<unknown>; key: string; position: number }> {
  const entries: Array<{ map: Y.Map<unknown>; key: string | null; position: number }> = [];
  array.toArray().forEach((value, position) => {
    let map = value;
    if (!(map instanceof Y.Map)) {
      // A broken entry: replaced at the same place by a map of its text fields, nothing else.
      map = entryMap(value && typeof value === 'object' ? (value as Record<string, string>) : {});
      array.delete(position, 1);
      array.insert(position, [map]);
    }
    entries.push({ map: map as Y.Map<unknown>, key: listOrderKey(map), position });
  });
  const rekey = (list: typeof entries) => {
    const keys = generateNKeysBetween(null, null, list.length);
    list.forEach((e, i) => {
      e.key = keys[i]!;
      e.map.set(LIST_ORDER, e.key);
    });
  };
  if (entries.some((e) => e.key === null)) rekey(entries);
  const sorted = (entries as Array<{ map: Y.Map<unknown>; key: string; position: number }>).sort(
    compareListEntries,
  );
  if (sorted.some((e, i) => i > 0 && sorted[i - 1]!.key === e.key)) rekey(sorted);
  return sorted;
}

function entryMap(item: Record<string, string>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(item)) if (typeof value === 'string') map.set(key, value);
  return map;
}

/**
 * Applies one change to a list field of a page, stamping who and when. The list is a Y.Array
 * of Y.Maps, so two agents editing different entries (or different fields of one entry) both
 * keep their change. When the stored value is not such an array yet (an older textarea
 * string, or a plain array), `current` — the entries as read, converted by pageTypes'
 * readFieldList — is written as one first, in the same transaction. Out-of-range indexes
 * (another agent removed the entry meanwhile) change nothing.
 */
export function editPageList(
  manifest: Y.Doc,
  id: string,
  field: string,
  current: ReadonlyArray<Record<string, string>>,
  edit: ListEdit,
  updatedBy: string,
  now: number = Date.now(),
): void {
  const entry = pagesMap(manifest).get(id);
  if (!(entry instanceof Y.Map)) return;
  manifest.transact(() => {
    const map = fieldsOf(entry);
    let list = map.get(field);
    if (!(list instanceof Y.Array)) {
      list = new Y.Array<Y.Map<unknown>>();
      (list as Y.Array<Y.Map<unknown>>).insert(0, current.map(entryMap));
      map.set(field, list);
    }
    const array = list as Y.Array<unknown>;
    // Entries are shown in `LIST_ORDER` order (see listOrder): a move changes one entry's key
    // and never re-creates the entry, so another agent's concurrent edit of it is kept.
    const order = listOrder(array);
    const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < order.length;
    const keyOf = (i: number) => order[i]!.key;
    switch (edit.op) {
      case 'insert': {
        const at = Math.max(0, Math.min(order.length, edit.index));
        const item = entryMap(edit.item);
        item.set(
          LIST_ORDER,
          generateKeyBetween(at > 0 ? keyOf(at - 1) : null, at < order.length ? keyOf(at) : null),
        );
        array.push([item]);
        break;
      }
      case 'remove':
        if (inRange(edit.index)) array.delete(order[edit.index]!.position, 1);
        break;
      case 'move': {
        if (!inRange(edit.from) || !inRange(edit.to) || edit.from === edit.to) break;
        const moved = order[edit.from]!.map;
        const rest = order.filter((_, i) => i !== edit.from);
        const before = edit.to > 0 ? rest[edit.to - 1]!.key : null;
        const after = edit.to < rest.length ? rest[edit.to]!.key : null;
        moved.set(LIST_ORDER, generateKeyBetween(before, after));
        break;
      }
      case 'set': {
        if (!inRange(edit.index)) break;
        order[edit.index]!.map.set(edit.field, edit.value);
        break;
      }
    }
    entry.set('updatedAt', now);
    entry.set('updatedBy', updatedBy);
  }, ORIGIN_LOCAL_EDIT);
}

/** Sets some site settings (strings; see settings.ts for the schema). */
export function updateSettings(manifest: Y.Doc, patch: Record<string, string>): void {
  manifest.transact(() => {
    const settings = settingsMap(manifest);
    for (const [key, value] of Object.entries(patch)) settings.set(key, value);
  }, ORIGIN_LOCAL_EDIT);
}

/** One entry of the media library (`media`: sha256 → entry), read defensively. */
export interface MediaEntry {
  name: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
  alt: string;
  /** Widths of the re-encoded WebP copies (`<sha256>-<w>.webp`) uploaded with the original. */
  widths: number[];
}

export function mediaMap(manifest: Y.Doc): Y.Map<unknown> {
  return manifest.getMap(MANIFEST_MEDIA);
}

/** The media library: sha256 (64 hex) → entry; malformed entries are skipped. */
export function readMedia(manifest: Y.Doc): Record<string, MediaEntry> {
  const out: Record<string, MediaEntry> = Object.create(null) as Record<string, MediaEntry>;
  mediaMap(manifest).forEach((value, key) => {
    if (!/^[0-9a-f]{64}$/.test(key)) return;
    if (value instanceof Y.Map && nestedTypeDepth(value, 0) > 0) return; // a media entry holds plain values only
    const raw = value instanceof Y.Map ? (value.toJSON() as Record<string, unknown>) : value;
    if (!raw || typeof raw !== 'object') return;
    const v = raw as Record<string, unknown>;
    const widths = Array.isArray(v.widths)
      ? v.widths.filter(
          (w): w is number => typeof w === 'number' && Number.isInteger(w) && w > 0 && w <= 20_000,
        )
      : [];
    out[key] = {
      name: str(v.name, ''),
      mime: str(v.mime, 'application/octet-stream'),
      bytes: num(v.bytes),
      width: num(v.width),
      height: num(v.height),
      alt: str(v.alt, ''),
      widths: widths.slice(0, 16),
    };
  });
  return out;
}
