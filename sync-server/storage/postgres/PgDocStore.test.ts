// PgDocStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts): the same
// contract suite as SQLite, then what only several nodes on one database can break — two store
// instances (two "nodes") appending to one room, compacting it together — plus a huge update
// and a crash of PostgreSQL right after the acknowledgement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docStoreContract } from '../DocStore.contract';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tests/throwawayPostgres';
import { openPostgres } from './pgDatabase';
import { PgDocStore } from './PgDocStore';

const availability = postgresAvailability();

describe.runIf(availability.available)('PgDocStore on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** A store on an emptied schema. */
  async function freshStore(): Promise<PgDocStore> {
    const store = await PgDocStore.open(server.url, { maxConnections: 4 });
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await db.deleteFrom('doc_rooms').execute();
    } finally {
      await db.destroy();
    }
    await store.refreshCommuneBytes();
    return store;
  }

  docStoreContract('PgDocStore', async () => ({ store: await freshStore(), cleanup: async () => {} }));

  function textUpdate(doc: Y.Doc, text: string): Uint8Array {
    const before = Y.encodeStateVector(doc);
    doc.getText('t').insert(doc.getText('t').length, text);
    return Y.encodeStateAsUpdate(doc, before);
  }

  function replayText(updates: Uint8Array[]): string {
    const doc = new Y.Doc();
    for (const update of updates) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  }

  it('[CLU-5] a commune whose data was deleted gets nothing written back, from any node', async () => {
    const nodeA = await freshStore();
    const nodeB = await PgDocStore.open(server.url, { maxConnections: 2 });
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await nodeA.appendUpdates('13001/page/a-effacer', [textUpdate(new Y.Doc(), 'avant')]);
      await nodeA.appendUpdates('13002/page/a-garder', [textUpdate(new Y.Doc(), 'garde')]);
      // Node A deletes the commune's data (marked, then deleted); node B still had edits to flush.
      await db
        .insertInto('commune_data_deleted')
        .values({ insee: '13001', deleted_at: Date.now() })
        .execute();
      expect(await nodeA.deleteCommune('13001')).toBe(1);
      await expect(
        nodeB.appendUpdates('13001/page/a-effacer', [textUpdate(new Y.Doc(), 'après')]),
      ).rejects.toThrow(/supprimées/);
      // Another commune in the same moment is written as usual.
      await nodeB.appendUpdates('13002/page/a-garder', [textUpdate(new Y.Doc(), ' encore')]);
      expect((await nodeA.loadDoc('13001/page/a-effacer')).updates).toHaveLength(0);
      expect((await nodeA.loadDoc('13002/page/a-garder')).updates).toHaveLength(2);
    } finally {
      await db.deleteFrom('commune_data_deleted').execute();
      await db.destroy();
      await nodeB.close();
    }
  });

  it('stores and loads a 24 MB update byte for byte, and compacts it', async () => {
    const store = await freshStore();
    try {
      const doc = new Y.Doc();
      const huge = textUpdate(doc, 'x'.repeat(24 * 1024 * 1024));
      const small = textUpdate(doc, 'fin');
      expect(await store.appendUpdates('13001/page/huge0001', [huge])).toBe(1);
      expect(await store.appendUpdates('13001/page/huge0001', [small])).toBe(2);
      const loaded = await store.loadDoc('13001/page/huge0001');
      expect(loaded.updates).toHaveLength(2);
      expect(Buffer.from(loaded.updates[0]!).equals(Buffer.from(huge))).toBe(true);
      expect(store.bytesOfCommune('13001')).toBe(huge.length + small.length);
      await store.compact('13001/page/huge0001');
      const compacted = await store.loadDoc('13001/page/huge0001');
      expect(compacted).toMatchObject({ seq: 2 });
      expect(compacted.updates).toHaveLength(1);
      expect(replayText(compacted.updates)).toBe(doc.getText('t').toString());
    } finally {
      await store.close();
    }
  }, 60_000);

  it('rewrites a room up to a seq as one snapshot (page repair), keeping later rows and the seq', async () => {
    const store = await freshStore();
    try {
      const doc = new Y.Doc();
      for (const ch of 'abc') await store.appendUpdates('13001/page/repair01', [textUpdate(doc, ch)]);
      const snapshot = Y.encodeStateAsUpdate(doc);
      const later = textUpdate(doc, 'd');
      await store.appendUpdates('13001/page/repair01', [later]);
      await store.rewriteRoom('13001/page/repair01', 3, snapshot);
      const stored = await store.loadDoc('13001/page/repair01');
      expect(stored.seq).toBe(4);
      expect(stored.updates).toHaveLength(2);
      expect(replayText(stored.updates)).toBe('abcd');
      expect(store.bytesOfCommune('13001')).toBe(snapshot.length + later.length);
    } finally {
      await store.close();
    }
  });

  it('two nodes appending to the same rooms at once: seq strictly increasing, nothing lost', async () => {
    const nodeA = await freshStore();
    const nodeB = await PgDocStore.open(server.url, { maxConnections: 4 });
    try {
      const rooms = ['13001/site', '13001/page/aaaaaaaa'];
      const perNode = 150;
      // Node A goes through the rooms in one order, node B in the other: the batches of both
      // lock both rooms, a deadlock if they locked them in arrival order.
      const burst = (store: PgDocStore, node: string, order: string[]) =>
        Promise.all(
          Array.from({ length: perNode }, (_, i) => {
            const room = order[i % order.length]!;
            const doc = new Y.Doc();
            doc.getArray<string>('ids').push([`${node}${i}`]);
            return store.appendUpdates(room, [Y.encodeStateAsUpdate(doc)]).then((seq) => ({ room, seq }));
          }),
        );
      const [fromA, fromB] = await Promise.all([
        burst(nodeA, 'a', rooms),
        burst(nodeB, 'b', [...rooms].reverse()),
      ]);
      for (const room of rooms) {
        // Each node's appends to a room got strictly increasing numbers, in its order.
        for (const acked of [fromA, fromB]) {
          const seqs = acked.filter((a) => a.room === room).map((a) => a.seq);
          expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
          expect(new Set(seqs).size).toBe(seqs.length);
        }
        // Together: every number from 1 to the total, once.
        const all = [...fromA, ...fromB].filter((a) => a.room === room).map((a) => a.seq);
        expect([...all].sort((x, y) => x - y)).toEqual(Array.from({ length: perNode }, (_, i) => i + 1));
        const stored = await nodeB.loadDoc(room);
        expect(stored.seq).toBe(perNode);
        const doc = new Y.Doc();
        for (const update of stored.updates) Y.applyUpdate(doc, update);
        expect(doc.getArray('ids').length).toBe(perNode);
      }
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  }, 60_000);

  it('two nodes compacting a room while both append to it: nothing lost, one snapshot row', async () => {
    const nodeA = await freshStore();
    const nodeB = await PgDocStore.open(server.url, { maxConnections: 4 });
    const room = '13001/page/compact1';
    const ids = (n: number, node: string) => Array.from({ length: n }, (_, i) => `${node}${i}`);
    const append = (store: PgDocStore, id: string) => {
      const doc = new Y.Doc();
      doc.getArray<string>('ids').push([id]);
      return store.appendUpdates(room, [Y.encodeStateAsUpdate(doc)]);
    };
    try {
      for (const id of ids(50, 'a')) await append(nodeA, id);
      const racing = [
        ...ids(30, 'b').map((id) => append(nodeB, id)),
        nodeA.compact(room),
        nodeB.compact(room),
        ...ids(30, 'c').map((id) => append(nodeA, id)),
        nodeB.compact(room),
      ];
      await Promise.all(racing);
      await nodeA.compact(room);
      const stored = await nodeB.loadDoc(room);
      expect(stored.seq).toBe(110);
      expect(stored.updates).toHaveLength(1);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, stored.updates[0]!);
      expect(new Set(doc.getArray<string>('ids').toArray())).toEqual(
        new Set([...ids(50, 'a'), ...ids(30, 'b'), ...ids(30, 'c')]),
      );
      expect(await nodeA.countUpdates(room)).toBe(1);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  }, 60_000);

  it('an acknowledged append survives PostgreSQL crashing right after (synchronous_commit forced on)', async () => {
    // The throwaway cluster runs with synchronous_commit=off server-wide: only the store's own
    // session setting makes a commit wait for its WAL to be on disk.
    const store = await freshStore();
    const doc = new Y.Doc();
    let acked = 0;
    try {
      for (let i = 0; i < 40; i++) acked = await store.appendUpdates('13001/site', [textUpdate(doc, 'k')]);
      await server.crash();
    } finally {
      await store.close().catch(() => {});
    }
    const reopened = await PgDocStore.open(server.url, { maxConnections: 2 });
    try {
      const stored = await reopened.loadDoc('13001/site');
      expect(stored.seq).toBe(acked);
      expect(replayText(stored.updates)).toBe('k'.repeat(40));
    } finally {
      await reopened.close();
    }
  }, 60_000);
});
