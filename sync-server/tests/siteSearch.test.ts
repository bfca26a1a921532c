// Search of a published site through the real server (site/SPEC.md [SEARCH-*]): pages synced
// by real clients into a real SQLite file, published through the API, then searched over
// loopback HTTP as a citizen would; rollback, isolation between communes, hostile queries,
// flood, export, and what the logs hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse, PublishResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage, updatePageFields } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  callApiFrom,
  login,
  openClient,
  readZip,
  startTestServer,
  tempDataDir,
  testLogger,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let referent: LoginResponse;
let other: LoginResponse;
const clients: TestClient[] = [];
/** Every log line of the server, as JSON, to check that no query is logged. */
const logged: string[] = [];
const BURST = 30;

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable');

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, {
    searchRate: { ratePerSecond: 0.001, burst: BURST },
    logger: {
      log(level, event, fields) {
        logged.push(
          JSON.stringify({ level, event, fields }, (_k, v: unknown) => (v instanceof Error ? v.message : v)),
        );
        testLogger.log(level, event, fields);
      },
    },
  });
  referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
  await server.admin.addAgent({
    commune: '13002',
    email: 'ref@13002.fr',
    password: 'mot-de-passe-13002',
    role: 'referent',
  });
  other = await login(server, 'ref@13002.fr', 'mot-de-passe-13002');
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

async function open(room: string, token: string): Promise<TestClient> {
  const client = openClient(server, room, token);
  clients.push(client);
  await waitSynced(client);
  return client;
}

/** Creates a published page with its body, in commune `insee`. */
async function publishedPage(
  manifest: TestClient,
  insee: string,
  token: string,
  title: string,
  text: string,
): Promise<string> {
  const page = createPage(manifest.doc, { title, type: 'actualite', updatedBy: 'test' });
  updatePageFields(manifest.doc, page.id, { date: '2026-07-01', summary: `Résumé de ${title}` }, 'test');
  updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
  const body = await open(`${insee}/page/${page.id}`, token);
  writeParagraphs(body.doc, [text]);
  await Promise.all([saved(manifest), saved(body)]);
  return page.id;
}

async function publish(insee: string, token: string): Promise<PublishResponse> {
  const response = await fetch(`${server.url}/api/communes/${insee}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as PublishResponse;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** A search from `address` (a loopback address of its own, so tests do not share a bucket). */
async function search(url: string, address = '127.0.0.1'): Promise<{ status: number; text: string }> {
  const r = await callApiFrom(server, address, 'GET', url);
  return { status: r.status, text: r.text };
}

const titlesIn = (html: string) =>
  [...html.matchAll(/<h2><a href="[^"]*">(.*?)<\/a><\/h2>/g)].map((m) => m[1]!.replace(/<\/?mark>/g, ''));

let aixUrl = '';
let fetePage = '';
let manifest13001: TestClient;

describe('site search through the server', () => {
  it('[SEARCH-1][SEARCH-2][SEARCH-3] a published page is found with and without its accent, plural or not', async () => {
    manifest13001 = await open('13001/site', referent.accessToken);
    fetePage = await publishedPage(
      manifest13001,
      '13001',
      referent.accessToken,
      'Fête du village',
      'Bal sur la place des Platanes à 21 h.',
    );
    await publishedPage(
      manifest13001,
      '13001',
      referent.accessToken,
      'Travaux de voirie',
      'La rue des Écoles est fermée.',
    );
    const first = await publish('13001', referent.accessToken);
    aixUrl = first.url;

    const home = await (await fetch(`${server.url}${aixUrl}`)).text();
    expect(home).toContain('action="./recherche/"');
    for (const q of ['fete', 'fêtes', 'FÊTE', 'Fetes du village']) {
      const { status, text } = await search(`${aixUrl}recherche/?q=${encodeURIComponent(q)}`);
      expect(status).toBe(200);
      expect(titlesIn(text)).toEqual(['Fête du village']);
      expect(text).toContain('<mark>');
      expect(text).toContain('<header class="site-header">');
      expect(text).toContain('Actualité · <time datetime="2026-07-01">');
    }
    expect(titlesIn((await search(`${aixUrl}recherche/?q=ecole`)).text)).toEqual(['Travaux de voirie']);
    expect(titlesIn((await search(`${aixUrl}recherche/?q=platane`)).text)).toEqual(['Fête du village']);
    const response = await fetch(`${server.url}${aixUrl}recherche/?q=fete`);
    expect(response.headers.get('content-security-policy')).toMatch(/form-action 'self'/);
    expect(response.headers.get('content-security-policy')).not.toMatch(/script-src/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const bare = await fetch(`${server.url}${aixUrl}recherche?q=fete`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe(`${aixUrl}recherche/?q=fete`);
  });

  it('[SEARCH-1] the index and template are never served as files', async () => {
    for (const p of [
      '.recherche/index.json',
      '.recherche/index-00.json',
      '.recherche/page.html',
      '%2Erecherche/index-01.json',
    ]) {
      const r = await fetch(`${server.url}${aixUrl}${p}`);
      expect(r.status).toBe(404);
      expect(await r.text()).not.toContain('"documents"');
    }
  });

  it('[SEARCH-4] republishing changes the results, and a rollback brings the old index back', async () => {
    const before = (await (
      await fetch(`${server.url}/api/communes/13001/publications`, {
        headers: { authorization: `Bearer ${referent.accessToken}` },
      })
    ).json()) as { publications: Array<{ version: string }> };
    const v1 = before.publications[0]!.version;
    updatePage(manifest13001.doc, fetePage, { title: 'Kermesse de l’été' }, 'test');
    updatePageFields(manifest13001.doc, fetePage, { summary: 'Jeux et buvette' }, 'test');
    await saved(manifest13001);
    await publish('13001', referent.accessToken);
    expect(titlesIn((await search(`${aixUrl}recherche/?q=fete`)).text)).toEqual([]);
    expect(titlesIn((await search(`${aixUrl}recherche/?q=kermesses`)).text)).toEqual(['Kermesse de l’été']);

    const rolled = await fetch(`${server.url}/api/communes/13001/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: v1 }),
    });
    expect(rolled.status).toBe(200);
    expect(titlesIn((await search(`${aixUrl}recherche/?q=fete`)).text)).toEqual(['Fête du village']);
    expect(titlesIn((await search(`${aixUrl}recherche/?q=kermesse`)).text)).toEqual([]);
  });

  it("[SEARCH-4] one commune's search never shows another commune's pages", async () => {
    const manifest = await open('13002/site', other.accessToken);
    await publishedPage(
      manifest,
      '13002',
      other.accessToken,
      'Fête de la voisine',
      'Secret de la commune voisine.',
    );
    const theirs = await publish('13002', other.accessToken);
    expect(theirs.url).not.toBe(aixUrl);
    expect(titlesIn((await search(`${theirs.url}recherche/?q=fete`)).text)).toEqual(['Fête de la voisine']);
    const ours = (await search(`${aixUrl}recherche/?q=fete%20voisine`)).text;
    expect(ours).not.toContain('voisine</a>');
    expect(titlesIn((await search(`${aixUrl}recherche/?q=secret`)).text)).toEqual([]);
  });

  it('[SEARCH-6][SEARCH-7] hostile queries: 10 KB, 1,000 terms, markup and regex, all bounded and escaped', async () => {
    const started = Date.now();
    // 10 KB of query (a longer URL gets Node's own 431 before any of our code runs).
    const huge = await search(`${aixUrl}recherche/?q=${'fete+'.repeat(2_000)}`);
    expect(huge.status).toBe(200);
    expect(huge.text).toContain('raccourcie à ses 200 premiers caractères');
    const terms = await search(
      `${aixUrl}recherche/?q=${Array.from({ length: 1_000 }, (_, i) => `mot${i}`).join('+')}`,
    );
    expect(terms.status).toBe(200);
    expect(terms.text).toContain('Seuls les 8 premiers mots');
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(1)> .*(a+)+$ fete';
    const injected = await search(`${aixUrl}recherche/?q=${encodeURIComponent(hostile)}`);
    expect(injected.status).toBe(200);
    expect(injected.text).not.toMatch(/<script|<img src=x/i);
    expect(injected.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const p of ['page=-5', 'page=99999999999', 'page=abc', 'q=fete&page=1e9&page=2'])
      expect((await search(`${aixUrl}recherche/?q=fete&${p}`)).status).toBe(200);
    const empty = await search(`${aixUrl}recherche/?q=`);
    expect(empty.text).toContain('Saisissez un ou plusieurs mots');
    const none = await search(`${aixUrl}recherche/?q=piscine`);
    expect(none.text).toContain('Aucun résultat pour « piscine »');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('[SEARCH-8] a flood from one address gets the themed 429; another address still searches', async () => {
    const flood = '127.0.0.9';
    const statuses: number[] = [];
    let last = '';
    for (let i = 0; i < BURST + 10; i++) {
      const r = await search(`${aixUrl}recherche/?q=fete`, flood);
      statuses.push(r.status);
      last = r.text;
    }
    expect(statuses.slice(0, BURST).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(BURST).every((s) => s === 429)).toBe(true);
    expect(last).toContain('<h1>Trop de recherches</h1>');
    expect(last).toContain('<header class="site-header">');
    const r = await fetch(`${server.url}${aixUrl}recherche/?q=fete`);
    expect(r.status).toBe(200);
  });

  it('[SEARCH-8] nothing of a query is logged, with or without the address', () => {
    const secret = 'mot-secret-du-citoyen';
    return (async () => {
      await search(`${aixUrl}recherche/?q=${secret}`, '127.0.0.7');
      await search(`${aixUrl}recherche?q=${secret}`, '127.0.0.7');
      for (let i = 0; i < BURST + 2; i++) await search(`${aixUrl}recherche/?q=${secret}`, '127.0.0.8');
      const all = logged.join('\n');
      expect(all).toContain('search.index_loaded');
      expect(all).not.toContain(secret);
      expect(all).not.toContain('127.0.0.8');
      expect(all).not.toContain('127.0.0.7');
    })();
  });

  it('[SEARCH-9] the export zip has the site with a link to the plan du site instead of the search form', async () => {
    const response = await fetch(`${server.url}/api/communes/13001/export`, {
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(response.status).toBe(200);
    const files = readZip(Buffer.from(await response.arrayBuffer()));
    const html = [...files].filter(([name]) => name.startsWith('site/') && name.endsWith('.html'));
    expect(html.length).toBeGreaterThan(5);
    for (const [, data] of html) expect(data.toString('utf8')).not.toContain('<form');
    expect(files.get('site/index.html')!.toString('utf8')).toContain(
      '<p class="search-link"><a href="./plan-du-site/index.html">Plan du site</a></p>',
    );
    expect([...files.keys()].some((name) => name.includes('.recherche'))).toBe(false);
  });
});
