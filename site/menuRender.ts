/**
 * The published menus (SPEC [MENU-*]): the header's « Menu principal » with its sub-menus as
 * `<details>` (open and close with no JavaScript), and the référent's footer links. Entries
 * are resolved against the published pages: a page entry takes its page's current address
 * and title; an entry whose page is not published is left out with its sub-entries.
 */
import { webHref } from './fieldLinks';
import {
  defaultMainMenu,
  MENU_EXCLUDED_TYPES,
  MENU_LIST_TARGETS,
  MENU_MAX_TOP,
  type MenuEntry,
  type SiteMenus,
} from './menus';
import { escapeHtml } from './renderHtml';
import { pageHref, rootPrefix, type SitePage } from './siteContext';

/** What menus need to know of the published site. */
export interface MenuPages {
  home: SitePage | undefined;
  byId: ReadonlyMap<string, SitePage>;
  /** The published top level, in tree order (the default menu's candidates). */
  topLevel: readonly SitePage[];
}

export interface ResolvedEntry {
  label: string;
  href: string;
  /** What it leads to, for `aria-current` (see `pageKey`, `listKey`); null for the others. */
  current: string | null;
  children: ResolvedEntry[];
}

/** The `aria-current` key of a published page of the commune. */
export function pageKey(pageId: string): string {
  return `page:${pageId}`;
}

/** The `aria-current` key of a list or generated page: every file of its folder ([MENU-5]). */
export function listKey(slug: string): string {
  return `list:${slug}`;
}

function resolveEntry(entry: MenuEntry, pages: MenuPages, depth: number): ResolvedEntry | null {
  let resolved: Omit<ResolvedEntry, 'children'> | null = null;
  if (entry.kind === 'page') {
    if (pages.home && entry.target === pages.home.meta.id)
      resolved = { label: entry.label || 'Accueil', href: pageHref(null, depth), current: null };
    else {
      const page = pages.byId.get(entry.target);
      if (page)
        resolved = {
          label: entry.label || page.title,
          href: pageHref(page, depth),
          current: pageKey(page.meta.id),
        };
    }
  } else if (entry.kind === 'list') {
    const list = MENU_LIST_TARGETS.find((t) => t.slug === entry.target);
    if (list)
      resolved = {
        label: entry.label || list.title,
        href: `${rootPrefix(depth)}${list.slug}/index.html`,
        current: listKey(list.slug),
      };
  } else {
    const href = webHref(entry.target);
    if (href && entry.label) resolved = { label: entry.label, href, current: null };
  }
  if (!resolved) return null;
  const children = entry.children
    .map((c) => resolveEntry(c, pages, depth))
    .filter((c): c is ResolvedEntry => c !== null);
  return { ...resolved, children };
}

/** The main menu's entries to publish: the chosen one, else the default ([MENU-4]). */
export function mainMenuEntries(
  menus: SiteMenus | undefined,
  pages: MenuPages,
  depth: number,
): ResolvedEntry[] {
  const entries = menus?.mainChosen ? menus.main : defaultMainMenu(pages.topLevel.map((p) => p.meta));
  return entries
    .map((e) => resolveEntry(e, pages, depth))
    .filter((e): e is ResolvedEntry => e !== null)
    .slice(0, MENU_MAX_TOP);
}

/** True when the default menu leaves pages out (the « Toutes les pages » link, [PUB-5]). */
export function defaultMenuTruncated(menus: SiteMenus | undefined, pages: MenuPages): boolean {
  return (
    !menus?.mainChosen &&
    pages.topLevel.filter((p) => !MENU_EXCLUDED_TYPES.has(p.meta.type)).length > MENU_MAX_TOP
  );
}

/** One top-level item of the main menu, rendered for the page being shown. */
export interface NavItem {
  /** Keys of what the item leads to (itself and its sub-entries: `pageKey`, `listKey`). */
  keys: ReadonlySet<string>;
  /** HTML when the file shown is none of `keys`. */
  html: string;
  render(currentKey: string | null): string;
}

function link(entry: ResolvedEntry, currentKey: string | null): string {
  const current = currentKey !== null && entry.current === currentKey ? ' aria-current="page"' : '';
  return `<a href="${escapeHtml(entry.href)}"${current}>${escapeHtml(entry.label)}</a>`;
}

/**
 * An entry with sub-entries is a `<details>`: its `<summary>` names the group, the list holds
 * the entry's own page first, then its sub-entries ([MENU-5]).
 */
function navItem(entry: ResolvedEntry): NavItem {
  const keys = new Set([entry, ...entry.children].flatMap((e) => (e.current ? [e.current] : [])));
  const render = (currentKey: string | null) => {
    if (entry.children.length === 0) return `<li>${link(entry, currentKey)}</li>`;
    const inside = keys.has(currentKey ?? '') ? ' class="current"' : '';
    const items = [entry, ...entry.children].map((e) => `<li>${link(e, currentKey)}</li>`).join('');
    return `<li class="has-sub"><details><summary${inside}>${escapeHtml(entry.label)}</summary><ul>${items}</ul></details></li>`;
  };
  return { keys, html: render(null), render };
}

export function mainNavItems(entries: readonly ResolvedEntry[]): NavItem[] {
  return entries.map(navItem);
}

/** The référent's footer links ([MENU-6]), as `<li>`s placed before the legal pages. */
export function footerMenuItems(menus: SiteMenus | undefined, pages: MenuPages, depth: number): string {
  return (menus?.footer ?? [])
    .map((e) => resolveEntry({ ...e, children: [] }, pages, depth))
    .filter((e): e is ResolvedEntry => e !== null)
    .map((e) => `<li>${link(e, null)}</li>`)
    .join('');
}
