import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bodyMediaRefs } from './bodyMedia';
import { createPage, readPages, setPageBodyMedia } from './siteDoc';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('bodyMediaRefs', () => {
  it('[HTML-13] finds the images and the links to files of a body, once each, sorted', () => {
    const state = {
      root: {
        type: 'root',
        children: [
          { type: 'image', sha256: B.toUpperCase(), altText: 'Plan' },
          {
            type: 'paragraph',
            children: [
              { type: 'link', url: `media:${A}`, children: [{ type: 'text', text: 'Compte rendu' }] },
              { type: 'link', url: 'https://www.service-public.fr/', children: [] },
            ],
          },
          {
            type: 'table',
            children: [
              {
                type: 'tablerow',
                children: [{ type: 'tablecell', children: [{ type: 'image', sha256: A }] }],
              },
            ],
          },
        ],
      },
    };
    expect(bodyMediaRefs(state)).toEqual([A, B]);
  });

  it('[HTML-13] hostile JSON: wrong types, inherited keys, malformed hashes and deep nesting find nothing and never throw', () => {
    const proto = JSON.parse(`{"__proto__": {"type": "image", "sha256": "${A}"}}`) as unknown;
    let deep: Record<string, unknown> = { type: 'image', sha256: B };
    for (let i = 0; i < 10_000; i++) deep = { type: 'paragraph', children: [deep] };
    expect(bodyMediaRefs(proto)).toEqual([]);
    expect(bodyMediaRefs({ type: 'image', sha256: '../../x' })).toEqual([]);
    expect(bodyMediaRefs({ type: 'link', url: `media:${A}x` })).toEqual([]);
    expect(bodyMediaRefs({ root: { children: 'no' } })).toEqual([]);
    expect(bodyMediaRefs(null)).toEqual([]);
    expect(bodyMediaRefs(deep)).toEqual([]);
  });
});

describe('setPageBodyMedia', () => {
  it('records the list on the page, writes only when it changed, and is not a change of the page', () => {
    const manifest = new Y.Doc();
    const { id } = createPage(manifest, { type: 'page', title: 'Plan du village', updatedBy: 'Alice' });
    const before = readPages(manifest).find((p) => p.id === id)!;
    let writes = 0;
    manifest.on('update', () => (writes += 1));
    setPageBodyMedia(manifest, id, []);
    expect(writes).toBe(0);
    setPageBodyMedia(manifest, id, [A, B]);
    setPageBodyMedia(manifest, id, [A, B]);
    expect(writes).toBe(1);
    const after = readPages(manifest).find((p) => p.id === id)!;
    expect(after.bodyMedia).toEqual([A, B]);
    expect(after.updatedAt).toBe(before.updatedAt);
    setPageBodyMedia(manifest, id, []);
    expect(readPages(manifest).find((p) => p.id === id)!.bodyMedia).toEqual([]);
  });
});
