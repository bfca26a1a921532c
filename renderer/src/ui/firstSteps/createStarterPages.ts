// « Créer les pages de départ »: the starter pages missing from the site, each body stored on
// this computer before the page appears in the manifest (like « Nouvelle page »).
import type * as Y from 'yjs';
import { writeParagraphs } from '../../../../site/pageBody';
import { readSiteSettings } from '../../../../site/settings';
import { readPages } from '../../../../site/siteDoc';
import { addPlannedPages, localIsoDate, planStarterPages, starterPages } from '../../../../site/starterPages';
import { pageRoom } from '../../../../site/syncProtocol';
import type { LocalDocs } from '../../store/LocalStore';

export async function createStarterPages(
  docs: LocalDocs,
  insee: string,
  communeName: string,
  manifest: Y.Doc,
  updatedBy: string,
): Promise<number> {
  const settings = readSiteSettings(manifest, communeName);
  const starter = starterPages({
    communeName: settings.name,
    address: settings.address,
    phone: settings.phone,
    email: settings.email,
    today: localIsoDate(Date.now()),
  });
  const plan = planStarterPages(readPages(manifest), starter);
  for (const { id, page } of plan)
    await docs.create(pageRoom(insee, id), (doc) => writeParagraphs(doc, page.body));
  addPlannedPages(manifest, plan, { updatedBy });
  return plan.length;
}
