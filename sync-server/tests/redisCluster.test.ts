// Rooms across nodes (tier c, real engines): two server nodes on one throwaway PostgreSQL and
// one throwaway Redis, real y-websocket clients on both. An edit on node A appears live on node
// B with its presence, and B's client is told it is saved; a burst from both converges, in the
// clients and in PostgreSQL; Redis stopped mid-session: both nodes keep serving their clients,
// say so in /metrics, still converge from PostgreSQL, and once Redis is back nothing is lost;
// the room unloads on both nodes when its clients left.
//
// Accounts are still per DATA_DIR: each node creates its own demo référent of the same commune
// (13001) at start, and each client logs in on its own node.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RunningServer } from '../app/server';
import { freePort, startServerProcess } from '../app/serverProcess';
import { DATABASE_FILE } from '../storage/database';
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
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';
import { redisAvailability, startThrowawayRedis, type ThrowawayRedis } from './throwawayRedis';

const ROOM = '13001/page/cluster01';
const runs = postgresAvailability().available && redisAvailability().available;

function items(client: TestClient): string[] {
  return client.doc.getArray<string>('edits').toArray();
}

/** The highest clock of `clientId` the client's last persisted ack covers. */
function ackedClock(client: TestClient, clientId: number): number {
  const last = client.acks[client.acks.length - 1];
  return last ? (Y.decodeSnapshot(last).sv.get(clientId) ?? 0) : 0;
}

function ownClock(client: TestClient): number {
  return Y.decodeStateVector(Y.encodeStateVector(client.doc)).get(client.doc.clientID) ?? 0;
}

function gauge(node: RunningServer, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(node.metrics.render());
  return match ? Number(match[1]) : NaN;
}

/** The room as PostgreSQL holds it. */
async function storedItems(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (await client.query('SELECT data FROM doc_updates WHERE room = $1 ORDER BY seq', [ROOM]))
      .rows as Array<{ data: Buffer }>;
    const doc = new Y.Doc();
    for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.data));
    return doc.getArray<string>('edits').toArray();
  } finally {
    await client.end();
  }
}

const sorted = (list: string[]) => [...list].sort();

describe.runIf(runs)('rooms across nodes with Redis [CLUSTER-1]', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  const dirs: Array<{ dir: string; remove: () => Promise<void> }> = [];
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  let tokenA: string;
  let tokenB: string;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
    dirs.push(await tempDataDir(), await tempDataDir());
    const options = { databaseUrl: postgres.url, redisUrl: redis.url };
    // One after the other: the first seeds the demo commune in PostgreSQL, the second finds it.
    nodeA = await startTestServer(dirs[0]!.dir, options);
    nodeB = await startTestServer(dirs[1]!.dir, options);
    // The accounts are in PostgreSQL: the demo référent the first node created signs in on both.
    const { email, password } = nodeA.demoAccount!;
    tokenA = (await login(nodeA, email, password)).accessToken;
    tokenB = (await login(nodeB, email, password)).accessToken;
    await waitFor(
      () => gauge(nodeA, 'usine_redis_up') === 1 && gauge(nodeB, 'usine_redis_up') === 1,
      'redis up',
    );
  }, 120_000);

  afterAll(async () => {
    a?.destroy();
    b?.destroy();
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
    await postgres?.stop();
    for (const dir of dirs) await dir.remove();
  });

  it('an edit on node A appears live on node B with its presence, and B’s client is told it is saved [CLUSTER-3] [CLUSTER-5] [CLUSTER-6]', async () => {
    a = openClient(nodeA, ROOM, tokenA);
    await waitSynced(a);
    a.provider.awareness.setLocalStateField('cursor', { anchor: 1 });
    b = openClient(nodeB, ROOM, tokenB);
    await waitSynced(b);

    // Presence set on A before B's node opened the room: asked for when it did.
    await waitFor(() => b.provider.awareness.getStates().has(a.doc.clientID), 'A’s presence on B', 5_000);
    const presence = b.provider.awareness.getStates().get(a.doc.clientID) as {
      cursor: unknown;
      name: string;
    };
    expect(presence.cursor).toEqual({ anchor: 1 });
    expect(presence.name).toBeTruthy(); // the name node A verified, not one the client claimed

    a.doc.getArray<string>('edits').push(['écrit sur le nœud A']);
    await waitFor(() => items(b).includes('écrit sur le nœud A'), 'A’s edit on B', 5_000);
    // Through Redis, not only the periodic comparison with PostgreSQL.
    expect(nodeB.metrics.render()).toMatch(/^usine_redis_messages_total\{direction="in"\} [1-9]/m);
    // B's client holds A's edit as the server sent it (not its own): it is « enregistré », and
    // truthfully so, as node B relays another node's edit only once PostgreSQL committed it.
    expect(await storedItems(postgres.url)).toContain('écrit sur le nœud A');
    await waitFor(() => isSaved(b), 'B’s client told it is saved', 5_000);

    b.doc.getArray<string>('edits').push(['écrit sur le nœud B']);
    await waitFor(() => items(a).includes('écrit sur le nœud B'), 'B’s edit on A', 5_000);
    b.provider.awareness.setLocalStateField('cursor', { anchor: 7 });
    await waitFor(
      () =>
        (a.provider.awareness.getStates().get(b.doc.clientID) as { cursor?: { anchor: number } } | undefined)
          ?.cursor?.anchor === 7,
      'B’s presence on A',
      5_000,
    );
  }, 30_000);

  it('a burst from both nodes converges, in both clients and in PostgreSQL [CLUSTER-3]', async () => {
    for (let i = 0; i < 100; i++) {
      a.doc.getArray<string>('edits').push([`A${i}`]);
      b.doc.getArray<string>('edits').push([`B${i}`]);
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(() => items(a).length === 202 && items(b).length === 202, 'both see 202 items', 15_000);
    expect(items(a)).toEqual(items(b));
    const [clockA, clockB] = [ownClock(a), ownClock(b)];
    await waitFor(
      () => ackedClock(a, a.doc.clientID) >= clockA && ackedClock(b, b.doc.clientID) >= clockB,
      'both bursts acknowledged',
      15_000,
    );
    expect(await storedItems(postgres.url)).toEqual(items(a));
  }, 60_000);

  it('Redis stopped mid-session: both nodes keep serving and converge from PostgreSQL; restarted, nothing is lost [CLUSTER-4] [CLUSTER-7]', async () => {
    await redis.halt();
    await waitFor(
      () => gauge(nodeA, 'usine_redis_up') === 0 && gauge(nodeB, 'usine_redis_up') === 0,
      'both nodes say Redis is down',
      10_000,
    );
    a.doc.getArray<string>('edits').push(['A pendant la panne']);
    b.doc.getArray<string>('edits').push(['B pendant la panne']);
    const [clockA, clockB] = [ownClock(a), ownClock(b)];
    // Each node still commits and acknowledges its own clients' edits …
    await waitFor(
      () => ackedClock(a, a.doc.clientID) >= clockA && ackedClock(b, b.doc.clientID) >= clockB,
      'edits acknowledged while Redis is down',
      10_000,
    );
    // … and reads the other node's from PostgreSQL (slower, but live enough).
    await waitFor(
      () => items(a).includes('B pendant la panne') && items(b).includes('A pendant la panne'),
      'edits exchanged through PostgreSQL while Redis is down',
      10_000,
    );

    await redis.resume();
    await waitFor(
      () => gauge(nodeA, 'usine_redis_up') === 1 && gauge(nodeB, 'usine_redis_up') === 1,
      'both nodes back on Redis',
      15_000,
    );
    a.doc.getArray<string>('edits').push(['A après la panne']);
    b.doc.getArray<string>('edits').push(['B après la panne']);
    await waitFor(
      () => items(a).includes('B après la panne') && items(b).includes('A après la panne'),
      'live again after Redis is back',
      5_000,
    );
    await waitFor(() => items(a).length === 206 && items(b).length === 206, 'both converge', 10_000);
    expect(items(a)).toEqual(items(b));
    const [lastA, lastB] = [ownClock(a), ownClock(b)];
    await waitFor(
      () => ackedClock(a, a.doc.clientID) >= lastA && ackedClock(b, b.doc.clientID) >= lastB,
      'everything acknowledged',
      10_000,
    );
    const stored = await storedItems(postgres.url);
    expect(sorted(stored)).toEqual(sorted(items(a)));
    for (const edit of ['A pendant la panne', 'B pendant la panne', 'A après la panne', 'B après la panne']) {
      expect(stored).toContain(edit);
    }
  }, 60_000);

  it('the room unloads on both nodes once its clients left [CLUSTER-8]', async () => {
    expect(gauge(nodeA, 'usine_sync_rooms')).toBe(1);
    expect(gauge(nodeB, 'usine_sync_rooms')).toBe(1);
    a.destroy();
    b.destroy();
    await waitFor(
      () => gauge(nodeA, 'usine_sync_rooms') === 0 && gauge(nodeB, 'usine_sync_rooms') === 0,
      'room unloaded on both nodes',
      10_000,
    );
    // A later client on either node finds everything, from PostgreSQL.
    const late = openClient(nodeB, ROOM, tokenB);
    try {
      await waitSynced(late);
      expect(items(late)).toHaveLength(206);
    } finally {
      late.destroy();
    }
  }, 30_000);
});

describe('REDIS_URL at start [CLUSTER-9]', () => {
  for (const [env, message] of [
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL invalide'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, 'REDIS_URL demande DATABASE_URL'],
  ] as const) {
    it(`refuses ${JSON.stringify(env)}, saying why in French, before anything is written`, async () => {
      const dir = await tempDataDir();
      try {
        const child = startServerProcess(dir.dir, await freePort(), { env: { ...env, DATABASE_URL: '' } });
        await child.exited;
        expect(child.process.exitCode).toBe(2);
        expect(child.output()).toContain(message);
        expect(fs.existsSync(path.join(dir.dir, DATABASE_FILE))).toBe(false);
      } finally {
        await dir.remove();
      }
    }, 60_000);
  }
});
