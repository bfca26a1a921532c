import { describe, expect, it } from 'vitest';
import type { PageMeta } from '../../../site/siteDoc';
import { listContent } from './contentLists';

function item(id: string, over: Partial<PageMeta>): PageMeta {
  return {
    id,
    type: 'actualite',
    title: id,
    slug: id,
    parentId: null,
    order: 'a0',
    status: 'draft',
    fields: {},
    createdAt: 0,
    updatedAt: 0,
    updatedBy: '',
    ...over,
  };
}

describe('listContent', () => {
  const pages = [
    item('a', { title: 'Fête', fields: { date: '2026-06-21' }, status: 'published', updatedAt: 1 }),
    item('b', { title: 'Brocante', fields: { date: '2026-05-01' }, updatedAt: 3 }),
    item('c', { title: 'Élections', createdAt: new Date('2026-07-01').getTime(), updatedAt: 2 }),
    item('d', { title: 'Conseil', type: 'acte' }),
  ];
  it('keeps one type, filters by status and title, sorts by date, title or last change', () => {
    const ids = (o: Parameters<typeof listContent>[1]) => listContent(pages, o).map((p) => p.id);
    expect(ids({ type: 'actualite', status: 'all', sort: 'date-desc' })).toEqual(['c', 'a', 'b']);
    expect(ids({ type: 'actualite', status: 'all', sort: 'date-asc' })).toEqual(['b', 'a', 'c']);
    expect(ids({ type: 'actualite', status: 'all', sort: 'title' })).toEqual(['b', 'c', 'a']);
    expect(ids({ type: 'actualite', status: 'all', sort: 'updated' })).toEqual(['b', 'c', 'a']);
    expect(ids({ type: 'actualite', status: 'published', sort: 'title' })).toEqual(['a']);
    expect(ids({ type: 'actualite', status: 'draft', sort: 'title', query: 'elec' })).toEqual(['c']);
    expect(ids({ type: 'acte', status: 'all', sort: 'title' })).toEqual(['d']);
  });
});
