import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createPage, type PageMeta, readPages, updatePage } from '../../../site/siteDoc';
import {
  buildTree,
  effectiveParents,
  flattenTree,
  keyboardPlacement,
  movePatch,
  pagePath,
  searchPages,
  subtreeIds,
} from './pageTree';
import { PageDeletions } from './siteEdits';

function page(id: string, parentId: string | null, order: string, title = id): PageMeta {
  return {
    id,
    type: 'page',
    title,
    slug: id,
    parentId,
    order,
    status: 'draft',
    fields: {},
    createdAt: 0,
    updatedAt: 0,
    updatedBy: '',
  };
}

const titles = (pages: PageMeta[]) =>
  flattenTree(buildTree(pages)).map((n) => `${'  '.repeat(n.depth)}${n.page.id}`);

function apply(pages: PageMeta[], id: string, patch: { parentId: string | null; order: string } | null) {
  expect(patch).not.toBeNull();
  return pages.map((p) => (p.id === id ? { ...p, ...patch! } : p));
}

describe('page tree', () => {
  it('sorts siblings by order then id, and nests by parentId', () => {
    const pages = [page('c', null, 'a1'), page('b', null, 'a0'), page('a', null, 'a0'), page('d', 'b', 'a0')];
    expect(titles(pages)).toEqual(['a', 'b', '  d', 'c']);
  });

  it('shows a page whose parent is missing (deleted elsewhere) at the top level', () => {
    expect(titles([page('x', 'gone', 'a0')])).toEqual(['x']);
  });

  it('breaks a cycle from concurrent moves deterministically: the smallest id becomes a root', () => {
    // A moved under B on one computer, B under A on another: merged, both point at each other.
    const merged = [page('pA', 'pB', 'a0'), page('pB', 'pA', 'a0'), page('pC', 'pA', 'a1')];
    const parents = effectiveParents(merged);
    expect(parents.get('pA')).toBeNull();
    expect(parents.get('pB')).toBe('pA');
    // Same answer whatever the order in which pages are read.
    expect(effectiveParents([...merged].reverse())).toEqual(parents);
    expect(titles(merged)).toEqual(['pA', '  pB', '  pC']);
  });

  it('breaks a longer cycle and a self-parent', () => {
    const pages = [page('k', 'm', 'a0'), page('m', 'z', 'a0'), page('z', 'k', 'a0'), page('s', 's', 'a0')];
    const parents = effectiveParents(pages);
    expect(parents.get('k')).toBeNull();
    expect(parents.get('s')).toBeNull();
    expect(titles(pages)).toEqual(['k', '  z', '    m', 's']);
  });

  it('moves before a sibling, at the end, and into another page', () => {
    let pages = [page('a', null, 'a0'), page('b', null, 'a1'), page('c', null, 'a2')];
    pages = apply(pages, 'c', movePatch(pages, 'c', { parentId: null, beforeId: 'a' }));
    expect(titles(pages)).toEqual(['c', 'a', 'b']);
    pages = apply(pages, 'c', movePatch(pages, 'c', { parentId: null, beforeId: null }));
    expect(titles(pages)).toEqual(['a', 'b', 'c']);
    pages = apply(pages, 'a', movePatch(pages, 'a', { parentId: 'b', beforeId: null }));
    expect(titles(pages)).toEqual(['b', '  a', 'c']);
  });

  it('refuses a move into its own subtree, and a move that changes nothing', () => {
    const pages = [page('a', null, 'a0'), page('b', 'a', 'a0'), page('c', null, 'a1')];
    expect(movePatch(pages, 'a', { parentId: 'b', beforeId: null })).toBeNull();
    expect(movePatch(pages, 'a', { parentId: 'a', beforeId: null })).toBeNull();
    expect(movePatch(pages, 'a', { parentId: null, beforeId: 'c' })).toBeNull();
  });

  it('places between siblings that share a key (concurrent inserts)', () => {
    const pages = [page('a', null, 'a0'), page('b', null, 'a0'), page('c', null, 'a1')];
    const next = apply(pages, 'c', movePatch(pages, 'c', { parentId: null, beforeId: 'b' }));
    expect(flattenTree(buildTree(next)).map((n) => n.page.id)).toContain('c');
  });

  it('moves with the keyboard: up, down, indent, outdent', () => {
    let pages = [page('a', null, 'a0'), page('b', null, 'a1'), page('c', null, 'a2')];
    const move = (id: string, m: 'up' | 'down' | 'indent' | 'outdent') => {
      const placement = keyboardPlacement(pages, id, m);
      expect(placement).not.toBeNull();
      pages = apply(pages, id, movePatch(pages, id, placement!));
    };
    move('c', 'up');
    expect(titles(pages)).toEqual(['a', 'c', 'b']);
    move('a', 'down');
    expect(titles(pages)).toEqual(['c', 'a', 'b']);
    move('b', 'indent');
    expect(titles(pages)).toEqual(['c', 'a', '  b']);
    move('b', 'outdent');
    expect(titles(pages)).toEqual(['c', 'a', 'b']);
    expect(keyboardPlacement(pages, 'c', 'up')).toBeNull();
    expect(keyboardPlacement(pages, 'c', 'indent')).toBeNull();
    expect(keyboardPlacement(pages, 'b', 'down')).toBeNull();
    expect(keyboardPlacement(pages, 'b', 'outdent')).toBeNull();
  });

  it('lists a subtree, searches titles without accents, and gives a page’s path', () => {
    const pages = [
      page('a', null, 'a0', 'Vie municipale'),
      page('b', 'a', 'a0', 'Écoles et cantine'),
      page('c', 'b', 'a0', 'Menus'),
    ];
    expect(subtreeIds(pages, 'a')).toEqual(['a', 'b', 'c']);
    expect(searchPages(pages, 'ecole').map((p) => p.id)).toEqual(['b']);
    expect(searchPages(pages, 'CANTINE écoles').map((p) => p.id)).toEqual(['b']);
    expect(searchPages(pages, '').map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(pagePath(pages, 'c')).toEqual(['Vie municipale', 'Écoles et cantine', 'Menus']);
  });

  it('converges: two replicas moving pages into each other while apart show the same tree', () => {
    const one = new Y.Doc();
    const a = createPage(one, { title: 'A', updatedBy: 'x', id: 'idA' });
    const b = createPage(one, { title: 'B', updatedBy: 'x', id: 'idB' });
    const two = new Y.Doc();
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
    updatePage(one, a.id, { parentId: b.id }, 'x');
    updatePage(two, b.id, { parentId: a.id }, 'y');
    Y.applyUpdate(one, Y.encodeStateAsUpdate(two));
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
    expect(titles(readPages(one))).toEqual(titles(readPages(two)));
    expect(titles(readPages(one))).toEqual(['idA', '  idB']);
  });
});

describe('PageDeletions', () => {
  it('deletes a page with its subpages in one step and restores them with their fields', () => {
    const doc = new Y.Doc();
    const a = createPage(doc, { title: 'A', updatedBy: 'x' });
    const b = createPage(doc, { title: 'B', updatedBy: 'x', parentId: a.id });
    const deletions = new PageDeletions(doc);
    deletions.delete(doc, subtreeIds(readPages(doc), a.id));
    expect(readPages(doc)).toEqual([]);
    expect(deletions.undoLast()).toBe(true);
    const restored = readPages(doc);
    expect(restored.map((p) => p.title).sort()).toEqual(['A', 'B']);
    expect(restored.find((p) => p.id === b.id)?.parentId).toBe(a.id);
    expect(deletions.undoLast()).toBe(false);
  });

  it('never undoes another agent’s or a non-delete edit', () => {
    const doc = new Y.Doc();
    const deletions = new PageDeletions(doc);
    createPage(doc, { title: 'A', updatedBy: 'x' });
    expect(deletions.canUndo()).toBe(false);
  });
});
