// The rows of the « Menus » screen: a menu's entries flattened (top-level entries, each followed
// by its sub-entries), how each reads, and where a move (buttons or drag and drop) takes one.
import { MENU_LIST_TARGETS, type MenuEntry } from '../../../site/menus';
import type { PageMeta } from '../../../site/siteDoc';

export interface MenuRow {
  id: string;
  /** 0 at the top level, 1 for a sub-entry. */
  level: 0 | 1;
  parentId: string | null;
  /** Position among its siblings, and their number. */
  index: number;
  count: number;
  hasChildren: boolean;
  /** The label shown and published (the page's title when the entry has none). */
  label: string;
  /** What the entry leads to, in French (« Page », « Page non publiée… », « Lien : … »). */
  detail: string;
  /** False when the entry is not published (draft or deleted page). */
  online: boolean;
  /** The page's or list's own title, when the entry shows a label of its own instead. */
  ownTitle: string | null;
}

function describe(
  entry: MenuEntry,
  pages: readonly PageMeta[],
): Pick<MenuRow, 'label' | 'detail' | 'online' | 'ownTitle'> {
  if (entry.kind === 'link')
    return { label: entry.label, detail: `Lien vers ${entry.target}`, online: true, ownTitle: null };
  if (entry.kind === 'list') {
    const title = MENU_LIST_TARGETS.find((t) => t.slug === entry.target)?.title ?? entry.target;
    return {
      label: entry.label || title,
      detail: 'Page du site générée',
      online: true,
      ownTitle: entry.label ? title : null,
    };
  }
  const page = pages.find((p) => p.id === entry.target);
  if (!page)
    return {
      label: entry.label || 'Page supprimée',
      detail: 'Page supprimée : non affichée',
      online: false,
      ownTitle: null,
    };
  const title = page.title || 'Page sans titre';
  const label = entry.label || title;
  const ownTitle = entry.label ? title : null;
  return page.status === 'published'
    ? { label, detail: entry.label ? `Page « ${page.title} »` : 'Page', online: true, ownTitle }
    : { label, detail: 'Page non publiée : non affichée sur le site', online: false, ownTitle };
}

export function menuRows(entries: readonly MenuEntry[], pages: readonly PageMeta[]): MenuRow[] {
  const rows: MenuRow[] = [];
  entries.forEach((top, index) => {
    rows.push({
      id: top.id,
      level: 0,
      parentId: null,
      index,
      count: entries.length,
      hasChildren: top.children.length > 0,
      ...describe(top, pages),
    });
    top.children.forEach((child, i) =>
      rows.push({
        id: child.id,
        level: 1,
        parentId: top.id,
        index: i,
        count: top.children.length,
        hasChildren: false,
        ...describe(child, pages),
      }),
    );
  });
  return rows;
}

export interface MoveTarget {
  parentId: string | null;
  index: number;
}

/**
 * Where dropping `movedId` before or after the row `targetId` takes it: into the target's
 * list (the top level, or its parent's sub-entries), at the index among the others.
 */
export function dropTarget(
  rows: readonly MenuRow[],
  movedId: string,
  targetId: string,
  position: 'before' | 'after' | 'on',
): MoveTarget | null {
  const target = rows.find((r) => r.id === targetId);
  if (!target || targetId === movedId) return null;
  if (position === 'on')
    return target.level === 0 ? { parentId: target.id, index: Number.MAX_SAFE_INTEGER } : null;
  const siblings = rows.filter((r) => r.parentId === target.parentId && r.id !== movedId);
  const at = siblings.findIndex((r) => r.id === targetId);
  return { parentId: target.parentId, index: position === 'before' ? at : at + 1 };
}

/** The top-level entry just before a top-level row (the parent « Mettre en sous-entrée » uses). */
export function previousTop(rows: readonly MenuRow[], row: MenuRow): MenuRow | undefined {
  if (row.level !== 0) return undefined;
  return rows.filter((r) => r.level === 0 && r.index === row.index - 1)[0];
}
