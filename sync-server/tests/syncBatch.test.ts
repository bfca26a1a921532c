// The batched sync (POST /api/communes/{insee}/sync, site/syncBatch.ts) against the real server
// (real SQLite, loopback port): a client's offline edits on several pages go in two requests,
// come back acknowledged only once durable (checked by restarting the server), other agents'
// edits come down; and every hostile request is refused or bounded: another commune, a
// relecteur, no token, a malformed or huge body, too many rooms, a page twice, two batches
// at once, the server's store failing.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { apiPath, type LoginResponse } from '../../site/apiContract';
import { readPageBody, writeParagraphs } from '../../site/pageBody';
import {
  decodeBatch,
  encodeBatch,
  LEFT_OUT,
  MAX_BATCH_REQUEST_BYTES,
  MAX_BATCH_ROOMS,
  type BatchEntry,
} from '../../site/syncBatch';
import {
  CLOSE,
  encodeDocState,
  isCoveredBy,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_SYNC,
  readPersistedAck,
} from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';

const PASSWORD = 'Synchroniser-en-une-fois-9';
let data: { dir: string; remove: () => Promise<void> };
let server: RunningServer;
let referent: LoginResponse;
let reviewer: LoginResponse;
let outsider: LoginResponse;
let counter = 0;

const newPageId = () => `lot${String(++counter).padStart(6, '0')}abc`;

function syncMessage(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  write(e);
  return encoding.toUint8Array(e);
}

async function post(body: Uint8Array, token: string | null, insee = '13001'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(server.url + apiPath('syncRooms', { insee }), {
    method: 'POST',
    headers,
    body: new Blob([body as Uint8Array<ArrayBuffer>]),
  });
}

async function postBatch(entries: BatchEntry[], token: string): Promise<BatchEntry[]> {
  const response = await post(encodeBatch(entries), token);
  expect(response.status).toBe(200);
  return decodeBatch(new Uint8Array(await response.arrayBuffer()), {
    rooms: MAX_BATCH_ROOMS,
    messages: 10_000,
  });
}

interface Local {
  pageId: string;
  doc: Y.Doc;
  serverVector?: Uint8Array;
  durable?: Uint8Array;
  close?: number;
}

function read(local: Local, entry: BatchEntry): void {
  local.close = entry.close;
  for (const message of entry.messages) {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_PERSISTED_ACK) local.durable = readPersistedAck(decoder);
    if (type !== MESSAGE_SYNC) continue;
    const subtype = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (subtype === syncProtocol.messageYjsSyncStep1) local.serverVector = payload;
    else Y.applyUpdate(local.doc, payload, 'server');
  }
}

/** The two rounds of the protocol, as the editor's background sync makes them. */
async function syncTwoRounds(locals: Local[], token: string): Promise<void> {
  const first = await postBatch(
    locals.map((l) => ({
      pageId: l.pageId,
      close: 0,
      messages: [syncMessage((e) => syncProtocol.writeSyncStep1(e, l.doc))],
    })),
    token,
  );
  for (const entry of first)
    read(
      locals.find((l) => l.pageId === entry.pageId)!,
      entry,
    );
  const ready = locals.filter((l) => l.close === 0 && l.serverVector);
  if (ready.length === 0) return;
  const second = await postBatch(
    ready.map((l) => ({
      pageId: l.pageId,
      close: 0,
      messages: [syncMessage((e) => syncProtocol.writeSyncStep2(e, l.doc, l.serverVector))],
    })),
    token,
  );
  for (const entry of second)
    read(
      locals.find((l) => l.pageId === entry.pageId)!,
      entry,
    );
}

const covered = (l: Local) => l.durable !== undefined && isCoveredBy(encodeDocState(l.doc), l.durable);

/** The text of a page body (its Lexical state as JSON: the words are in it). */
const textOf = (doc: Y.Doc) => JSON.stringify(readPageBody(doc));

/** What the server holds for a page now, read by a fresh WebSocket client of the référent. */
async function serverText(pageId: string, insee = '13001', token = referent.accessToken): Promise<string> {
  const client = openClient(server, `${insee}/page/${pageId}`, token);
  try {
    await waitSynced(client);
    return textOf(client.doc);
  } finally {
    client.destroy();
  }
}

let demo: { email: string; password: string };

/** Starts the server on the same data (the demo account is created at the first start only). */
async function start(): Promise<void> {
  server = await startTestServer(data.dir);
  demo ??= server.demoAccount!;
  referent = await login(server, demo.email, demo.password);
}

beforeAll(async () => {
  data = await tempDataDir();
  await start();
  await server.admin.addAgent({
    commune: '13001',
    email: 'relecteur@aix.fr',
    password: PASSWORD,
    role: 'relecteur',
  });
  await server.admin.addAgent({
    commune: '13002',
    email: 'agent@marseille.fr',
    password: PASSWORD,
    role: 'agent',
  });
  reviewer = await login(server, 'relecteur@aix.fr', PASSWORD);
  outsider = await login(server, 'agent@marseille.fr', PASSWORD);
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('batched sync of many pages', () => {
  it('[BATCH-1] offline edits on 20 pages go in two requests, acknowledged only once durable (a restart keeps them), and another agent’s edit comes down', async () => {
    const locals: Local[] = Array.from({ length: 20 }, () => ({ pageId: newPageId(), doc: new Y.Doc() }));
    // Another agent wrote on the first page meanwhile, through its socket.
    const other = openClient(server, `13001/page/${locals[0]!.pageId}`, referent.accessToken);
    await waitSynced(other);
    writeParagraphs(other.doc, ['Écrit par une collègue.']);
    await waitFor(() => isSaved(other), 'durable');
    other.destroy();
    for (const [i, l] of locals.entries()) writeParagraphs(l.doc, [`Modification hors ligne ${i}.`]);

    await syncTwoRounds(locals, referent.accessToken);

    expect(locals.filter(covered)).toHaveLength(20);
    // The colleague's paragraph came down into the first page (merged with the offline one).
    expect(textOf(locals[0]!.doc)).toContain('Écrit par une collègue.');
    expect(textOf(locals[0]!.doc)).toContain('Modification hors ligne 0.');
    // Acknowledged means durable: a restart of the server still has every page.
    await server.close();
    await start();
    for (const [i, l] of locals.entries())
      expect(await serverText(l.pageId)).toContain(`Modification hors ligne ${i}.`);
  });

  it('[BATCH-2] a relecteur’s edit is not acknowledged (dropped as on a socket) and changes nothing on the server', async () => {
    const pageId = newPageId();
    const seed: Local = { pageId, doc: new Y.Doc() };
    writeParagraphs(seed.doc, ['Texte de la mairie.']);
    await syncTwoRounds([seed], referent.accessToken);
    expect(covered(seed)).toBe(true);

    const local: Local = { pageId, doc: new Y.Doc() };
    await syncTwoRounds([local], reviewer.accessToken);
    writeParagraphs(local.doc, ['Réécrit par le relecteur.']);
    await syncTwoRounds([local], reviewer.accessToken);
    expect(covered(local)).toBe(false);
    const text = await serverText(pageId);
    expect(text).toContain('Texte de la mairie.');
    expect(text).not.toContain('relecteur');
  });

  it('[BATCH-3] another commune, no token, a deleted session: refused before any room opens', async () => {
    const local: Local = { pageId: newPageId(), doc: new Y.Doc() };
    writeParagraphs(local.doc, ['Intrusion.']);
    const body = encodeBatch([
      {
        pageId: local.pageId,
        close: 0,
        messages: [syncMessage((e) => syncProtocol.writeSyncStep2(e, local.doc))],
      },
    ]);
    expect((await post(body, outsider.accessToken)).status).toBe(403);
    expect((await post(body, null)).status).toBe(401);
    expect((await post(body, 'not-a-token')).status).toBe(401);
    // The outsider's own commune is not a way in either: the room is named by the path's commune.
    const own = await post(body, outsider.accessToken, '13002');
    expect(own.status).toBe(200);
    expect(await serverText(local.pageId)).not.toContain('Intrusion');
    expect(await serverText(local.pageId, '13002', outsider.accessToken)).toContain('Intrusion');
  });

  it('[BATCH-4] hostile bodies: truncated, trailing bytes, lengths beyond the body, too many rooms, a page twice, a bad page id, too large', async () => {
    const token = referent.accessToken;
    const one = (pageId: string): BatchEntry => ({
      pageId,
      close: 0,
      messages: [syncMessage((e) => syncProtocol.writeSyncStep1(e, new Y.Doc()))],
    });
    const valid = encodeBatch([one(newPageId())]);
    expect((await post(valid.subarray(0, valid.length - 3), token)).status).toBe(400);
    expect((await post(new Uint8Array([...valid, 0]), token)).status).toBe(400);
    // A message length of 2^31 announced in a 20-byte body.
    const liar = encoding.createEncoder();
    for (const v of [1, 1]) encoding.writeVarUint(liar, v);
    encoding.writeVarString(liar, newPageId());
    for (const v of [0, 1, 2 ** 31]) encoding.writeVarUint(liar, v);
    expect((await post(encoding.toUint8Array(liar), token)).status).toBe(400);
    const many = Array.from({ length: MAX_BATCH_ROOMS + 1 }, () => one(newPageId()));
    expect((await post(encodeBatch(many), token)).status).toBe(400);
    const id = newPageId();
    expect((await post(encodeBatch([one(id), one(id)]), token)).status).toBe(400);
    expect((await post(new Uint8Array(0), token)).status).toBe(400);
    // A page id outside the pattern is left out, the others handled.
    const answer = await postBatch([one('../13002/site'), one(newPageId())], token);
    expect(answer.map((e) => e.close)).toEqual([LEFT_OUT, 0]);
    const huge = new Uint8Array(MAX_BATCH_REQUEST_BYTES + 1024);
    const tooLarge = await post(huge, token);
    expect(tooLarge.status).toBe(413);
  });

  it('[BATCH-5] a message the room refuses (malformed update) closes that room only; the batch goes on', async () => {
    const good: Local = { pageId: newPageId(), doc: new Y.Doc() };
    writeParagraphs(good.doc, ['Bonne modification.']);
    const broken = syncMessage((e) => {
      encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
      encoding.writeVarUint8Array(e, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    });
    const answer = await postBatch(
      [
        { pageId: newPageId(), close: 0, messages: [broken] },
        {
          pageId: good.pageId,
          close: 0,
          messages: [syncMessage((e) => syncProtocol.writeSyncStep2(e, good.doc))],
        },
      ],
      referent.accessToken,
    );
    expect(answer[0]!.close).toBe(CLOSE.MALFORMED.code);
    expect(answer[0]!.messages).toEqual([]);
    read(good, answer[1]!);
    expect(covered(good)).toBe(true);
  });

  it('[BATCH-6] one batch at a time per agent: a second one while the first waits is refused 429, and nothing of it is applied', async () => {
    const slow: Local[] = Array.from({ length: MAX_BATCH_ROOMS }, () => ({
      pageId: newPageId(),
      doc: new Y.Doc(),
    }));
    for (const l of slow) writeParagraphs(l.doc, ['x'.repeat(20_000)]);
    const first = post(
      encodeBatch(
        slow.map((l) => ({
          pageId: l.pageId,
          close: 0,
          messages: [syncMessage((e) => syncProtocol.writeSyncStep2(e, l.doc))],
        })),
      ),
      referent.accessToken,
    );
    const extra: Local = { pageId: newPageId(), doc: new Y.Doc() };
    writeParagraphs(extra.doc, ['Deuxième lot.']);
    const results = await Promise.all([
      first,
      // Sent a few times while the first is in flight: at least one overlaps it.
      ...Array.from({ length: 5 }, () =>
        post(
          encodeBatch([
            {
              pageId: extra.pageId,
              close: 0,
              messages: [syncMessage((e) => syncProtocol.writeSyncStep2(e, extra.doc))],
            },
          ]),
          referent.accessToken,
        ),
      ),
    ]);
    const statuses = results.map((r) => r.status);
    // One took the agent's slot; at least one other came while it was held.
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    // A refused batch changed nothing; an accepted one is on the server.
    const firstText = await serverText(slow[0]!.pageId);
    expect(firstText.includes('xxxxxxxxxx')).toBe(statuses[0] === 200);
    expect((await serverText(extra.pageId)).includes('Deuxième lot.')).toBe(statuses.slice(1).includes(200));
  });
});

describe('batched sync while the disk refuses writes', () => {
  it('[BATCH-7] no ack while the store fails (the answer still comes, bounded); the edit is kept and acknowledged once writes work again', async () => {
    const own = await tempDataDir();
    // The demo commune is written at the start: the disk fills up afterwards.
    let failing = false;
    const failingServer = await startTestServer(own.dir, {
      batchFlushTimeoutMs: 400,
      wrapStore: (store) => ({
        ...store,
        loadDoc: (room) => store.loadDoc(room),
        countUpdates: (room) => store.countUpdates(room),
        compact: (room) => store.compact(room),
        listRooms: (insee) => store.listRooms(insee),
        deleteCommune: (insee) => store.deleteCommune(insee),
        close: () => store.close(),
        appendUpdates: (room, updates) =>
          failing
            ? Promise.reject(new Error('SQLITE_FULL: disque plein'))
            : store.appendUpdates(room, updates),
      }),
    });
    try {
      const account = await login(
        failingServer,
        failingServer.demoAccount!.email,
        failingServer.demoAccount!.password,
      );
      const previous = server;
      server = failingServer;
      failing = true;
      const local: Local = { pageId: newPageId(), doc: new Y.Doc() };
      writeParagraphs(local.doc, ['Écrit pendant que le disque est plein.']);
      const started = performance.now();
      await syncTwoRounds([local], account.accessToken);
      // Generous bound: it guards against an answer that waits for the store forever.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(covered(local)).toBe(false);
      failing = false;
      // The room retries its write with a backoff; the editor's next batch then gets the ack.
      for (let attempt = 0; attempt < 20 && !covered(local); attempt++) {
        local.close = undefined;
        await syncTwoRounds([local], account.accessToken);
      }
      expect(covered(local)).toBe(true);
      server = previous;
    } finally {
      await failingServer.close();
      await own.remove();
    }
  });
});
