// Lists of dated content (actualités, événements, actes): filtering and sorting, pure.
import type { PageMeta, PageType } from '../../../site/siteDoc';
import { normalizeForSearch } from './pageTree';

export const LISTED_TYPES = ['actualite', 'evenement', 'acte'] as const satisfies readonly PageType[];
export type ListedType = (typeof LISTED_TYPES)[number];

export type StatusFilter = 'all' | 'published' | 'draft';
export type SortKey = 'date-desc' | 'date-asc' | 'title' | 'updated';

/** The date an item is about: its structured date field when set, else its creation. */
export function contentDate(page: PageMeta): number {
  for (const key of ['date', 'startDate', 'dateDebut', 'publishedOn', 'adoptedOn']) {
    const value = page.fields[key];
    if (typeof value === 'string' || typeof value === 'number') {
      const ms = new Date(value).getTime();
      if (Number.isFinite(ms)) return ms;
    }
  }
  return page.createdAt;
}

export function listContent(
  pages: readonly PageMeta[],
  options: { type: ListedType; status: StatusFilter; sort: SortKey; query?: string },
): PageMeta[] {
  const words = normalizeForSearch(options.query ?? '')
    .split(/\s+/)
    .filter(Boolean);
  const kept = pages.filter(
    (p) =>
      p.type === options.type &&
      (options.status === 'all' || p.status === options.status) &&
      words.every((w) => normalizeForSearch(p.title).includes(w)),
  );
  const byTitle = (a: PageMeta, b: PageMeta) =>
    a.title.localeCompare(b.title, 'fr') || (a.id < b.id ? -1 : 1);
  const sorters: Record<SortKey, (a: PageMeta, b: PageMeta) => number> = {
    'date-desc': (a, b) => contentDate(b) - contentDate(a) || byTitle(a, b),
    'date-asc': (a, b) => contentDate(a) - contentDate(b) || byTitle(a, b),
    title: byTitle,
    updated: (a, b) => b.updatedAt - a.updatedAt || byTitle(a, b),
  };
  return kept.sort(sorters[options.sort]);
}
