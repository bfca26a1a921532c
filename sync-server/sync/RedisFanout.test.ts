// Tier b: the fan-out between two nodes' rooms, on a real (throwaway) PostgreSQL and Redis,
// without HTTP: two RoomManagers, each with its PgDocStore and RedisFanout, clients as
// in-memory sockets. What a message's loss, size or origin must not change.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MESSAGE_SYNC } from '../../site/syncProtocol';
import { freePort } from '../app/serverProcess';
import { waitFor } from '../app/testHarness';
import { Metrics } from '../observability/Metrics';
import { silentLogger } from '../observability/Logger';
import { PgDocStore } from '../storage/postgres/PgDocStore';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../tests/throwawayPostgres';
import { redisAvailability, startThrowawayRedis, type ThrowawayRedis } from '../tests/throwawayRedis';
import type { ConnectionIdentity, RoomConnection, RoomSocket } from './Room';
import { RoomManager } from './RoomManager';
import { RedisFanout, type RedisFanoutOptions } from './RedisFanout';
import { deepAnyUpdate } from './hostilePayloads';
import { MAX_VALUE_DEPTH } from '../../site/siteDoc';

const ALICE: ConnectionIdentity = { agentId: 'a', displayName: 'Alice', color: '#1f5fbf', readOnly: false };
const runs = postgresAvailability().available && redisAvailability().available;

const silentSocket: RoomSocket = { sendMessage() {}, closeWith() {}, bufferedAmount: 0 };

interface Node {
  store: PgDocStore;
  fanout: RedisFanout;
  rooms: RoomManager;
  metrics: Metrics;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

/** A client's edit: appends `text` to the array `edits` of its own doc, sent as one update. */
function send(conn: RoomConnection, client: Y.Doc, text: string): void {
  const before = Y.encodeStateVector(client);
  client.getArray<string>('edits').push([text]);
  conn.receive(updateMessage(Y.encodeStateAsUpdate(client, before)));
}

describe.runIf(runs)('RedisFanout between two nodes', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  let control: Redis;
  const nodes: Node[] = [];

  async function startNode(options: Partial<RedisFanoutOptions> = {}): Promise<Node> {
    const store = await PgDocStore.open(postgres.url);
    const metrics = new Metrics();
    // No periodic comparison: only the paths under test may catch up.
    const fanout = new RedisFanout({
      url: redis.url,
      store,
      logger: silentLogger,
      metrics,
      sweepIntervalMs: 1e9,
      sweepIntervalWhenDownMs: 1e9,
      gapDelayMs: 20,
      ...options,
    });
    const rooms = new RoomManager({ store, logger: silentLogger, fanout, metrics });
    const node = { store, fanout, rooms, metrics };
    nodes.push(node);
    await waitFor(() => fanout.connected, 'fan-out connected');
    return node;
  }

  /** Opens the room on both nodes with a client each; resolves once both nodes follow it. */
  async function openOnBoth(a: Node, b: Node, room: string) {
    const roomA = await a.rooms.open(room);
    const roomB = await b.rooms.open(room);
    const connA = roomA.addConnection(silentSocket, ALICE);
    const connB = roomB.addConnection(silentSocket, ALICE);
    const channel = `usine:room:${room}`;
    for (let i = 0; ; i++) {
      const [, count] = (await control.pubsub('NUMSUB', channel)) as [string, number];
      if (Number(count) >= 2) break;
      if (i > 200) throw new Error('both nodes never subscribed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { roomA, roomB, connA, connB };
  }

  const itemsOf = (doc: Y.Doc) => doc.getArray<string>('edits').toArray();

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
    control = new Redis(redis.url);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      await node.rooms.close();
      await node.fanout.close();
      await node.store.close();
    }
    control?.disconnect();
    await redis?.stop();
    await postgres?.stop();
  });

  it('a node applies another’s commit without storing or publishing it again, and ignores its own [CLUSTER-2]', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const room = '13001/page/loop';
    const watcher = new Redis(redis.url);
    const seen: Array<{ node: string; kind: number }> = [];
    await watcher.subscribe(`usine:room:${room}`);
    watcher.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      const decoder = decoding.createDecoder(message);
      seen.push({ node: decoding.readVarString(decoder), kind: decoding.readVarUint(decoder) });
    });
    try {
      const { roomA, roomB, connA } = await openOnBoth(a, b, room);
      const client = new Y.Doc();
      send(connA, client, 'une fois');
      await waitFor(() => itemsOf(roomB.doc).includes('une fois'), 'A’s edit on B');
      await roomA.whenFlushed();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // One row: B did not store A's update again; one update message, from A only.
      expect(await a.store.countUpdates(room)).toBe(1);
      expect(seen.filter((m) => m.kind === 0)).toEqual([{ node: a.fanout.nodeId, kind: 0 }]);
      expect(roomB.hasUnsavedUpdates).toBe(false);
      expect(roomA.knownSeq).toBe(1);
      expect(roomB.knownSeq).toBe(1);
      expect(itemsOf(roomA.doc)).toEqual(['une fois']);
    } finally {
      watcher.disconnect();
    }
  }, 30_000);

  it('a commit too large for a message, and the one after it, reach the other node from PostgreSQL [CLUSTER-4]', async () => {
    const [a, b] = [await startNode({ maxMessageBytes: 2_000 }), await startNode()];
    const { roomB, connA } = await openOnBoth(a, b, '13001/page/large');
    const client = new Y.Doc();
    send(connA, client, 'x'.repeat(5_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    send(connA, client, 'petit');
    await waitFor(() => itemsOf(roomB.doc).length === 2, 'both edits on B', 5_000);
    expect(itemsOf(roomB.doc)[1]).toBe('petit');
    expect(roomB.hasGap).toBe(false);
    expect(b.metrics.render()).toMatch(/^usine_cluster_catch_ups_total\{reason="gap"\} [1-9]/m);
  }, 30_000);

  it('what was published while a node’s subscription was cut is caught up when it is back [CLUSTER-4]', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const { roomB, connA } = await openOnBoth(a, b, '13001/page/cut');
    const client = new Y.Doc();
    // Every pub/sub connection is cut: what A publishes until they are back reaches nobody.
    await control.client('KILL', 'TYPE', 'pubsub');
    send(connA, client, 'pendant la coupure');
    await waitFor(() => itemsOf(roomB.doc).includes('pendant la coupure'), 'the edit on B', 10_000);
    expect(b.metrics.render()).toMatch(/^usine_cluster_catch_ups_total\{reason="redis_ready"\} [1-9]/m);
  }, 30_000);

  it('a node started while Redis is down serves its clients and commits their edits, then joins the fan-out when Redis comes [CLUSTER-7]', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const store = await PgDocStore.open(postgres.url);
    const metrics = new Metrics();
    const fanoutA = new RedisFanout({
      url,
      store,
      logger: silentLogger,
      metrics,
      sweepIntervalWhenDownMs: 1e9,
    });
    const roomsA = new RoomManager({ store, logger: silentLogger, fanout: fanoutA, metrics });
    const lateRedis = { stop: async () => {} };
    try {
      const roomA = await roomsA.open('13001/page/late');
      const connA = roomA.addConnection(silentSocket, ALICE);
      const client = new Y.Doc();
      send(connA, client, 'sans Redis');
      await roomA.whenFlushed(); // committed (and acknowledged) without Redis
      expect(fanoutA.connected).toBe(false);
      expect(metrics.render()).toMatch(/^usine_redis_up 0$/m);

      Object.assign(lateRedis, await startThrowawayRedis(port));
      await waitFor(() => fanoutA.connected, 'node A connected once Redis is there', 10_000);
      const b = await startNode({ url });
      const roomB = await b.rooms.open('13001/page/late');
      roomB.addConnection(silentSocket, ALICE);
      expect(itemsOf(roomB.doc)).toEqual(['sans Redis']);
      const control = new Redis(url);
      try {
        for (let i = 0; ; i++) {
          const [, count] = (await control.pubsub('NUMSUB', 'usine:room:13001/page/late')) as [
            string,
            number,
          ];
          if (Number(count) >= 2) break;
          if (i > 200) throw new Error('both nodes never subscribed');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        control.disconnect();
      }
      send(connA, client, 'avec Redis');
      await waitFor(() => itemsOf(roomB.doc).includes('avec Redis'), 'A’s edit live on B', 5_000);
    } finally {
      await roomsA.close();
      await fanoutA.close();
      await store.close();
      await lateRedis.stop();
    }
  }, 30_000);

  it('[CLUSTER-11] a Redis with a password: joined with REDIS_PASSWORD (out of the URL), not without it', async () => {
    const guarded = await startThrowawayRedis(undefined, { password: 'mot-de-passe-redis-2026' });
    const store = await PgDocStore.open(postgres.url, { maxConnections: 2 });
    const fanout = (password?: string) =>
      new RedisFanout({ url: guarded.url, password, store, logger: silentLogger, sweepIntervalMs: 1e9 });
    const [withPassword, without] = [fanout('mot-de-passe-redis-2026'), fanout()];
    try {
      await waitFor(() => withPassword.connected, 'joined with the password', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(without.connected).toBe(false);
    } finally {
      await withPassword.close();
      await without.close();
      await store.close();
      await guarded.stop();
    }
  }, 30_000);

  it('[CLUSTER-10] an update coming through Redis is checked as a client’s: a hostile one changes nothing', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const { roomB } = await openOnBoth(a, b, '13001/page/verifiee');
    const before = Y.encodeStateVector(roomB.doc);
    const seq = roomB.knownSeq;
    // Plain values nested far beyond the model's depth: refused before Yjs decodes them.
    roomB.applyRemote(seq + 1, seq + 1, [deepAnyUpdate(MAX_VALUE_DEPTH + 50)]);
    expect(Y.encodeStateVector(roomB.doc)).toEqual(before);
    expect(roomB.knownSeq).toBe(seq);
  }, 30_000);

  it('[CLUSTER-10] a message whose sequence range does not match its updates (a forged jump) changes nothing; live updates keep coming', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const { connA, roomB } = await openOnBoth(a, b, '13001/page/sequence');
    const seq = roomB.knownSeq;
    const forged = encoding.createEncoder();
    encoding.writeVarString(forged, 'un-autre-noeud');
    encoding.writeVarUint(forged, 0); // updates
    encoding.writeVarUint(forged, seq + 1);
    encoding.writeVarUint(forged, 1_000_000_000);
    encoding.writeVarUint(forged, 1);
    const harmless = new Y.Doc();
    harmless.getText('t').insert(0, 'x');
    encoding.writeVarUint8Array(forged, Y.encodeStateAsUpdate(harmless));
    await control.publish('usine:room:13001/page/sequence', Buffer.from(encoding.toUint8Array(forged)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(roomB.knownSeq).toBeLessThan(1_000_000_000);
    // A real edit on A still reaches B's room.
    send(connA, new Y.Doc(), 'toujours en direct');
    await waitFor(() => itemsOf(roomB.doc).includes('toujours en direct'), 'A’s edit on B');
  }, 30_000);

  it('a message above the size bound or malformed changes nothing; the store is read instead [CLUSTER-2]', async () => {
    const [a, b] = [await startNode(), await startNode({ maxMessageBytes: 1_000 })];
    const { roomB } = await openOnBoth(a, b, '13001/page/bounds');
    const channel = 'usine:room:13001/page/bounds';
    const before = Y.encodeStateVector(roomB.doc);
    await control.publish(channel, Buffer.alloc(5_000, 1));
    await control.publish(channel, Buffer.from([3, 0xff, 0xff]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Y.encodeStateVector(roomB.doc)).toEqual(before);
    expect(b.fanout.connected).toBe(true);
    expect(roomB.hasGap).toBe(false);
  }, 30_000);
});
