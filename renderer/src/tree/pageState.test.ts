import { describe, expect, it } from 'vitest';
import type { PageStatusEntry } from '../../../site/apiContract';
import { pageState, pageStateLabel, pagesToPublish } from './pageState';

const entry = (pageId: string, e: Partial<PageStatusEntry>): [string, PageStatusEntry] => [
  pageId,
  { pageId, online: false, modified: false, releasedAt: null, releasedBy: null, scheduledAt: null, ...e },
];
const fmt = (ms: number) => new Date(ms).toISOString();

describe('[PUBL-9] page states', () => {
  const statuses = new Map([
    entry('a', {}),
    entry('b', { online: true, releasedAt: 1000 }),
    entry('c', { online: true, modified: true, releasedAt: 1000 }),
    entry('d', { scheduledAt: 5000 }),
  ]);
  it('says each state in the words of every screen', () => {
    expect(pageStateLabel(pageState('a', statuses), fmt)).toBe('Brouillon');
    expect(pageStateLabel(pageState('b', statuses), fmt)).toBe('En ligne');
    expect(pageStateLabel(pageState('c', statuses), fmt)).toBe('En ligne — modifiée depuis');
    expect(pageStateLabel(pageState('d', statuses), fmt)).toBe(`Programmée le ${fmt(5000)}`);
    expect(pageStateLabel(pageState('zz', statuses), fmt)).toBe('Brouillon');
    expect(pageState('a', null)).toEqual({ kind: 'unknown' });
  });
  it('an edit made here after the page went online makes it « modifiée » at once', () => {
    expect(pageState('b', statuses, 999).kind).toBe('online');
    expect(pageState('b', statuses, 1001).kind).toBe('modified');
  });
  it('« Publier les modifications » lists the changed pages and those marked ready, not the drafts', () => {
    const pages = [
      { id: 'a', status: 'draft' },
      { id: 'b', status: 'published' },
      { id: 'c', status: 'published' },
      { id: 'e', status: 'published' },
    ];
    expect(pagesToPublish(pages, statuses).map((p) => p.id)).toEqual(['c', 'e']);
  });
});
