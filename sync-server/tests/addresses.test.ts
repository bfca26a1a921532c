// Addresses that never break, through the real server (site/SPEC.md [ADDR-*]): real SQLite,
// real sync clients writing the manifest, POST /publish, then GET of the old addresses.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageAddressesResponse } from '../../site/addressContract';
import type { LoginResponse, PublishResponse } from '../../site/apiContract';
import { changePageSlug } from '../../site/pageAddress';
import { createPage, updatePage } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import { ADDRESS_FILE } from '../publishing/siteAddresses';
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

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let aix: LoginResponse;
let allauch: LoginResponse;
const clients: TestClient[] = [];
const SITE = '/sites/aix-en-provence';

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, { createDemoAccount: false });
  await server.admin.addAgent({
    commune: '13001',
    email: 'ref@aix.fr',
    password: 'mot-de-passe-aix-1',
    role: 'referent',
  });
  await server.admin.addAgent({
    commune: '13002',
    email: 'ref@allauch.fr',
    password: 'mot-de-passe-allauch-1',
    role: 'referent',
  });
  aix = await login(server, 'ref@aix.fr', 'mot-de-passe-aix-1');
  allauch = await login(server, 'ref@allauch.fr', 'mot-de-passe-allauch-1');
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

function saved(c: TestClient): Promise<void> {
  return waitFor(() => isSaved(c), 'durable');
}

async function manifestOf(insee: string, token: string): Promise<TestClient> {
  const client = openClient(server, `${insee}/site`, token);
  clients.push(client);
  await waitSynced(client);
  return client;
}

async function publish(insee: string, token: string, manifest: TestClient): Promise<PublishResponse> {
  await saved(manifest);
  const response = await fetch(`${server.url}/api/communes/${insee}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as PublishResponse;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

const get = (url: string) => fetch(`${server.url}${url}`, { redirect: 'manual' });

async function expectMoved(from: string, to: string): Promise<void> {
  const response = await get(from);
  expect(response.status, from).toBe(301);
  expect(response.headers.get('location'), from).toBe(to);
  // Never outside the site: an absolute path of the same site, slug segments only.
  expect(to).toMatch(/^\/sites\/[a-z0-9-]+\/(?:[a-z0-9-]+\/)*$/);
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect((await get(to)).status, to).toBe(200);
}

describe('addresses that never break', () => {
  let versionAfterMove = '';
  let renamedId = '';

  it('[ADDR-1][ADDR-2][ADDR-3] rename, rename again, move in the tree, a new page on an old address', async () => {
    const m = await manifestOf('13001', aix.accessToken);
    const section = createPage(m.doc, { title: 'Vie municipale', updatedBy: 'test' });
    const page = createPage(m.doc, { title: 'Horaires', updatedBy: 'test' });
    renamedId = page.id;
    updatePage(m.doc, section.id, { status: 'published' }, 'test');
    updatePage(m.doc, page.id, { status: 'published' }, 'test');
    await publish('13001', aix.accessToken, m);
    expect((await get(`${SITE}/horaires/`)).status).toBe(200);

    expect(changePageSlug(m.doc, page.id, 'Horaires et accès', 'test')).toEqual({
      ok: true,
      slug: 'horaires-et-acces',
    });
    const second = await publish('13001', aix.accessToken, m);
    for (const asked of ['horaires/', 'horaires', 'horaires/index.html'])
      await expectMoved(`${SITE}/${asked}`, `${SITE}/horaires-et-acces/`);
    // [ADDR-7] the sitemap lists only the current address.
    const sitemap = await (await get(`${SITE}/sitemap.xml`)).text();
    expect(sitemap).toContain('/horaires-et-acces/');
    expect(sitemap).not.toContain('/horaires/');
    // The map is stored inside the version, and never served.
    const stored = JSON.parse(
      await readFile(
        path.join(dataDir.dir, 'sites', 'aix-en-provence', 'versions', second.version, ADDRESS_FILE),
        'utf8',
      ),
    ) as { former: Array<{ path: string; pageId: string }> };
    expect(stored.former).toEqual([expect.objectContaining({ path: 'horaires/', pageId: page.id })]);
    expect((await get(`${SITE}/${ADDRESS_FILE}`)).status).toBe(404);
    expect((await get(`${SITE}/%2Eadresses.json`)).status).toBe(404);

    // A chain collapses: the first address answers the last one directly.
    changePageSlug(m.doc, page.id, 'mairie-horaires', 'test');
    await publish('13001', aix.accessToken, m);
    await expectMoved(`${SITE}/horaires/`, `${SITE}/mairie-horaires/`);
    await expectMoved(`${SITE}/horaires-et-acces/`, `${SITE}/mairie-horaires/`);

    // [ADDR-7] the page's history of addresses, for its commune's members only.
    const addresses = (token: string) =>
      fetch(`${server.url}/api/communes/13001/pages/${page.id}/addresses`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const history = (await (await addresses(aix.accessToken)).json()) as PageAddressesResponse;
    expect(history.current).toBe(`${SITE}/mairie-horaires/`);
    expect(history.former.map((f) => f.address)).toEqual([`${SITE}/horaires-et-acces/`, `${SITE}/horaires/`]);
    expect((await addresses(allauch.accessToken)).status).toBe(403);
    expect((await addresses('nope')).status).toBe(401);

    // Moving the page in the tree keeps its address (addresses are flat, [PUB-9]): still 200,
    // its former addresses still lead to it.
    updatePage(m.doc, page.id, { parentId: section.id }, 'test');
    versionAfterMove = (await publish('13001', aix.accessToken, m)).version;
    expect((await get(`${SITE}/mairie-horaires/`)).status).toBe(200);
    await expectMoved(`${SITE}/horaires/`, `${SITE}/mairie-horaires/`);

    // A new page taking an old address wins over the redirect.
    const newcomer = createPage(m.doc, { title: 'Horaires', updatedBy: 'test' });
    updatePage(m.doc, newcomer.id, { status: 'published', title: 'Horaires d’été' }, 'test');
    await publish('13001', aix.accessToken, m);
    const taken = await get(`${SITE}/horaires/`);
    expect(taken.status).toBe(200);
    expect(await taken.text()).toContain('<h1>Horaires d’été</h1>');
    await expectMoved(`${SITE}/horaires-et-acces/`, `${SITE}/mairie-horaires/`);
  });

  it('[ADDR-4] a page taken offline answers 410 with the themed page; [ADDR-8] a rollback rolls the map back', async () => {
    const m = clients[0]!;
    updatePage(m.doc, renamedId, { status: 'draft' }, 'test');
    await publish('13001', aix.accessToken, m);
    for (const asked of ['mairie-horaires/', 'horaires-et-acces/', 'mairie-horaires']) {
      const gone = await get(`${SITE}/${asked}`);
      expect(gone.status, asked).toBe(410);
      expect(gone.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(gone.headers.get('content-security-policy')).toContain("default-src 'none'");
      // The <base> the server adds must apply, or the way home breaks below the root.
      expect(gone.headers.get('content-security-policy')).toContain("base-uri 'self'");
      const html = await gone.text();
      expect(html).toContain('<header class="site-header">');
      expect(html).toContain('<h1>Page retirée du site</h1>');
      expect(html).toContain('<base href="/sites/aix-en-provence/">');
      expect(html).toContain('Revenir à l’accueil');
      expect(html).toMatch(/<form class="search" role="search"/);
    }
    // An address that never was stays a 404, themed the same way.
    const missing = await get(`${SITE}/jamais-publiee/`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("base-uri 'self'");

    const rolled = await fetch(`${server.url}/api/communes/13001/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aix.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: versionAfterMove }),
    });
    expect(rolled.status).toBe(200);
    expect((await get(`${SITE}/mairie-horaires/`)).status).toBe(200);
    await expectMoved(`${SITE}/horaires/`, `${SITE}/mairie-horaires/`);
    // The next publication starts from the version online (the page is still a draft).
    await publish('13001', aix.accessToken, m);
    expect((await get(`${SITE}/mairie-horaires/`)).status).toBe(410);
    expect((await get(`${SITE}/horaires/`)).status).toBe(200);
  });

  it('[ADDR-5] another commune’s slug is never involved', async () => {
    const m = await manifestOf('13002', allauch.accessToken);
    const page = createPage(m.doc, { title: 'Horaires', updatedBy: 'test' });
    updatePage(m.doc, page.id, { status: 'published' }, 'test');
    const published = await publish('13002', allauch.accessToken, m);
    const other = published.url.replace(/\/$/, '');
    expect(other).not.toBe(SITE);
    // Aix's former addresses mean nothing on Allauch's site, and the reverse.
    expect((await get(`${other}/horaires-et-acces/`)).status).toBe(404);
    expect((await get(`${other}/mairie-horaires/`)).status).toBe(404);
    changePageSlug(m.doc, page.id, 'horaires-allauch', 'test');
    await publish('13002', allauch.accessToken, m);
    await expectMoved(`${other}/horaires/`, `${other}/horaires-allauch/`);
    expect((await get(`${SITE}/horaires-allauch/`)).status).toBe(404);
  });

  it('[ADDR-5][ADDR-6] hostile paths: traversal, open redirect, huge paths answer 404 fast, never a foreign Location', async () => {
    const started = Date.now();
    for (const asked of [
      '..%2f..%2fetc%2fpasswd',
      '%2e%2e/%2e%2e/etc/passwd',
      '/evil.example/',
      '%2F%2Fevil.example%2F',
      'https:%2F%2Fevil.example',
      '%5Cevil.example',
      `${'a/'.repeat(3000)}`,
      `${'horaires-'.repeat(2000)}/`,
      '%E0%A4%A/',
      'horaires%00/',
    ]) {
      const response = await get(`${SITE}/${asked}`);
      expect([400, 404, 414, 431], asked.slice(0, 40)).toContain(response.status);
      expect(response.headers.get('location')).toBeNull();
    }
    // Only guards against a hang.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('after a restart', () => {
  it('[ADDR-8] the next publication starts from the map stored in the version online', async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server.close();
    server = await startTestServer(dataDir.dir, { createDemoAccount: false });
    allauch = await login(server, 'ref@allauch.fr', 'mot-de-passe-allauch-1');
    const m = await manifestOf('13002', allauch.accessToken);
    const page = [...m.doc.getMap('pages').keys()][0]!;
    changePageSlug(m.doc, page, 'horaires-d-allauch', 'test');
    await publish('13002', allauch.accessToken, m);
    await expectMoved('/sites/allauch/horaires/', '/sites/allauch/horaires-d-allauch/');
    await expectMoved('/sites/allauch/horaires-allauch/', '/sites/allauch/horaires-d-allauch/');
  });
});
