// Issue 5 journey — background sync: after the first sync, every page of the site is on this
// computer, with progress shown; a page never opened here reads offline after a reload.
import { seedPageBody } from '../site/pageBody';
import { createPage as addPage, newPageId } from '../site/siteDoc';
import { pageRoom, siteRoom } from '../site/syncProtocol';
import type { RunningServer } from '../sync-server/app/server';
import { isSaved, login, openClient, waitFor, waitSynced } from '../sync-server/app/testHarness';
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import { backHome, uniqueTitle } from './editorHelpers';

test('[sync-1] the whole site is copied in the background; a page never opened here reads offline', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const titles = [uniqueTitle('Cimetière'), uniqueTitle('Bibliothèque'), uniqueTitle('Salle des fêtes')];
  for (const title of titles) {
    await createPage(alice, title);
    await editor(alice.page).click();
    await alice.page.keyboard.type(`Texte de la page ${title}.`);
    await backHome(alice);
  }
  await expect(status(alice.page)).toHaveText(STATUS.saved);

  const bruno = await openAgent({ displayName: 'Bruno Roux', viaLink: true });
  await expect(
    bruno.page.getByText(/Tout le site est disponible sur cet ordinateur, même hors connexion/),
  ).toBeVisible({
    timeout: 30_000,
  });

  bruno.link!.goOffline();
  await bruno.page.reload();
  await expect(status(bruno.page)).toHaveText(STATUS.offline);
  for (const title of titles) {
    await openPage(bruno, title);
    await expect(editor(bruno.page)).toHaveText(`Texte de la page ${title}.`);
    await backHome(bruno);
  }
});

const SEEDED_PAGES = 60;

/**
 * Another agent of the commune adds `count` pages from their own client (a real y-websocket
 * client in Node, through the server): each body stored and acknowledged, then all the pages
 * listed in the manifest in one change. Returns their titles.
 */
async function addPagesFromAnotherClient(
  server: RunningServer,
  insee: string,
  count: number,
): Promise<string[]> {
  const email = `redacteur.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Motdepasse-solide-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({ commune: insee, email, password, role: 'agent', displayName: 'Rédactrice' });
  const { accessToken } = await login(server, email, password);
  const pages = Array.from({ length: count }, (_, i) => ({
    id: newPageId(),
    title: `Page ${i + 1} ${Date.now()}`,
  }));
  for (let start = 0; start < pages.length; start += 8) {
    const clients = pages.slice(start, start + 8).map((p) => {
      const client = openClient(server, pageRoom(insee, p.id), accessToken);
      seedPageBody(client.doc);
      return client;
    });
    await Promise.all(clients.map((c) => waitFor(() => isSaved(c), 'body acknowledged', 15_000)));
    clients.forEach((c) => c.destroy());
  }
  const manifest = openClient(server, siteRoom(insee), accessToken);
  await waitSynced(manifest);
  manifest.doc.transact(() => {
    for (const p of pages) addPage(manifest.doc, { id: p.id, title: p.title, updatedBy: 'Rédactrice' });
  });
  await waitFor(() => isSaved(manifest), 'manifest acknowledged', 15_000);
  manifest.destroy();
  return pages.map((p) => p.title);
}

test('[sync-2] with many pages, the copy shows « n pages sur N disponibles hors ligne » rising to the whole site', async ({
  openAgent,
  server,
}) => {
  // A commune of its own, so the count is exactly the pages added here.
  const insee = '13002';
  const bruno = await openAgent({ displayName: 'Bruno Roux', commune: insee });
  const { page } = bruno;
  await goTo(page, 'Pages');
  await expect(page.getByText('Aucune page pour l’instant.')).toBeVisible();
  // Every text the progress line shows from now on, as the agent would see it change.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const text = document.querySelector('.background-sync')?.textContent ?? '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  // Pages are copied by batches of one request (site/syncBatch.ts), not one socket each.
  const pageSockets: string[] = [];
  page.on('websocket', (socket) => {
    if (socket.url().includes('/page/')) pageSockets.push(socket.url());
  });
  let batchRequests = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith(`/api/communes/${insee}/sync`))
      batchRequests += 1;
  });
  const titles = await addPagesFromAnotherClient(server, insee, SEEDED_PAGES);
  await expect(page.locator('.tree .page-title')).toHaveCount(SEEDED_PAGES, { timeout: 30_000 });
  await expect(
    page.getByText(/Tout le site est disponible sur cet ordinateur, même hors connexion/),
  ).toBeVisible({
    timeout: 60_000,
  });
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  const progress = seen
    .map((text) =>
      /^Copie du site sur cet ordinateur : (\d+) pages? sur (\d+) disponibles? hors ligne…$/.exec(text),
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ available: Number(m[1]), pages: Number(m[2]) }))
    .filter((p) => p.pages === SEEDED_PAGES);
  console.log(
    `[sync-2] ${progress.length} progress texts seen: ${progress.map((p) => p.available).join(', ')}`,
  );
  // Shown while under way (some page not yet copied), never going backwards.
  expect(progress.some((p) => p.available < SEEDED_PAGES)).toBe(true);
  for (let i = 1; i < progress.length; i++)
    expect(progress[i]!.available).toBeGreaterThanOrEqual(progress[i - 1]!.available);
  await expect(page.locator('progress')).toHaveCount(0);
  expect(titles).toHaveLength(SEEDED_PAGES);
  console.log(`[sync-2] ${batchRequests} batch requests, ${pageSockets.length} page sockets`);
  expect(batchRequests).toBeGreaterThanOrEqual(2);
  expect(pageSockets.length).toBeLessThanOrEqual(2);
});
