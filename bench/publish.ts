/**
 * Publishing (DESIGN.md budgets: full publish of a 1,000-page site ≤ 2 s; republish after one
 * page changed ≤ 100 ms): a generated site is written into a real SQLite store, then the real
 * server publishes it through its HTTP API, once in full and again after one page changed.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { writeParagraphs } from '../site/pageBody';
import { createPage, updatePage } from '../site/siteDoc';
import { pageRoom, siteRoom } from '../site/syncProtocol';
import { openDatabase } from '../sync-server/database';
import { SqliteDocStore } from '../sync-server/SqliteDocStore';
import { login, startTestServer, tempDataDir } from '../sync-server/testHarness';

export interface PublishResult {
  pages: number;
  seedMs: number;
  fullMs: number;
  republishMs: number;
}

const PARAGRAPH =
  'Le conseil municipal s’est réuni pour examiner les projets de la commune, les travaux de voirie, ' +
  'la rentrée scolaire et le calendrier des manifestations culturelles de la saison.';

export async function benchPublish(pageCount = 1000): Promise<PublishResult> {
  const data = await tempDataDir();
  try {
    const seedStart = performance.now();
    const db = openDatabase(data.dir);
    const store = new SqliteDocStore(db);
    const manifest = new Y.Doc();
    for (let i = 0; i < pageCount; i++) {
      const page = createPage(manifest, { title: `Page ${i + 1} du site`, updatedBy: 'Banc de mesure' });
      updatePage(manifest, page.id, { status: 'published' }, 'Banc de mesure');
      const body = new Y.Doc();
      writeParagraphs(body, [PARAGRAPH, `Paragraphe propre à la page ${i + 1}.`, PARAGRAPH]);
      await store.appendUpdates(pageRoom('13001', page.id), [Y.encodeStateAsUpdate(body)]);
      body.destroy();
    }
    await store.appendUpdates(siteRoom('13001'), [Y.encodeStateAsUpdate(manifest)]);
    await store.close();
    db.close();
    const seedMs = performance.now() - seedStart;

    const server = await startTestServer(data.dir, { createDemoAccount: false });
    try {
      await server.admin.addAgent({
        commune: '13001',
        email: 'referent@bench.fr',
        password: 'Banc-de-mesure-2026!',
        role: 'referent',
        displayName: 'Banc de mesure',
      });
      const { accessToken } = await login(server, 'referent@bench.fr', 'Banc-de-mesure-2026!');
      const publish = async () => {
        const start = performance.now();
        const response = await fetch(`${server.url}/api/communes/13001/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}` },
        });
        if (response.status !== 200) throw new Error(`publish failed: ${response.status}`);
        return performance.now() - start;
      };
      const fullMs = await publish();
      const republishMs = await publish();
      return { pages: pageCount, seedMs, fullMs, republishMs };
    } finally {
      await server.close();
    }
  } finally {
    await data.remove();
  }
}
