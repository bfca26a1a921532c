// Page history kept by the server [HIST-*]: real server on port 0, real y-websocket clients.
// A session snapshot when the room goes idle or its last client leaves after edits, a
// publication snapshot of every published page whose body changed, the API for members only,
// and the retention of session snapshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LoginResponse, PublishResponse } from '../../site/apiContract';
import { readPageBody, writeParagraphs } from '../../site/pageBody';
import type { PageSnapshotsResponse } from '../../site/pageSnapshotsContract';
import { createPage, updatePage } from '../../site/siteDoc';
import { openDatabase } from '../storage/database';
import { capture, PageSnapshots } from './PageSnapshots';
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

const SESSION_IDLE_MS = 1_500;
let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let referent: LoginResponse;
let agent: LoginResponse;
let stranger: LoginResponse;
const clients: TestClient[] = [];

function saved(c: TestClient): Promise<void> {
  return waitFor(() => isSaved(c), 'durable');
}

function get(path: string, token?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function list(pageId: string, token = agent.accessToken): Promise<PageSnapshotsResponse['snapshots']> {
  const response = await get(`/api/communes/13001/pages/${pageId}/snapshots`, token);
  expect(response.status).toBe(200);
  return ((await response.json()) as PageSnapshotsResponse).snapshots;
}

/** The text of a stored snapshot, read back from its Yjs state as the editor would. */
async function textOf(pageId: string, id: number): Promise<string> {
  const response = await get(`/api/communes/13001/pages/${pageId}/snapshots/${id}`, agent.accessToken);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  const text = JSON.stringify(readPageBody(doc));
  doc.destroy();
  return text;
}

async function waitForSnapshots(pageId: string, count: number, timeoutMs: number) {
  let last: PageSnapshotsResponse['snapshots'] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = await list(pageId);
    if (last.length >= count) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} snapshots, got ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, { sessionIdleMs: SESSION_IDLE_MS });
  referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
  await server.admin.addAgent({
    commune: '13001',
    email: 'chantal@aix.fr',
    password: 'mot-de-passe-chantal',
    role: 'agent',
    displayName: 'Chantal Roux',
  });
  await server.admin.addAgent({
    commune: '13002',
    email: 'marc@allauch.fr',
    password: 'mot-de-passe-marc',
    role: 'referent',
    displayName: 'Marc Allauch',
  });
  agent = await login(server, 'chantal@aix.fr', 'mot-de-passe-chantal');
  stranger = await login(server, 'marc@allauch.fr', 'mot-de-passe-marc');
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

describe('page history on the server', () => {
  it('[HIST-1] an editing session ends when the room stays idle: one snapshot with the text and the editor’s name', async () => {
    const pageId = 'sessionIdle01';
    const editor = openClient(server, `13001/page/${pageId}`, agent.accessToken);
    clients.push(editor);
    await waitSynced(editor);
    // Taken before the edit: the server's idle clock starts when it receives it, later.
    const typedAt = Date.now();
    writeParagraphs(editor.doc, ['Inscriptions à la cantine jusqu’au 30 juin.']);
    await saved(editor);
    // Not yet: the session is under way while the agent keeps the page open (checked only
    // while the idle delay has surely not run out — on a loaded machine the ack can be slow).
    const early = await list(pageId);
    if (Date.now() - typedAt < SESSION_IDLE_MS - 200) expect(early).toEqual([]);
    const [snapshot] = await waitForSnapshots(pageId, 1, SESSION_IDLE_MS * 4);
    expect(Date.now() - typedAt).toBeGreaterThanOrEqual(SESSION_IDLE_MS - 100);
    expect(editor.provider.wsconnected).toBe(true);
    expect(snapshot).toMatchObject({ reason: 'session', by: ['Chantal Roux'] });
    expect(await textOf(pageId, snapshot!.id)).toContain('Inscriptions à la cantine jusqu’au 30 juin.');

    // A client that only reads (no edit) starts no session.
    const reader = openClient(server, `13001/page/${pageId}`, referent.accessToken);
    await waitSynced(reader);
    reader.destroy();
    await new Promise((r) => setTimeout(r, SESSION_IDLE_MS + 300));
    expect(await list(pageId)).toHaveLength(1);
  });

  it('[HIST-2] the last client leaving ends the session at once; every agent who edited is named', async () => {
    const pageId = 'sessionLeave1';
    const a = openClient(server, `13001/page/${pageId}`, agent.accessToken);
    const b = openClient(server, `13001/page/${pageId}`, referent.accessToken);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    writeParagraphs(a.doc, ['Paragraphe de Chantal.']);
    writeParagraphs(b.doc, ['Paragraphe du référent.']);
    await Promise.all([saved(a), saved(b)]);
    a.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(await list(pageId)).toEqual([]);
    const leftAt = Date.now();
    b.destroy();
    const [snapshot] = await waitForSnapshots(pageId, 1, SESSION_IDLE_MS);
    expect(Date.now() - leftAt).toBeLessThan(SESSION_IDLE_MS);
    expect(snapshot!.by).toEqual(['Chantal Roux', referent.agent.displayName]);
    const text = await textOf(pageId, snapshot!.id);
    expect(text).toContain('Paragraphe de Chantal.');
    expect(text).toContain('Paragraphe du référent.');
  });

  it('[HIST-3] a publication snapshots every published page whose body changed, by who published', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Marché de Noël', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const body = openClient(server, `13001/page/${page.id}`, referent.accessToken);
    clients.push(body);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Place des Prêcheurs, du 20 novembre au 31 décembre.']);
    await Promise.all([saved(manifest), saved(body)]);
    const publish = () =>
      fetch(`${server.url}/api/communes/13001/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${referent.accessToken}` },
      });
    const first = await publish();
    expect(first.status).toBe(200);
    const at = ((await first.json()) as PublishResponse).publishedAt;
    const snapshots = await list(page.id);
    expect(snapshots).toEqual([
      { id: expect.any(Number), at, reason: 'publication', by: [expect.stringMatching(/\S/)] },
    ]);
    expect(await textOf(page.id, snapshots[0]!.id)).toContain('Place des Prêcheurs');
    // Published again with no change to the page: no second snapshot of the same text.
    expect((await publish()).status).toBe(200);
    expect(await list(page.id)).toHaveLength(1);
  });

  it('[HIST-3] a publication blocked by the checks loses no history: the next one that goes online snapshots the page', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Collecte des encombrants', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    // An actualité without its required fields: the checks block the publication.
    const news = createPage(manifest.doc, { title: 'Brocante', type: 'actualite', updatedBy: 'test' });
    updatePage(manifest.doc, news.id, { status: 'published' }, 'test');
    const body = openClient(server, `13001/page/${page.id}`, referent.accessToken);
    clients.push(body);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Le premier lundi du mois, sur rendez-vous.']);
    await Promise.all([saved(manifest), saved(body)]);
    const publish = () =>
      fetch(`${server.url}/api/communes/13001/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${referent.accessToken}` },
      });
    // [PUBL-9] « Mettre en ligne » of the actualité alone is refused: no page goes online.
    const release = await fetch(`${server.url}/api/communes/13001/pages/${news.id}/release`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(release.status).toBe(422);
    expect(await list(page.id)).toEqual([]);
    // The site-wide publication puts the page online and leaves the incomplete actualité out.
    expect((await publish()).status).toBe(200);
    const snapshots = await list(page.id);
    expect(snapshots.map((s) => s.reason)).toEqual(['publication']);
    expect(await textOf(page.id, snapshots[0]!.id)).toContain('Le premier lundi du mois');
  });

  it('[HIST-4] members of the commune only: 401 without a session, 403 (audited) for another commune', async () => {
    const pageId = 'sessionIdle01';
    const [snapshot] = await list(pageId);
    expect((await get(`/api/communes/13001/pages/${pageId}/snapshots`)).status).toBe(401);
    for (const path of [
      `/api/communes/13001/pages/${pageId}/snapshots`,
      `/api/communes/13001/pages/${pageId}/snapshots/${snapshot!.id}`,
    ]) {
      const refused = await get(path, stranger.accessToken);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/droits/);
    }
    const audited = (await server.audit.list({ event: 'api.refused' })).filter(
      (e) => e.details && JSON.stringify(e.details).includes('/snapshots'),
    );
    expect(audited.filter((e) => e.outcome === 'forbidden')).toHaveLength(2);
    // Another page's id does not reach this snapshot.
    expect(
      (await get(`/api/communes/13001/pages/sessionLeave1/snapshots/${snapshot!.id}`, agent.accessToken))
        .status,
    ).toBe(404);
  });

  it('[HIST-5] retention: every publication snapshot, the last N session snapshots of a page', async () => {
    const data = await tempDataDir();
    const db = openDatabase(data.dir);
    try {
      const snapshots = new PageSnapshots({ db, logger: testLogger, keepSessionSnapshots: 3 });
      const doc = new Y.Doc();
      for (let i = 0; i < 8; i++) {
        writeParagraphs(doc, [`Version ${i}`]);
        await snapshots.record(
          '13001',
          capture('retention01', doc),
          i % 4 === 0 ? 'publication' : 'session',
          ['A'],
        );
      }
      // Unchanged doc: not stored again.
      expect(await snapshots.record('13001', capture('retention01', doc), 'session', ['A'])).toBeNull();
      const kept = await snapshots.list('13001', 'retention01');
      expect(kept.filter((s) => s.reason === 'publication')).toHaveLength(2);
      expect(kept.filter((s) => s.reason === 'session')).toHaveLength(3);
      doc.destroy();
    } finally {
      db.close();
      await data.remove();
    }
  });

  it('[HIST-6] deleting the commune’s data at the end of its agreement deletes its page history too', async () => {
    expect((await list('sessionIdle01')).length).toBeGreaterThan(0);
    await server.admin.addAgent({
      commune: '13002',
      email: 'admin@ampmetropole.fr',
      password: 'mot-de-passe-admin-metropole',
      role: 'agent',
      displayName: 'Admin Métropole',
    });
    await server.admin.setAdmin('admin@ampmetropole.fr', true);
    const admin = await login(server, 'admin@ampmetropole.fr', 'mot-de-passe-admin-metropole');
    const deleted = await fetch(`${server.url}/api/admin/communes/13001/data`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: '13001' }),
    });
    expect(deleted.status).toBe(200);
    for (const pageId of ['sessionIdle01', 'sessionLeave1'])
      expect(await list(pageId, admin.accessToken)).toEqual([]);
  });
});
