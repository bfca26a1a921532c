// Published files shared by the nodes (SITES_DIR, MEDIA_DIR): two real servers with their own
// DATA_DIR and one folder of published versions; what one node publishes, the other serves at
// once — the page, the search and each new version — with nothing cached in between.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

let shared: string;
const data: Array<{ dir: string; remove: () => Promise<void> }> = [];
let nodeA: RunningServer;
let nodeB: RunningServer;
const clients: TestClient[] = [];

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable');

beforeAll(async () => {
  shared = await fs.mkdtemp(path.join(os.tmpdir(), 'usine-shared-'));
  const sitesDir = path.join(shared, 'sites');
  const mediaDir = path.join(shared, 'media');
  for (let i = 0; i < 2; i++) data.push(await tempDataDir());
  nodeA = await startTestServer(data[0]!.dir, { sitesDir, mediaDir });
  nodeB = await startTestServer(data[1]!.dir, { sitesDir, mediaDir, createDemoAccount: false });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await nodeA?.close();
  await nodeB?.close();
  for (const d of data) await d.remove();
  if (shared) await fs.rm(shared, { recursive: true, force: true });
});

async function publishOnA(token: string): Promise<string> {
  const response = await fetch(`${nodeA.url}/api/communes/13001/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { version: string }).version;
}

describe('published files on a folder every node sees', () => {
  it('[SHARED-1] a site published by one node is served by the other: pages, search, each new version', async () => {
    const referent = await login(nodeA, nodeA.demoAccount!.email, nodeA.demoAccount!.password);
    const manifest = openClient(nodeA, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Horaires de la mairie', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const body = openClient(nodeA, `13001/page/${page.id}`, referent.accessToken);
    clients.push(body);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Ouverte le mardi matin.']);
    await Promise.all([saved(manifest), saved(body)]);

    const first = await publishOnA(referent.accessToken);
    // Nothing of this site was ever written under node B's DATA_DIR.
    await expect(fs.access(path.join(data[1]!.dir, 'sites'))).rejects.toThrow();
    const onB = await fetch(`${nodeB.url}/sites/aix-en-provence/${page.slug}/`);
    expect(onB.status).toBe(200);
    const firstHtml = await onB.text();
    expect(firstHtml).toContain('Ouverte le mardi matin.');
    expect(firstHtml).not.toContain('jeudi');
    const search = await fetch(`${nodeB.url}/sites/aix-en-provence/recherche/?q=mardi`);
    expect(search.status).toBe(200);
    expect(await search.text()).toContain('Horaires de la mairie');

    // A new version on A is what B serves at its next request.
    writeParagraphs(body.doc, ['Et le jeudi après-midi.']);
    await saved(body);
    const second = await publishOnA(referent.accessToken);
    expect(second).not.toBe(first);
    const updated = await (await fetch(`${nodeB.url}/sites/aix-en-provence/${page.slug}/`)).text();
    expect(updated).toContain('Et le jeudi après-midi.');
  });
});
