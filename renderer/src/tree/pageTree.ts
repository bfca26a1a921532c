// The site's page tree as the editor shows it, derived purely from the manifest's pages
// (parentId + fractional `order`): effective parents with cycles broken deterministically,
// positions for moves (drag and drop, keyboard), subtrees, and search by title.
import { generateKeyBetween } from 'fractional-indexing';
import type { PageMeta } from '../../../site/siteDoc';

export interface TreeNode {
  page: PageMeta;
  depth: number;
  children: TreeNode[];
}

/** Siblings order: by fractional key, then by id (total, the same on every computer). */
export function compareSiblings(a: PageMeta, b: PageMeta): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Each page's parent as shown. A parent that does not exist makes the page a root. Two
 * agents moving A under B and B under A while apart create a cycle once merged: it is
 * broken by making the page of the cycle with the smallest id a root. Every computer
 * holds the same merged manifest, so every computer shows the same tree.
 */
export function effectiveParents(pages: readonly PageMeta[]): Map<string, string | null> {
  const byId = new Map(pages.map((p) => [p.id, p]));
  const parent = new Map<string, string | null>();
  for (const p of pages) {
    parent.set(p.id, p.parentId !== null && p.parentId !== p.id && byId.has(p.parentId) ? p.parentId : null);
  }
  // Walk up from every page; a revisit inside the current walk is a cycle.
  const done = new Set<string>();
  for (const start of pages) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | null = start.id;
    while (current !== null && !done.has(current)) {
      if (onPath.has(current)) {
        const cycle = path.slice(path.indexOf(current));
        const cut = cycle.reduce((min, id) => (id < min ? id : min));
        parent.set(cut, null);
        break;
      }
      onPath.add(current);
      path.push(current);
      current = parent.get(current) ?? null;
    }
    for (const id of path) done.add(id);
  }
  return parent;
}

/** The tree, roots first, each level sorted with compareSiblings. */
export function buildTree(pages: readonly PageMeta[]): TreeNode[] {
  const parents = effectiveParents(pages);
  const childrenOf = new Map<string | null, PageMeta[]>();
  for (const p of pages) {
    const key = parents.get(p.id) ?? null;
    const list = childrenOf.get(key) ?? [];
    list.push(p);
    childrenOf.set(key, list);
  }
  const build = (parentId: string | null, depth: number): TreeNode[] =>
    (childrenOf.get(parentId) ?? [])
      .sort(compareSiblings)
      .map((page) => ({ page, depth, children: build(page.id, depth + 1) }));
  return build(null, 0);
}

/** Depth-first order of the tree (what a screen reader or the keyboard walks through). */
export function flattenTree(nodes: readonly TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (list: readonly TreeNode[]) => {
    for (const n of list) {
      out.push(n);
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

/** The page and all the pages under it (as shown), the page first. */
export function subtreeIds(pages: readonly PageMeta[], rootId: string): string[] {
  const parents = effectiveParents(pages);
  const ids = [rootId];
  for (let i = 0; i < ids.length; i++) {
    for (const [id, parent] of parents) if (parent === ids[i]) ids.push(id);
  }
  return ids;
}

export function isInSubtree(pages: readonly PageMeta[], rootId: string, candidate: string): boolean {
  return subtreeIds(pages, rootId).includes(candidate);
}

/** Where to put a page: under `parentId`, before the sibling `beforeId` (or last if null). */
export interface Placement {
  parentId: string | null;
  beforeId: string | null;
}

/** A fractional key between two neighbours; tolerates equal keys left by concurrent inserts. */
export function orderBetween(before: string | null, after: string | null): string {
  if (before !== null && after !== null && before >= after) return generateKeyBetween(before, null);
  return generateKeyBetween(before, after);
}

/**
 * The `{ parentId, order }` patch that puts `pageId` at `placement`, or null when the move
 * is impossible (into its own subtree) or changes nothing.
 */
export function movePatch(
  pages: readonly PageMeta[],
  pageId: string,
  placement: Placement,
): { parentId: string | null; order: string } | null {
  if (placement.parentId !== null && isInSubtree(pages, pageId, placement.parentId)) return null;
  if (placement.beforeId === pageId) return null;
  const parents = effectiveParents(pages);
  const siblings = pages
    .filter((p) => p.id !== pageId && (parents.get(p.id) ?? null) === placement.parentId)
    .sort(compareSiblings);
  const index =
    placement.beforeId === null ? siblings.length : siblings.findIndex((p) => p.id === placement.beforeId);
  if (index < 0) return null;
  const prev = siblings[index - 1]?.order ?? null;
  const next = siblings[index]?.order ?? null;
  const page = pages.find((p) => p.id === pageId);
  if (!page) return null;
  const currentParent = parents.get(pageId) ?? null;
  if (currentParent === placement.parentId) {
    const current = [...siblings, page].sort(compareSiblings);
    const at = current.findIndex((p) => p.id === pageId);
    if (at === index) return null;
  }
  return { parentId: placement.parentId, order: orderBetween(prev, next) };
}

export type KeyboardMove = 'up' | 'down' | 'indent' | 'outdent';

/** The placement a keyboard move asks for, or null at an edge of the tree. */
export function keyboardPlacement(
  pages: readonly PageMeta[],
  pageId: string,
  move: KeyboardMove,
): Placement | null {
  const parents = effectiveParents(pages);
  const parentId = parents.get(pageId) ?? null;
  const siblings = pages.filter((p) => (parents.get(p.id) ?? null) === parentId).sort(compareSiblings);
  const at = siblings.findIndex((p) => p.id === pageId);
  if (at < 0) return null;
  switch (move) {
    case 'up':
      return at === 0 ? null : { parentId, beforeId: siblings[at - 1]!.id };
    case 'down':
      if (at === siblings.length - 1) return null;
      return { parentId, beforeId: siblings[at + 2]?.id ?? null };
    case 'indent':
      return at === 0 ? null : { parentId: siblings[at - 1]!.id, beforeId: null };
    case 'outdent': {
      if (parentId === null) return null;
      const grand = parents.get(parentId) ?? null;
      const uncles = pages.filter((p) => (parents.get(p.id) ?? null) === grand).sort(compareSiblings);
      const parentAt = uncles.findIndex((p) => p.id === parentId);
      return { parentId: grand, beforeId: uncles[parentAt + 1]?.id ?? null };
    }
    default: {
      const unreachable: never = move;
      return unreachable;
    }
  }
}

/** Lower-case, accents removed: « Écoles » matches « eco ». */
export function normalizeForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

/** Pages whose title contains every word of the query, in tree order. */
export function searchPages(pages: readonly PageMeta[], query: string): PageMeta[] {
  const words = normalizeForSearch(query).split(/\s+/).filter(Boolean);
  const ordered = flattenTree(buildTree(pages)).map((n) => n.page);
  if (words.length === 0) return ordered;
  return ordered.filter((p) => {
    const title = normalizeForSearch(p.title);
    return words.every((w) => title.includes(w));
  });
}

/** « Parent › Enfant » breadcrumb of a page, for search results and announcements. */
export function pagePath(pages: readonly PageMeta[], pageId: string): string[] {
  const parents = effectiveParents(pages);
  const byId = new Map(pages.map((p) => [p.id, p]));
  const path: string[] = [];
  let current: string | null = pageId;
  while (current !== null && path.length <= pages.length) {
    path.unshift(byId.get(current)?.title ?? '');
    current = parents.get(current) ?? null;
  }
  return path;
}
