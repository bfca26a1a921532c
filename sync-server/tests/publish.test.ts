// Publishing through the real server: manifest + page body synced by real clients, then
// POST /api/communes/{insee}/publish and GET of the published files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  LoginResponse,
  PublicationResponse,
  PublicationsResponse,
  PublishBlockedResponse,
  PublishResponse,
  ScheduleResponse,
} from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage, updatePageFields } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
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
let agent: LoginResponse;
const clients: TestClient[] = [];
/** Every log line of the server (level and event), to check what a refusal logs. */
const logged: Array<{ level: string; event: string }> = [];

function saved(c: TestClient): Promise<void> {
  return waitFor(() => isSaved(c), 'durable');
}

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, {
    logger: {
      log(level, event, fields) {
        logged.push({ level, event });
        testLogger.log(level, event, fields);
      },
    },
  });
  referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
  await server.admin.addAgent({
    commune: '13001',
    email: 'agent@mairie.fr',
    password: 'mot-de-passe-agent',
    role: 'agent',
  });
  agent = await login(server, 'agent@mairie.fr', 'mot-de-passe-agent');
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

async function metricValue(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}

const post = (path: string, token: string) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe('publishing', () => {
  it('publishes the published pages of the manifest, with their text, behind strict headers', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Horaires de la mairie', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const draft = createPage(manifest.doc, { title: 'Brouillon secret', updatedBy: 'test' });
    const body = openClient(server, `13001/page/${page.id}`, referent.accessToken);
    clients.push(body);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Ouverte du lundi au vendredi. <script>alert(1)</script>']);
    await Promise.all([saved(manifest), saved(body)]);

    expect((await post('/api/communes/13001/publish', agent.accessToken)).status).toBe(403);
    expect((await post('/api/communes/13002/publish', referent.accessToken)).status).toBe(403);

    const response = await post('/api/communes/13001/publish', referent.accessToken);
    expect(response.status).toBe(200);
    const published = (await response.json()) as PublishResponse;
    expect(published).toMatchObject({ url: '/sites/aix-en-provence/', pages: 1 });

    const home = await fetch(`${server.url}/sites/aix-en-provence/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await home.text()).toContain('Horaires de la mairie');

    const pageHtml = await (
      await fetch(`${server.url}/sites/aix-en-provence/${page.slug}/index.html`)
    ).text();
    expect(pageHtml).toContain('Ouverte du lundi au vendredi.');
    expect(pageHtml).toContain('&lt;script&gt;');
    expect(pageHtml).not.toMatch(/<script/i);
    expect((await fetch(`${server.url}/sites/aix-en-provence/${draft.slug}/index.html`)).status).toBe(404);

    const noSlash = await fetch(`${server.url}/sites/aix-en-provence/${page.slug}`, { redirect: 'manual' });
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get('location')).toBe(`/sites/aix-en-provence/${page.slug}/`);

    const publication = await fetch(`${server.url}/api/communes/13001/publication`, {
      headers: { authorization: `Bearer ${agent.accessToken}` },
    });
    expect(((await publication.json()) as PublicationResponse).url).toBe('/sites/aix-en-provence/');

    // A second publication switches `current` to a new version; the page stays served.
    const again = (await (
      await post('/api/communes/13001/publish', referent.accessToken)
    ).json()) as PublishResponse;
    expect(again.version).not.toBe(published.version);
    expect((await fetch(`${server.url}/sites/aix-en-provence/${page.slug}/`)).status).toBe(200);
  });

  it('[PUBL-3][PUBL-6][PUBL-8] checks, history, rollback and schedule through the HTTP API; security headers', async () => {
    const manifest = clients[0]!;
    const json = (path: string, token: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // An actualité without its date and summary: refused with the list of what to fix.
    const news = createPage(manifest.doc, { title: 'Fête du village', type: 'actualite', updatedBy: 'test' });
    updatePage(manifest.doc, news.id, { status: 'published' }, 'test');
    await saved(manifest);
    const loggedBefore = logged.length;
    const errorsBefore = await metricValue('usine_errors_total{kind="publish"}');
    // [PUBL-9] « Publier les modifications » goes on without it, and names what to fix.
    const partial = await post('/api/communes/13001/publish', referent.accessToken);
    expect(partial.status).toBe(200);
    expect(((await partial.json()) as PublishResponse).skipped!.map((i) => [i.pageId, i.field])).toEqual([
      [news.id, 'date'],
      [news.id, 'summary'],
    ]);
    expect((await fetch(`${server.url}/sites/aix-en-provence/${news.slug}/`)).status).toBe(404);
    // « Mettre en ligne » on the page itself is refused with the list of what to fix.
    const blocked = await post(`/api/communes/13001/pages/${news.id}/release`, referent.accessToken);
    expect(blocked.status).toBe(422);
    const refusal = (await blocked.json()) as PublishBlockedResponse;
    expect(refusal.error.code).toBe('checks-failed');
    // The explanation names each page and what to fix, one line each.
    expect(refusal.error.message).toBe(
      'Publication refusée : 2 problèmes à corriger avant de publier. Le site en ligne n’a pas changé.\n' +
        '• Page « Fête du village » (Actualité) : « Date de l’actualité » : date attendue (AAAA-MM-JJ).\n' +
        '• Page « Fête du village » (Actualité) : « Résumé » est obligatoire.',
    );
    // A refusal by the checks is an answer, not a server failure: nothing logged as an error.
    expect(logged.slice(loggedBefore).filter((l) => l.level === 'error')).toEqual([]);
    expect(await metricValue('usine_errors_total{kind="publish"}')).toBe(errorsBefore);
    const audited = (await server.audit.list({ insee: '13001', event: 'page.released' })).at(-1);
    expect(audited).toMatchObject({ outcome: 'checks-failed' });
    expect(refusal.issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([
      'Page « Fête du village » (Actualité) : « Date de l’actualité » : date attendue (AAAA-MM-JJ).',
      'Page « Fête du village » (Actualité) : « Résumé » est obligatoire.',
    ]);
    updatePageFields(manifest.doc, news.id, { date: '2026-06-01', summary: 'Le 21 juin.' }, 'test');
    await saved(manifest);
    const published = (await (
      await post('/api/communes/13001/publish', referent.accessToken)
    ).json()) as PublishResponse;
    expect(published.changedPages).toContain(news.id);
    expect(Array.isArray(published.warnings)).toBe(true);

    const history = (await (
      await json('/api/communes/13001/publications', agent.accessToken)
    ).json()) as PublicationsResponse;
    expect(history.publications[0]).toMatchObject({ version: published.version, current: true, kept: true });
    const previous = history.publications[1]!.version;
    expect(
      (await json('/api/communes/13001/rollback', agent.accessToken, { version: previous })).status,
    ).toBe(403);
    expect(
      (await json('/api/communes/13001/rollback', referent.accessToken, { version: 'nope' })).status,
    ).toBe(404);
    const rolled = await json('/api/communes/13001/rollback', referent.accessToken, { version: previous });
    expect(rolled.status).toBe(200);
    const gone = await fetch(`${server.url}/sites/aix-en-provence/${news.slug}/`);
    expect(gone.status).toBe(404);
    // [THEME-6] the site's themed 404, its links rooted at the site whatever the depth.
    const missing = await fetch(`${server.url}/sites/aix-en-provence/a/b/c/`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page404 = await missing.text();
    expect(page404).toContain('<base href="/sites/aix-en-provence/">');
    expect(page404).toContain('<h1>Page introuvable</h1>');
    expect(page404).toContain('<a href="./index.html">Revenir à l’accueil</a>');
    const theme = /href="\.\/(theme\.[0-9a-f]{8}\.css)"/.exec(page404)![1]!;
    expect((await fetch(`${server.url}/sites/aix-en-provence/${theme}`)).status).toBe(200);
    expect(await gone.text()).toContain('<h1>Page introuvable</h1>');

    const past = await json('/api/communes/13001/schedule', referent.accessToken, {
      pageId: news.id,
      at: Date.now() - 60_000,
    });
    expect(past.status).toBe(422);
    expect(((await past.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'schedule-in-past',
      message:
        'Cette date est déjà passée : choisissez une date et une heure à venir. Rien n’a été programmé.',
    });
    const schedule = await json('/api/communes/13001/schedule', referent.accessToken, {
      pageId: news.id,
      at: Date.now() + 3_600_000,
    });
    expect(schedule.status).toBe(200);
    const list = (await (
      await json('/api/communes/13001/schedule', agent.accessToken)
    ).json()) as ScheduleResponse;
    expect(list.scheduled).toEqual([expect.objectContaining({ pageId: news.id, state: 'pending' })]);
    const cancel = await json(
      `/api/communes/13001/schedule/${list.scheduled[0]!.id}/cancel`,
      referent.accessToken,
      {},
    );
    expect(((await cancel.json()) as ScheduleResponse).scheduled[0]!.state).toBe('cancelled');

    const home = await fetch(`${server.url}/sites/aix-en-provence/`);
    const csp = home.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(home.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(home.headers.get('strict-transport-security')).toMatch(/max-age=\d{8}/);
    const css = /href="\.\/(theme\.[0-9a-f]{8}\.css)"/.exec(await home.text())![1]!;
    expect((await fetch(`${server.url}/sites/aix-en-provence/${css}`)).headers.get('cache-control')).toMatch(
      /immutable/,
    );
  });

  it('never serves a file outside the current version', async () => {
    for (const path of [
      '/sites/aix-en-provence/..%2f..%2fusine.sqlite',
      '/sites/aix-en-provence/%2e%2e/%2e%2e/usine.sqlite',
      '/sites/..%2f..%2fetc/passwd',
      '/sites/aix-en-provence/../../usine.sqlite',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
    }
  });

  it('serves the editor build at /app/: shell for client routes, MIME types, cache rules', async () => {
    const dir = await tempDataDir();
    const appDir = path.join(dir.dir, 'app');
    await mkdir(path.join(appDir, 'assets'), { recursive: true });
    await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Éditeur</title>');
    await writeFile(path.join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    await writeFile(path.join(appDir, 'manifest.webmanifest'), '{}');
    await writeFile(path.join(appDir, 'assets', 'index-abc123.js'), 'export {};');
    const app = await startTestServer(path.join(dir.dir, 'data'), { appDir, createDemoAccount: false });
    try {
      const shell = await fetch(`${app.url}/app/`);
      expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(shell.headers.get('cache-control')).toBe('no-cache');
      expect(await (await fetch(`${app.url}/app/pages/abc`)).text()).toContain('Éditeur');
      expect((await fetch(`${app.url}/app/missing.js`)).status).toBe(404);
      const sw = await fetch(`${app.url}/app/sw.js`);
      expect(sw.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(sw.headers.get('cache-control')).toBe('no-cache');
      const asset = await fetch(`${app.url}/app/assets/index-abc123.js`);
      expect(asset.headers.get('cache-control')).toMatch(/immutable/);
      expect((await fetch(`${app.url}/app/manifest.webmanifest`)).headers.get('content-type')).toMatch(
        /^application\/manifest\+json/,
      );
      expect((await fetch(`${app.url}/app/..%2f..%2fdata%2fusine.sqlite`)).status).toBe(404);
    } finally {
      await app.close();
      await dir.remove();
    }
  });

  it('answers /app/ with a French 503 page when the editor is not built', async () => {
    const dir = await tempDataDir();
    const bare = await startTestServer(dir.dir, { appDir: `${dir.dir}/absent`, createDemoAccount: false });
    try {
      const root = await fetch(`${bare.url}/`, { redirect: 'manual' });
      expect(root.headers.get('location')).toBe('/app/');
      const app = await fetch(`${bare.url}/app/`);
      expect(app.status).toBe(503);
      expect(await app.text()).toContain('npm run build');
    } finally {
      await bare.close();
      await dir.remove();
    }
  });
});
