/**
 * The demo commune of a first start (`npm start`, `npm run server` on an empty DATA_DIR):
 * Aurons (INSEE 13008), a village of the Métropole, with the starter pages a small commune gets
 * from « Premiers pas » (site/starterPages), as drafts with text to replace. Written once, only
 * when the commune has no document yet; tests' own communes are never touched.
 */
import * as Y from 'yjs';
import { writeParagraphs } from '../../site/pageBody';
import { settingsMap } from '../../site/siteDoc';
import { addPlannedPages, localIsoDate, planStarterPages, starterPages } from '../../site/starterPages';
import { pageRoom, siteRoom } from '../../site/syncProtocol';
import { loadMetropoleCommunes } from '../accounts/communes';
import type { DocStore } from '../storage/DocStore';

/** Writes the demo commune's site and pages; returns how many pages (0 when it had documents). */
export async function seedDemoCommune(
  store: DocStore,
  insee: string,
  communeName: string = loadMetropoleCommunes().find((c) => c.insee === insee)?.name ?? insee,
  now: number = Date.now(),
): Promise<number> {
  if ((await store.listRooms(insee)).length > 0) return 0;
  const manifest = new Y.Doc();
  try {
    settingsMap(manifest).set('name', communeName);
    const plan = planStarterPages(
      [],
      starterPages({ communeName, address: '', phone: '', email: '', today: localIsoDate(now) }),
    );
    // Every page in the same group commit ([HOT-7]: one awaited append after another waited a
    // commit window each); the manifest only once they are all stored.
    await Promise.all(
      plan.map(({ id, page }) => store.appendUpdates(pageRoom(insee, id), [pageUpdate(page.body)])),
    );
    addPlannedPages(manifest, plan, { updatedBy: 'Usine à sites', now });
    await store.appendUpdates(siteRoom(insee), [Y.encodeStateAsUpdate(manifest)]);
    return plan.length;
  } finally {
    manifest.destroy();
  }
}

/** A starter page's body as one Yjs update. */
function pageUpdate(paragraphs: string[]): Uint8Array {
  const body = new Y.Doc();
  try {
    writeParagraphs(body, paragraphs);
    return Y.encodeStateAsUpdate(body);
  } finally {
    body.destroy();
  }
}
