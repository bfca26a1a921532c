import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readPageBody } from '../../site/pageBody';
import { readPages, settingsMap } from '../../site/siteDoc';
import { pageRoom, siteRoom } from '../../site/syncProtocol';
import { seedDemoCommune } from './demoCommune';
import { openDatabase } from '../storage/database';
import { SqliteDocStore } from '../storage/SqliteDocStore';
import { startTestServer, tempDataDir } from './testHarness';

async function load(store: SqliteDocStore, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const update of (await store.loadDoc(room)).updates) Y.applyUpdate(doc, update);
  return doc;
}

describe('demo commune', () => {
  it('[DEMO-1] Aurons gets the starter pages, drafts with bodies to replace, once', async () => {
    const dir = await tempDataDir();
    const db = openDatabase(dir.dir);
    const store = new SqliteDocStore(db);
    try {
      expect(await seedDemoCommune(store, '13008', 'Aurons', Date.UTC(2026, 6, 1, 10))).toBe(7);
      const manifest = await load(store, siteRoom('13008'));
      expect(settingsMap(manifest).get('name')).toBe('Aurons');
      const pages = readPages(manifest);
      expect(pages.map((p) => p.title)).toContain('Horaires et contact');
      expect(pages.every((p) => p.status === 'draft')).toBe(true);
      const home = pages.find((p) => p.type === 'accueil')!;
      const body = JSON.stringify(readPageBody(await load(store, pageRoom('13008', home.id))));
      expect(body).toContain('À remplacer');
      // A second start adds nothing.
      expect(await seedDemoCommune(store, '13008', 'Aurons')).toBe(0);
      expect(readPages(await load(store, siteRoom('13008')))).toHaveLength(7);
    } finally {
      db.close();
      await dir.remove();
    }
  });

  it('[DEMO-2] a first start without agents makes the demo référent of Aurons (13008) and seeds its site', async () => {
    const dir = await tempDataDir();
    try {
      const server = await startTestServer(dir.dir, { demoCommune: undefined });
      expect(server.demoAccount!.email).toBe('referent@13008.demo');
      await server.close();
      const db = openDatabase(dir.dir);
      try {
        const pages = readPages(await load(new SqliteDocStore(db), siteRoom('13008')));
        expect(pages.map((p) => p.title)).toContain('Le conseil municipal');
      } finally {
        db.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
