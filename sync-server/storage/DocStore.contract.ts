/**
 * The contract every DocStore implementation must meet (STYLE.md 4). Run by
 * DocStore.test.ts against MemoryDocStore and SqliteDocStore, by postgres/PgDocStore.test.ts
 * against PgDocStore on a real PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocStore } from './DocStore';

export interface StoreFixture {
  store: DocStore;
  cleanup: () => Promise<void>;
}

function textUpdate(doc: Y.Doc, text: string): Uint8Array {
  let captured: Uint8Array | null = null;
  const capture = (update: Uint8Array) => (captured = update);
  doc.on('update', capture);
  doc.getText('t').insert(doc.getText('t').length, text);
  doc.off('update', capture);
  return captured!;
}

function replay(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}

// Long by reason: the contract suite, one short `it` per rule, run against each store.
export function docStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`DocStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.store.close();
      await fixture.cleanup();
    });

    it('loads a room never written as empty, with seq 0', async () => {
      expect(await fixture.store.loadDoc('13001/site')).toEqual({ updates: [], seq: 0 });
    });

    it('appends updates with increasing sequence numbers and loads them in order', async () => {
      const { store } = fixture;
      const doc = new Y.Doc();
      expect(await store.appendUpdates('13001/site', [textUpdate(doc, 'a')])).toBe(1);
      expect(await store.appendUpdates('13001/site', [textUpdate(doc, 'b'), textUpdate(doc, 'c')])).toBe(3);
      const loaded = await store.loadDoc('13001/site');
      expect(loaded.seq).toBe(3);
      expect(loaded.updates).toHaveLength(3);
      expect(replay(loaded.updates)).toBe('abc');
      expect(await store.countUpdates('13001/site')).toBe(3);
    });

    it('keeps the order of concurrent appends to one room', async () => {
      const { store } = fixture;
      const doc = new Y.Doc();
      const updates = Array.from({ length: 20 }, (_, i) => textUpdate(doc, String.fromCharCode(97 + i)));
      const seqs = await Promise.all(updates.map((u) => store.appendUpdates('13001/page/concurrent1', [u])));
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(replay((await store.loadDoc('13001/page/concurrent1')).updates)).toBe(
        doc.getText('t').toString(),
      );
    });

    it('stores a copy: changing the caller’s bytes afterwards changes nothing', async () => {
      const { store } = fixture;
      const update = textUpdate(new Y.Doc(), 'x');
      const original = update.slice();
      await store.appendUpdates('13001/site', [update]);
      update.fill(0);
      expect((await store.loadDoc('13001/site')).updates[0]).toEqual(original);
    });

    it('compacts a room into one snapshot with the same content and sequence number', async () => {
      const { store } = fixture;
      const doc = new Y.Doc();
      for (const ch of 'bonjour') await store.appendUpdates('13001/site', [textUpdate(doc, ch)]);
      await store.compact('13001/site');
      const compacted = await store.loadDoc('13001/site');
      expect(compacted.updates).toHaveLength(1);
      expect(compacted.seq).toBe(7);
      expect(replay(compacted.updates)).toBe('bonjour');
      expect(await store.appendUpdates('13001/site', [textUpdate(doc, '!')])).toBe(8);
      expect(replay((await store.loadDoc('13001/site')).updates)).toBe('bonjour!');
    });

    it('lists the rooms of one commune only, sorted, with their sequence numbers', async () => {
      const { store } = fixture;
      const doc = new Y.Doc();
      await store.appendUpdates('13001/site', [textUpdate(doc, 'a'), textUpdate(doc, 'b')]);
      await store.appendUpdates('13001/page/zzzzzzzz', [textUpdate(doc, 'c')]);
      await store.appendUpdates('13001/page/aaaaaaaa', [textUpdate(doc, 'd')]);
      await store.appendUpdates('13002/site', [textUpdate(doc, 'e')]);
      await store.appendUpdates('130011/site', [textUpdate(doc, 'f')]);
      expect(await store.listRooms('13001')).toEqual([
        { room: '13001/page/aaaaaaaa', seq: 1 },
        { room: '13001/page/zzzzzzzz', seq: 1 },
        { room: '13001/site', seq: 2 },
      ]);
      expect(await store.listRooms('13003')).toEqual([]);
    });

    it('deletes every room of one commune and nothing else', async () => {
      const { store } = fixture;
      const doc = new Y.Doc();
      await store.appendUpdates('13001/site', [textUpdate(doc, 'a')]);
      await store.appendUpdates('13001/page/aaaaaaaa', [textUpdate(doc, 'b')]);
      await store.appendUpdates('13002/site', [textUpdate(doc, 'c')]);
      expect(await store.deleteCommune('13001')).toBe(2);
      expect(await store.listRooms('13001')).toEqual([]);
      expect((await store.loadDoc('13001/site')).updates).toEqual([]);
      expect((await store.loadDoc('13002/site')).updates).toHaveLength(1);
    });
  });
}
