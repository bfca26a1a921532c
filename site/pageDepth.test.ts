// Reading a manifest whose data is nested deeper than the schema (issue #9, finding 5): written
// before the sync server bounded depth, or restored. Readers report it instead of overflowing.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readSiteSettings } from './settings';
import {
  createPage,
  mediaMap,
  pagesMap,
  readMedia,
  readPages,
  readPagesReport,
  settingsMap,
} from './siteDoc';

const DEPTH = 20_000;

function nest(map: Y.Map<unknown>, depth: number): void {
  let current = map;
  for (let i = 0; i < depth; i++) {
    const next = new Y.Map<unknown>();
    current.set('x', next);
    current = next;
  }
}

describe('reading a manifest nested too deep', () => {
  it('[DEPTH-9] the page is reported unreadable, the others are read, nothing throws', () => {
    const doc = new Y.Doc();
    const bad = createPage(doc, { title: 'Conseil', type: 'elus', updatedBy: 'a' });
    const good = createPage(doc, { title: 'Mairie', updatedBy: 'a' });
    doc.transact(() => nest(pagesMap(doc).get(bad.id)!.get('fields') as Y.Map<unknown>, DEPTH));
    const report = readPagesReport(doc);
    expect(report.pages.map((p) => p.id)).toEqual([good.id]);
    expect(report.unreadable).toEqual([
      {
        id: bad.id,
        title: 'Conseil',
        reason: 'ses champs sont imbriqués plus profondément que le modèle ne le permet',
      },
    ]);
    expect(readPages(doc).map((p) => p.id)).toEqual([good.id]);
  });

  it('[DEPTH-10] settings and media read their plain values and ignore a nested type', () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      settingsMap(doc).set('name', 'Aix-en-Provence');
      const deep = new Y.Map<unknown>();
      settingsMap(doc).set('phone', deep);
      nest(deep, DEPTH);
      const entry = new Y.Map<unknown>();
      mediaMap(doc).set('a'.repeat(64), entry);
      nest(entry, DEPTH);
    });
    const settings = readSiteSettings(doc, 'Commune');
    expect(settings.name).toBe('Aix-en-Provence');
    expect(settings.phone).toBe('');
    expect(readMedia(doc)).toEqual({});
  });
});
