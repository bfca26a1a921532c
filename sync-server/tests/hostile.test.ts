// Limits and hostile input against the real server (port 0, raw sockets and the real
// y-websocket client): one test per case. Each case closes the offending connection with a
// named code, never hangs or crashes the server, and leaves the other rooms working.
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE, MESSAGE_AWARENESS, MESSAGE_SYNC } from '../../site/syncProtocol';
import { YJS_687_PAYLOADS, manyGcStructs } from '../sync/hostilePayloads';
import type { RunningServer } from '../app/server';
import {
  login,
  openClient,
  rawSocket,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const PASSWORD = 'Vieux-Port-et-Panier-1599';
const MAX_MESSAGE = 64 * 1024;
const MAX_DOC = 256 * 1024;
const QUOTA = 400 * 1024;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let token: string;
let fast: LoginResponse;
const clients: TestClient[] = [];
let roomCounter = 0;

function freshRoom(insee = '13001'): string {
  roomCounter += 1;
  return `${insee}/page/hostile${String(roomCounter).padStart(5, '0')}`;
}

function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, subtype);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

const updateMessage = (update: Uint8Array) => syncMessage(syncProtocol.messageYjsUpdate, update);

/** Sends the messages on a fresh socket; resolves with the close code, or 'open' if still open. */
async function outcomeOf(messages: Array<Uint8Array | string>, room = freshRoom(), as = token, waitMs = 400) {
  const raw = rawSocket(server, room, as);
  await raw.opened;
  for (const message of messages) if (raw.socket.readyState === raw.socket.OPEN) raw.socket.send(message);
  const result = await Promise.race([
    raw.closed,
    new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), waitMs)),
  ]);
  raw.socket.terminate();
  return result;
}

/** The server still answers, and a room of another test still syncs between two clients. */
async function othersUnaffected(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const room = freshRoom('13002');
  const a = openClient(server, room, token);
  const b = openClient(server, room, token);
  clients.push(a, b);
  await Promise.all([waitSynced(a), waitSynced(b)]);
  a.doc.getText('t').insert(0, 'toujours là');
  await waitFor(() => b.doc.getText('t').toString() === 'toujours là', 'another room still syncs');
}

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    maxMessageBytes: MAX_MESSAGE,
    maxDocBytes: MAX_DOC,
    limits: {
      updatesPerAgent: { ratePerSecond: 1000, burst: 3000 },
      updatesPerAddress: { ratePerSecond: 5000, burst: 20_000 },
      connectionsPerAgent: { ratePerSecond: 1000, burst: 3000 },
      connectionsPerAddress: { ratePerSecond: 5000, burst: 20_000 },
      communeQuotaBytes: QUOTA,
    },
  });
  await Promise.all([
    server.admin.addAgent({
      commune: '13001',
      email: 'agent@marseille.fr',
      password: PASSWORD,
      role: 'agent',
    }),
    server.admin.addAgent({
      commune: '13001',
      email: 'rapide@marseille.fr',
      password: PASSWORD,
      role: 'agent',
    }),
  ]);
  await server.admin.grantRole('agent@marseille.fr', '13002', 'agent');
  await server.admin.grantRole('agent@marseille.fr', '13003', 'agent');
  token = (await login(server, 'agent@marseille.fr', PASSWORD)).accessToken;
  fast = await login(server, 'rapide@marseille.fr', PASSWORD);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await data?.remove();
});

describe('limits', () => {
  it('[LIM-1] a message over the maximum size closes with 4413', async () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(MAX_MESSAGE + 10));
    expect(await outcomeOf([updateMessage(Y.encodeStateAsUpdate(doc))])).toBe(CLOSE.TOO_LARGE.code);
    await othersUnaffected();
  });

  it('[LIM-2] a document growing past the maximum document size closes with 4413 and keeps what it had', async () => {
    const room = freshRoom();
    const writer = openClient(server, room, token);
    clients.push(writer);
    await waitSynced(writer);
    let closedWith = 0;
    writer.provider.on('connection-close', (event) => {
      closedWith ||= event?.code ?? -1;
    });
    for (let i = 0; i < 10 && closedWith === 0; i++) {
      writer.doc.getText('t').insert(0, String(i).repeat(40 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(() => closedWith !== 0, 'closed for size');
    expect(closedWith).toBe(CLOSE.TOO_LARGE.code);
    writer.provider.disconnect();
    const stored = await server.communeData.exportZip('13001');
    expect(stored.length).toBeLessThan(MAX_DOC * 2);
    await othersUnaffected();
  });

  it('[LIM-3] a commune over its quota gets 4413; another commune is not affected', async () => {
    const refusals: number[] = [];
    for (let i = 0; i < 6; i++) {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, 'q'.repeat(60 * 1024 - 100));
      const outcome = await outcomeOf([updateMessage(Y.encodeStateAsUpdate(doc))], freshRoom('13003'));
      refusals.push(outcome === 'open' ? 0 : outcome);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    // 400 KB of quota: the first six 60 KB updates… the seventh does not fit.
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'q'.repeat(60 * 1024 - 100));
    expect(await outcomeOf([updateMessage(Y.encodeStateAsUpdate(doc))], freshRoom('13003'))).toBe(
      CLOSE.TOO_LARGE.code,
    );
    expect(refusals.filter((code) => code !== 0)).toEqual([]);
    expect((await server.audit.list({ insee: '13003' })).at(-1)).toMatchObject({
      event: 'sync.closed',
      outcome: 'too-large',
    });
    await othersUnaffected();
  });

  it('[LIM-4] an agent sending updates faster than its rate limit is closed with 4429', async () => {
    const dir = await tempDataDir();
    const small = await startTestServer(dir.dir, {
      createDemoAccount: false,
      limits: { updatesPerAgent: { ratePerSecond: 20, burst: 30 } },
    });
    try {
      await small.admin.addAgent({
        commune: '13001',
        email: 'vite@marseille.fr',
        password: PASSWORD,
        role: 'agent',
      });
      const session = await login(small, 'vite@marseille.fr', PASSWORD);
      const raw = rawSocket(small, '13001/page/ratelimit01', session.accessToken);
      await raw.opened;
      const doc = new Y.Doc();
      let sent = 0;
      doc.on('update', (update: Uint8Array) => {
        if (raw.socket.readyState === raw.socket.OPEN) {
          raw.socket.send(updateMessage(update));
          sent += 1;
        }
      });
      for (let i = 0; i < 200; i++) doc.getText('t').insert(0, 'a');
      expect(await raw.closed).toBe(CLOSE.TOO_FAST.code);
      expect(sent).toBeGreaterThan(30);
      expect((await small.audit.list()).at(-1)).toMatchObject({ event: 'sync.closed', outcome: 'too-fast' });
    } finally {
      await small.close();
      await dir.remove();
    }
  });

  it('[LIM-6] agents behind one address together over the per-address update limit are closed with 4429', async () => {
    const dir = await tempDataDir();
    const small = await startTestServer(dir.dir, {
      createDemoAccount: false,
      limits: {
        // Each agent alone stays under its own limit; together they pass the address's.
        updatesPerAgent: { ratePerSecond: 1000, burst: 1000 },
        updatesPerAddress: { ratePerSecond: 20, burst: 40 },
      },
    });
    try {
      const emails = ['un@marseille.fr', 'deux@marseille.fr'];
      for (const email of emails) {
        await small.admin.addAgent({ commune: '13001', email, password: PASSWORD, role: 'agent' });
      }
      const sockets = await Promise.all(
        emails.map(async (email, i) => {
          const session = await login(small, email, PASSWORD);
          const raw = rawSocket(small, `13001/page/addresslimit${i}`, session.accessToken);
          await raw.opened;
          return raw;
        }),
      );
      // 30 updates each: 60 from one address, over its burst of 40, under each agent's.
      for (const raw of sockets) {
        const doc = new Y.Doc();
        doc.on('update', (update: Uint8Array) => {
          if (raw.socket.readyState === raw.socket.OPEN) raw.socket.send(updateMessage(update));
        });
        for (let i = 0; i < 30; i++) doc.getText('t').insert(0, 'a');
      }
      const codes = await Promise.all(
        sockets.map((raw) =>
          Promise.race([raw.closed, new Promise<number>((resolve) => setTimeout(() => resolve(0), 3000))]),
        ),
      );
      expect(codes).toContain(CLOSE.TOO_FAST.code);
    } finally {
      await small.close();
      await dir.remove();
    }
  });

  it('[LIM-5] connections opened faster than the per-agent and per-address limits close with 4429', async () => {
    const dir = await tempDataDir();
    const small = await startTestServer(dir.dir, {
      createDemoAccount: false,
      limits: {
        connectionsPerAgent: { ratePerSecond: 1, burst: 5 },
        connectionsPerAddress: { ratePerSecond: 1, burst: 12 },
      },
    });
    try {
      await small.admin.addAgent({
        commune: '13001',
        email: 'conn@marseille.fr',
        password: PASSWORD,
        role: 'agent',
      });
      const session = await login(small, 'conn@marseille.fr', PASSWORD);
      const codes: Array<number | 'open'> = [];
      for (let i = 0; i < 8; i++) {
        const raw = rawSocket(small, '13001/site', session.accessToken);
        codes.push(
          await Promise.race([
            raw.closed,
            raw.opened.then(() => new Promise<'open'>((r) => setTimeout(() => r('open'), 50))),
          ]),
        );
      }
      expect(codes.slice(0, 5)).toEqual(['open', 'open', 'open', 'open', 'open']);
      expect(codes.slice(5)).toEqual([4429, 4429, 4429]);
      // Per address: counted before authentication, whatever the token.
      const more: number[] = [];
      for (let i = 0; i < 6; i++) {
        const raw = rawSocket(small, '13001/site', 'x'.repeat(43));
        more.push(await raw.closed);
      }
      expect(more.slice(0, 4)).toEqual([4401, 4401, 4401, 4401]);
      expect(more.slice(4)).toEqual([4429, 4429]);
    } finally {
      await small.close();
      await dir.remove();
    }
  });
});

describe('hostile messages', () => {
  it('[HOS-1] random bytes close the connection with 4400 (seeded), and never anything else', async () => {
    const seed = Number(process.env.HOSTILE_SEED ?? 20261122);
    console.log(`hostile random bytes: seed ${seed}`);
    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const bytes = new Uint8Array(1 + Math.floor(random() * 64)).map(() => Math.floor(random() * 256));
      // Half of them start with a real message type, so the garbage reaches the decoders.
      if (i % 2 === 0) bytes[0] = [MESSAGE_SYNC, MESSAGE_AWARENESS][i % 4 === 0 ? 0 : 1]!;
      const outcome = String(await outcomeOf([bytes], undefined, token, 150));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // A random message may happen to be valid (e.g. an empty sync step 1): then it stays open.
    expect([...outcomes.keys()].every((k) => k === String(CLOSE.MALFORMED.code) || k === 'open')).toBe(true);
    expect(outcomes.get(String(CLOSE.MALFORMED.code))).toBeGreaterThan(30);
    await othersUnaffected();
  });

  it('[HOS-2] a truncated varint closes with 4400', async () => {
    expect(await outcomeOf([new Uint8Array([0x80])])).toBe(CLOSE.MALFORMED.code);
    expect(await outcomeOf([new Uint8Array([MESSAGE_SYNC, 0xff, 0xff])])).toBe(CLOSE.MALFORMED.code);
    expect(await outcomeOf([new Uint8Array([MESSAGE_SYNC, 2, 0x85, 0x80])])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-3] a length beyond the message closes with 4400 (lib0 would silently truncate it)', async () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
    encoding.writeVarUint(e, 1_000_000_000);
    encoding.writeUint8Array(e, new Uint8Array([1, 2, 3]));
    expect(await outcomeOf([encoding.toUint8Array(e)])).toBe(CLOSE.MALFORMED.code);
    const a = encoding.createEncoder();
    encoding.writeVarUint(a, MESSAGE_AWARENESS);
    encoding.writeVarUint(a, 2 ** 40);
    expect(await outcomeOf([encoding.toUint8Array(a)])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-4] a Yjs update with an absurd struct length (2^40 deleted items) closes with 4400', async () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1); // one client
    encoding.writeVarUint(e, 1); // one struct
    encoding.writeVarUint(e, 424242); // client
    encoding.writeVarUint(e, 0); // clock
    encoding.writeUint8(e, 1); // info: ContentDeleted, no origins → parent info follows
    encoding.writeVarUint(e, 1); // parent is a root type…
    encoding.writeVarString(e, 't'); // …named 't'
    encoding.writeVarUint(e, 2 ** 40); // length
    encoding.writeVarUint(e, 0); // empty delete set
    expect(await outcomeOf([updateMessage(encoding.toUint8Array(e))])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-5] a Yjs update with a Skip struct of absurd length closes with 4400', async () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 424243);
    encoding.writeVarUint(e, 0);
    encoding.writeUint8(e, 10); // Skip
    encoding.writeVarUint(e, 2 ** 30);
    encoding.writeVarUint(e, 0);
    expect(await outcomeOf([updateMessage(encoding.toUint8Array(e))])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-6] updates that can never integrate (clock gaps, unknown origins) are never applied; repeated, they close with 4400', async () => {
    const room = freshRoom();
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'début');
    const before = Y.encodeStateVector(doc);
    doc.getText('t').insert(5, ' suite');
    const dangling = Y.encodeStateAsUpdate(doc, before); // depends on « début », never sent
    // Once: dropped, the connection is asked to resync and stays open.
    expect(await outcomeOf([updateMessage(dangling)], room)).toBe('open');
    // Over and over: hostile.
    expect(
      await outcomeOf(
        Array.from({ length: 25 }, () => updateMessage(dangling)),
        room,
      ),
    ).toBe(CLOSE.MALFORMED.code);
    const reader = openClient(server, room, token);
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('');
    expect(Y.encodeStateAsUpdate(reader.doc).length).toBeLessThan(10);
    await othersUnaffected();
  });

  it('[HOS-7] a deletion of content that does not exist, repeated, closes with 4400 and deletes nothing', async () => {
    const room = freshRoom();
    const writer = openClient(server, room, token);
    clients.push(writer);
    await waitSynced(writer);
    writer.doc.getText('t').insert(0, 'gardé');
    await waitFor(() => writer.acks.length > 1, 'written');
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // no structs
    encoding.writeVarUint(e, 1); // delete set: one client
    encoding.writeVarUint(e, 999_999); // unknown client
    encoding.writeVarUint(e, 1); // one range
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2 ** 31);
    const ghost = updateMessage(encoding.toUint8Array(e));
    expect(
      await outcomeOf(
        Array.from({ length: 25 }, () => ghost),
        room,
      ),
    ).toBe(CLOSE.MALFORMED.code);
    expect(writer.doc.getText('t').toString()).toBe('gardé');
    await othersUnaffected();
  });

  it('[HOS-8] awareness that is not JSON closes with 4400', async () => {
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 1234);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, '{"name": "oups"');
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    expect(await outcomeOf([encoding.toUint8Array(e)])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-9] a text frame and an unknown message type close with 4400', async () => {
    expect(await outcomeOf(['{"type":"hello"}'])).toBe(CLOSE.MALFORMED.code);
    expect(await outcomeOf([new Uint8Array([42, 0, 0])])).toBe(CLOSE.MALFORMED.code);
    await othersUnaffected();
  });

  it('[HOS-11] the crafted updates of yjs issue #687, as update or sync step 2, close with 4400 and store nothing', async () => {
    const room = freshRoom();
    for (const [name, bytes] of Object.entries(YJS_687_PAYLOADS)) {
      const payload = new Uint8Array(bytes);
      for (const subtype of [syncProtocol.messageYjsUpdate, syncProtocol.messageYjsSyncStep2]) {
        const started = Date.now();
        expect(await outcomeOf([syncMessage(subtype, payload)], room), `${name} (${subtype})`).toBe(
          CLOSE.MALFORMED.code,
        );
        // The server never hung on it: the refusal came at once.
        expect(Date.now() - started, name).toBeLessThan(1_000);
      }
    }
    // A state vector announcing 2^40 clients (sync step 1): same.
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 2 ** 40);
    encoding.writeVarUint(e, 1);
    expect(
      await outcomeOf([syncMessage(syncProtocol.messageYjsSyncStep1, encoding.toUint8Array(e))], room),
    ).toBe(CLOSE.MALFORMED.code);
    const reader = openClient(server, room, token);
    clients.push(reader);
    await waitSynced(reader);
    expect(Y.encodeStateAsUpdate(reader.doc)).toEqual(new Uint8Array([0, 0]));
    expect((await server.audit.list({ insee: '13001' })).at(-1)).toMatchObject({
      event: 'sync.closed',
      outcome: 'malformed-message',
    });
    await othersUnaffected();
  });

  it('[HOS-12] an update of 120,000 tiny structs (240 KB that Yjs would turn into ~12 MB of objects) closes with 4400 and is not stored', async () => {
    const dir = await tempDataDir();
    const big = await startTestServer(dir.dir, { createDemoAccount: false, maxMessageBytes: 1024 * 1024 });
    try {
      await big.admin.addAgent({
        commune: '13001',
        email: 'gc@marseille.fr',
        password: PASSWORD,
        role: 'agent',
      });
      const session = await login(big, 'gc@marseille.fr', PASSWORD);
      const room = '13001/page/manystructs';
      const raw = rawSocket(big, room, session.accessToken);
      await raw.opened;
      raw.socket.send(updateMessage(manyGcStructs(120_000)));
      expect(await raw.closed).toBe(CLOSE.MALFORMED.code);
      const reader = openClient(big, room, session.accessToken);
      await waitSynced(reader);
      const state = Y.encodeStateAsUpdate(reader.doc);
      reader.destroy();
      expect(state).toEqual(new Uint8Array([0, 0]));
      expect((await big.audit.list()).at(-1)).toMatchObject({
        event: 'sync.closed',
        outcome: 'malformed-message',
      });
      expect(JSON.stringify((await big.audit.list()).at(-1))).toContain('too-many-elements');
    } finally {
      await big.close();
      await dir.remove();
    }
  });

  it('[HOS-10] a relecteur’s updates are dropped without closing, and the room is unchanged', async () => {
    await server.admin.grantRole('rapide@marseille.fr', '13002', 'relecteur');
    const room = freshRoom('13002');
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'interdit');
    expect(await outcomeOf([updateMessage(Y.encodeStateAsUpdate(doc))], room, fast.accessToken)).toBe('open');
    const reader = openClient(server, room, token);
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('');
  });
});
