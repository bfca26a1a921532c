/**
 * Addresses that never break (SPEC.md [ADDR-*]): each published version carries the map of its
 * pages' current addresses and of every former address still answered, computed at publication
 * from the previous version's map. Pure: no file, no clock.
 *
 * An address is a path below the site's root in directory form: `mairie/`, `''` for the home.
 * A former address names the page that had it, never another address: it answers `301` to that
 * page's current address (chains collapse, no loop can form), or `410` when the page is no
 * longer online.
 */

/** Current address of a page online in this version. */
export interface CurrentAddress {
  path: string;
  title: string;
}

/** An address a page had before this version. */
export interface FormerAddress {
  path: string;
  pageId: string;
  /** Title of the page when it left that address. */
  title: string;
  /** When (ms) the address stopped being the page's: the publication that changed it. */
  until: number;
}

export interface AddressMap {
  format: 1;
  /** Page id → its current address. */
  pages: Record<string, CurrentAddress>;
  /** Former addresses, oldest first; one entry per path at most. */
  former: FormerAddress[];
}

/** [ADDR-6] Former addresses kept per site: the oldest go first. */
export const MAX_FORMER_ADDRESSES = 5000;
/** [ADDR-6] Longest address looked up or kept (characters). */
export const MAX_ADDRESS_LENGTH = 400;

const SEGMENT = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * [ADDR-5] A path that may be a redirect target or key: lower-case slug segments, each followed
 * by `/`, or `''` (the home). Nothing else — no scheme, no `//`, no `..`, no query.
 */
export function isSiteAddress(path: string): boolean {
  if (path === '') return true;
  if (path.length > MAX_ADDRESS_LENGTH || !path.endsWith('/')) return false;
  return path
    .slice(0, -1)
    .split('/')
    .every((s) => SEGMENT.test(s));
}

/** A rendered page file (`mairie/index.html`, `index.html`) → its address; null if not a page. */
export function addressOfFile(file: string): string | null {
  if (file === 'index.html') return '';
  if (!file.endsWith('/index.html')) return null;
  const address = file.slice(0, -'index.html'.length);
  return isSiteAddress(address) ? address : null;
}

export function emptyAddressMap(): AddressMap {
  return { format: 1, pages: {}, former: [] };
}

/**
 * The map of a new version: `previous` (the version online before it, or null for the first),
 * the new version's pages (`pagePaths` page id → rendered file, titles) and every file it has
 * (an address one of them answers is never a former one: [ADDR-3]).
 */
export function nextAddressMap(
  previous: AddressMap | null,
  pagePaths: ReadonlyMap<string, string>,
  titles: ReadonlyMap<string, string>,
  files: Iterable<string>,
  publishedAt: number,
): AddressMap {
  const pages: Record<string, CurrentAddress> = {};
  for (const [id, file] of pagePaths) {
    const path = addressOfFile(file);
    if (path !== null) pages[id] = { path, title: titles.get(id) ?? '' };
  }
  const served = new Set<string>();
  for (const file of files) {
    const address = addressOfFile(file);
    if (address !== null) served.add(address);
  }
  // Oldest first, so a later owner of a path replaces an earlier one ([ADDR-2]).
  const byPath = new Map<string, FormerAddress>();
  const add = (entry: FormerAddress) => {
    if (entry.path === '' || !isSiteAddress(entry.path)) return;
    byPath.delete(entry.path);
    byPath.set(entry.path, entry);
  };
  for (const entry of previous?.former ?? []) add(entry);
  for (const [pageId, before] of Object.entries(previous?.pages ?? {}))
    if (pages[pageId]?.path !== before.path)
      add({ path: before.path, pageId, title: before.title, until: publishedAt });
  const former = [...byPath.values()].filter((entry) => !served.has(entry.path));
  return {
    format: 1,
    pages,
    former: former.slice(Math.max(0, former.length - MAX_FORMER_ADDRESSES)),
  };
}

/** What a site answers at an address none of its files answers. */
export type AddressAnswer =
  { kind: 'moved'; location: string } | { kind: 'gone'; title: string } | { kind: 'unknown' };

/**
 * [ADDR-1..5] The answer for `requested` (the decoded path below the site's root, as asked:
 * `ancien`, `ancien/`, `ancien/index.html`), found in `lookup` (made by `addressLookup`).
 */
export function answerAddress(lookup: AddressLookup, requested: string): AddressAnswer {
  const key = addressKey(requested);
  if (key === null) return { kind: 'unknown' };
  const entry = lookup.former.get(key);
  if (!entry) return { kind: 'unknown' };
  const now = lookup.pages.get(entry.pageId);
  if (now && now.path !== key && isSiteAddress(now.path)) return { kind: 'moved', location: now.path };
  if (now) return { kind: 'unknown' };
  return { kind: 'gone', title: entry.title };
}

/** The address key a request path stands for, or null when it cannot be one. */
export function addressKey(requested: string): string | null {
  if (requested.length > MAX_ADDRESS_LENGTH + 'index.html'.length) return null;
  let path = requested.replace(/^\/+/, '');
  if (path.endsWith('index.html')) path = path.slice(0, -'index.html'.length);
  if (path !== '' && !path.endsWith('/')) path += '/';
  return path !== '' && isSiteAddress(path) ? path : null;
}

/** The map indexed for lookups. */
export interface AddressLookup {
  pages: Map<string, CurrentAddress>;
  former: Map<string, FormerAddress>;
}

export function addressLookup(map: AddressMap): AddressLookup {
  return {
    pages: new Map(Object.entries(map.pages)),
    former: new Map(map.former.map((entry) => [entry.path, entry])),
  };
}

/** The former addresses of one page, newest first ([ADDR-7]). */
export function formerAddressesOf(map: AddressMap, pageId: string): FormerAddress[] {
  return map.former.filter((entry) => entry.pageId === pageId).reverse();
}

/**
 * Reads a stored map (JSON text); anything malformed is dropped entry by entry, never trusted:
 * a tampered file cannot produce a target outside the site ([ADDR-5]).
 */
export function parseAddressMap(text: string): AddressMap {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyAddressMap();
  }
  const map = emptyAddressMap();
  if (!raw || typeof raw !== 'object') return map;
  const { pages, former } = raw as { pages?: unknown; former?: unknown };
  if (pages && typeof pages === 'object')
    for (const [id, value] of Object.entries(pages as Record<string, unknown>)) {
      const v = value as Partial<CurrentAddress> | null;
      if (v && typeof v.path === 'string' && isSiteAddress(v.path))
        map.pages[id] = { path: v.path, title: typeof v.title === 'string' ? v.title : '' };
    }
  if (Array.isArray(former))
    for (const value of former.slice(-MAX_FORMER_ADDRESSES)) {
      const v = value as Partial<FormerAddress> | null;
      if (
        v &&
        typeof v.path === 'string' &&
        v.path !== '' &&
        isSiteAddress(v.path) &&
        typeof v.pageId === 'string'
      )
        map.former.push({
          path: v.path,
          pageId: v.pageId,
          title: typeof v.title === 'string' ? v.title : '',
          until: typeof v.until === 'number' ? v.until : 0,
        });
    }
  return map;
}
