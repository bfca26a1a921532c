// Comments of relecteurs against the real server (real SQLite, loopback port, real y-websocket
// clients): a relecteur adds comments and replies of their own and nothing else; whatever else
// they send through the same socket is dropped whole. Comments are never published, and are
// kept in the page's history and in the commune's export.
import fs from 'node:fs';
import path from 'node:path';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import {
  addComment,
  commentsMap,
  MAX_COMMENT_CHARS,
  MAX_COMMENTS_PER_PAGE,
  readComments,
  replyToComment,
  setCommentResolved,
} from '../../site/pageComments';
import { createPage, PAGE_BODY_ROOT, updatePage } from '../../site/siteDoc';
import { CLOSE, MESSAGE_SYNC, SUBPROTOCOL } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  closeCodeOf,
  login,
  openClient,
  rawSocket,
  readZip,
  syncUrl,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const PASSWORD = 'Relire-la-page-du-marche-7';

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let referent: LoginResponse;
let reviewer: LoginResponse;
let outsider: LoginResponse;
const clients: TestClient[] = [];
let counter = 0;

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable on the server');

function open(room: string, as: LoginResponse): TestClient {
  const client = openClient(server, room, as.accessToken);
  clients.push(client);
  return client;
}

/** A fresh page room of 13001 whose body the référent wrote. */
async function pageWithBody(
  text = 'La mairie est ouverte le lundi.',
): Promise<{ room: string; agent: TestClient }> {
  counter += 1;
  const room = `13001/page/commentaires${String(counter).padStart(4, '0')}`;
  const agent = open(room, referent);
  await waitSynced(agent);
  writeParagraphs(agent.doc, [text]);
  await saved(agent);
  return { room, agent };
}

/** What the server holds for the room now, read by a fresh client of the référent. */
async function serverState(room: string): Promise<Y.Doc> {
  const reader = open(room, referent);
  await waitSynced(reader);
  return reader.doc;
}

/** Lets the server handle what was sent (a dropped update gets no answer to wait for). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir);
  referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
  await server.admin.addAgent({
    commune: '13001',
    email: 'elu@aix.fr',
    password: PASSWORD,
    role: 'relecteur',
  });
  await server.admin.addAgent({
    commune: '13002',
    email: 'autre@marseille.fr',
    password: PASSWORD,
    role: 'agent',
  });
  reviewer = await login(server, 'elu@aix.fr', PASSWORD);
  outsider = await login(server, 'autre@marseille.fr', PASSWORD);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await data?.remove();
});

describe('comments of a relecteur', () => {
  it('[COM-1] a relecteur’s comment on a passage is accepted, persisted and seen live by the agent, who answers and resolves it', async () => {
    const { room, agent } = await pageWithBody();
    const elu = open(room, reviewer);
    await waitSynced(elu);
    const id = addComment(
      elu.doc,
      { id: reviewer.agent.id, name: 'Élu' },
      'Préciser l’heure de fermeture ?',
      {
        exact: 'le lundi',
        prefix: 'ouverte ',
        suffix: '.',
      },
    );
    await saved(elu);
    await waitFor(() => readComments(agent.doc).length === 1, 'the agent sees the comment live');
    replyToComment(agent.doc, id, { id: referent.agent.id, name: 'Référent' }, 'Ajouté : 17 h.');
    setCommentResolved(agent.doc, id, true, 'Référent');
    await saved(agent);
    await waitFor(() => readComments(elu.doc)[0]?.resolved === true, 'the relecteur sees it resolved');
    const [comment] = readComments(await serverState(room));
    expect(comment).toMatchObject({
      text: 'Préciser l’heure de fermeture ?',
      authorId: reviewer.agent.id,
      quote: { exact: 'le lundi' },
      resolved: true,
      replies: [{ text: 'Ajouté : 17 h.' }],
    });
    // A relecteur may answer too.
    replyToComment(elu.doc, id, { id: reviewer.agent.id, name: 'Élu' }, 'Merci.');
    await saved(elu);
    expect(readComments(await serverState(room))[0]!.replies.map((r) => r.text)).toEqual([
      'Ajouté : 17 h.',
      'Merci.',
    ]);
  });

  it('[COM-2] a relecteur changing the body through the same socket is refused whole: neither the edit nor the comment sent with it is applied', async () => {
    const { room } = await pageWithBody('Texte officiel.');
    const elu = open(room, reviewer);
    await waitSynced(elu);
    elu.doc.transact(() => {
      elu.doc.get(PAGE_BODY_ROOT, Y.XmlText).insert(0, 'Piraté ');
      addComment(elu.doc, { id: reviewer.agent.id, name: 'Élu' }, 'glissé avec', null);
    });
    await settle();
    expect(elu.provider.wsconnected).toBe(true); // dropped, not closed: no reconnect loop
    const state = await serverState(room);
    expect(state.get(PAGE_BODY_ROOT, Y.XmlText).toString()).not.toContain('Piraté');
    expect(readComments(state)).toEqual([]);
  });

  it('[COM-3] a relecteur cannot resolve, rewrite or remove a comment, sign one as someone else, nor touch the manifest', async () => {
    const { room, agent } = await pageWithBody();
    const id = addComment(agent.doc, { id: referent.agent.id, name: 'Référent' }, 'Note de l’agent', null);
    await saved(agent);
    const attempts: Array<(doc: Y.Doc) => void> = [
      (doc) => setCommentResolved(doc, id, true, 'Élu'),
      (doc) => commentsMap(doc).get(id)!.set('text', 'réécrit'),
      (doc) => commentsMap(doc).delete(id),
      (doc) => addComment(doc, { id: referent.agent.id, name: 'Référent' }, 'signé par un autre', null),
      (doc) => doc.getMap('autre').set('x', 1),
    ];
    for (const attempt of attempts) {
      const elu = open(room, reviewer);
      await waitSynced(elu);
      attempt(elu.doc);
      await settle();
      elu.destroy();
    }
    const state = await serverState(room);
    expect(readComments(state).map((c) => [c.text, c.resolved])).toEqual([['Note de l’agent', false]]);
    expect(state.getMap('autre').size).toBe(0);

    const site = open('13001/site', reviewer);
    await waitSynced(site);
    const page = createPage(site.doc, { title: 'Page d’un relecteur', updatedBy: 'élu' });
    await settle();
    const manifest = await serverState('13001/site');
    expect(manifest.getMap('pages').has(page.id)).toBe(false);
  });

  it('[COM-4] another commune can neither read nor write the comments', async () => {
    const { room, agent } = await pageWithBody();
    addComment(agent.doc, { id: referent.agent.id, name: 'Référent' }, 'Interne à Aix', null);
    await saved(agent);
    expect(await closeCodeOf(`${syncUrl(server)}/${room}`, [SUBPROTOCOL, outsider.accessToken])).toBe(
      CLOSE.FORBIDDEN.code,
    );
    // Writing: a comment sent by a client of another commune never reaches the room.
    const stranger = open(room, outsider);
    addComment(stranger.doc, { id: outsider.agent.id, name: 'Autre' }, 'Intrus', null);
    await settle();
    expect(readComments(stranger.doc).map((c) => c.text)).toEqual(['Intrus']);
    expect(readComments(await serverState(room)).map((c) => c.text)).toEqual(['Interne à Aix']);
  });

  it('[COM-5] a flood of comments and a huge one are bounded: past the limits the update is dropped', async () => {
    const { room } = await pageWithBody();
    const elu = open(room, reviewer);
    await waitSynced(elu);
    const huge = new Y.Map<unknown>();
    elu.doc.transact(() => {
      huge.set('id', 'enorme');
      huge.set('authorId', reviewer.agent.id);
      huge.set('authorName', 'Élu');
      huge.set('text', 'x'.repeat(MAX_COMMENT_CHARS + 1));
      huge.set('createdAt', 1);
      commentsMap(elu.doc).set('enorme', huge);
    });
    await settle();
    expect(readComments(await serverState(room))).toEqual([]);
    expect(() =>
      addComment(elu.doc, { id: 'x', name: 'x' }, 'y'.repeat(MAX_COMMENT_CHARS + 1), null),
    ).toThrow(/trop long/);

    const flood = open(room, reviewer);
    await waitSynced(flood);
    flood.doc.transact(() => {
      for (let i = 0; i <= MAX_COMMENTS_PER_PAGE; i++) {
        const entry = new Y.Map<unknown>();
        entry.set('authorId', reviewer.agent.id);
        entry.set('text', `commentaire ${i}`);
        commentsMap(flood.doc).set(`c${i}`, entry);
      }
    });
    await settle();
    expect(readComments(await serverState(room))).toEqual([]);
  });

  it('[COM-7] a relecteur flooding comment updates on a large page is closed with 4429 after a bounded number of checks', async () => {
    const { room } = await pageWithBody('Délibération. '.repeat(15_000));
    const local = new Y.Doc();
    const updates: Uint8Array[] = [];
    local.on('update', (update: Uint8Array) => updates.push(update));
    for (let i = 0; i < 200; i++)
      addComment(local, { id: reviewer.agent.id, name: 'Élu' }, `flot ${i}`, null);
    const raw = rawSocket(server, room, reviewer.accessToken);
    await raw.opened;
    const started = Date.now();
    for (const update of updates)
      if (raw.socket.readyState === raw.socket.OPEN) raw.socket.send(updateMessage(update));
    expect(await raw.closed).toBe(CLOSE.TOO_FAST.code);
    const elapsed = Date.now() - started;
    console.log(`[COM-7] closed after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(10_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const kept = readComments(await serverState(room)).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(25);
  });

  it('[COM-6] comments are absent from the published site and present in the page’s history and the commune’s export', async () => {
    const manifest = open('13001/site', referent);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Marché du dimanche', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const room = `13001/page/${page.id}`;
    const agent = open(room, referent);
    await waitSynced(agent);
    writeParagraphs(agent.doc, ['Le marché a lieu place de la mairie.']);
    await Promise.all([saved(manifest), saved(agent)]);
    const elu = open(room, reviewer);
    await waitSynced(elu);
    addComment(elu.doc, { id: reviewer.agent.id, name: 'Élu' }, 'SECRET-DU-CONSEIL à ne pas publier', {
      exact: 'place de la mairie',
      prefix: '',
      suffix: '',
    });
    await saved(elu);

    const published = await fetch(`${server.url}/api/communes/13001/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(published.status).toBe(200);
    const html = await (await fetch(`${server.url}/sites/aix-en-provence/${page.slug}/index.html`)).text();
    expect(html).toContain('Le marché a lieu place de la mairie.');
    // Every published file: pages, sitemap, feeds, search index.
    const siteDir = fs.realpathSync(path.join(data.dir, 'sites', 'aix-en-provence', 'current'));
    const files = fs.readdirSync(siteDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.some((f) => f.name === 'sitemap.xml')).toBe(true);
    for (const file of files) {
      expect(fs.readFileSync(path.join(file.parentPath, file.name), 'utf8'), file.name).not.toContain(
        'SECRET-DU-CONSEIL',
      );
    }

    // History: the snapshot taken when the editing session ends holds the comment.
    for (const c of [agent, elu]) c.destroy();
    const auth = { authorization: `Bearer ${referent.accessToken}` };
    const history = `${server.url}/api/communes/13001/pages/${page.id}/snapshots`;
    let withComment = false;
    for (let tries = 0; tries < 50 && !withComment; tries++) {
      const list = (await (await fetch(history, { headers: auth })).json()) as {
        snapshots: Array<{ id: number }>;
      };
      for (const { id } of list.snapshots ?? []) {
        const state = new Uint8Array(
          await (await fetch(`${history}/${id}`, { headers: auth })).arrayBuffer(),
        );
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state);
        if (readComments(doc).some((c) => c.text.startsWith('SECRET-DU-CONSEIL'))) withComment = true;
      }
      if (!withComment) await settle();
    }
    expect(withComment).toBe(true);

    const exported = await fetch(`${server.url}/api/communes/13001/export`, { headers: auth });
    expect(exported.status).toBe(200);
    const zip = readZip(Buffer.from(await exported.arrayBuffer()));
    const json = JSON.parse(zip.get(`documents/page-${page.id}.json`)!.toString('utf8'));
    expect(json.content.comments).toMatchObject([
      { text: 'SECRET-DU-CONSEIL à ne pas publier', quote: { exact: 'place de la mairie' } },
    ]);
  });
});
