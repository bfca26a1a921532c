/**
 * The contract every SnapshotStore (page history) must meet ([PGPUB-1]), run by
 * publicationStore.test.ts against SqliteSnapshotStore and PgSnapshotStore.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { capture, type SnapshotStore } from './PageSnapshots';

export interface SnapshotStoreFixture {
  store: SnapshotStore;
  cleanup: () => Promise<void>;
}

function docWith(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return doc;
}

export function snapshotStoreContract(name: string, make: () => Promise<SnapshotStoreFixture>): void {
  describe(`${name} — SnapshotStore contract [PGPUB-1]`, () => {
    let fixture: SnapshotStoreFixture;
    let store: SnapshotStore;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('stores a snapshot byte for byte, not twice the same content, newest first', async () => {
      const first = capture('p1', docWith('Bonjour'));
      const id1 = await store.record('13001', first, 'session', ['Camille', 'Ange'], 1000, 50);
      expect(id1).not.toBeNull();
      expect(await store.record('13001', first, 'session', ['Camille'], 1100, 50)).toBeNull();
      const id2 = await store.record('13001', capture('p1', docWith('Bonsoir')), 'session', [], 1200, 50);
      expect(id2!).toBeGreaterThan(id1!);
      expect(await store.list('13001', 'p1', 500)).toEqual([
        { id: id2, at: 1200, reason: 'session', by: [] },
        { id: id1, at: 1000, reason: 'session', by: ['Camille', 'Ange'] },
      ]);
      expect(await store.state('13001', 'p1', id1!)).toEqual(first.state);
      // Another page's or commune's id gives nothing.
      expect(await store.state('13001', 'p2', id1!)).toBeNull();
      expect(await store.state('13002', 'p1', id1!)).toBeNull();
      expect(await store.list('13001', 'p1', 1)).toHaveLength(1);
    });

    it('keeps what was published: a publication upgrades the same session snapshot', async () => {
      const page = capture('p1', docWith('Publié'));
      expect(await store.lastPublished('13001', 'p1')).toBeNull();
      await store.record('13001', page, 'session', ['Camille'], 1000, 50);
      await store.recordPublication(
        '13001',
        [page, capture('p2', docWith('Autre'))],
        ['Dominique'],
        2000,
        50,
      );
      expect((await store.list('13001', 'p1', 500)).map((s) => s.reason)).toEqual(['publication']);
      expect(await store.lastPublished('13001', 'p1')).toEqual(page.state);
      expect((await store.list('13001', 'p2', 500)).map((s) => [s.reason, s.by])).toEqual([
        ['publication', ['Dominique']],
      ]);
    });

    it('keeps the last `keep` session snapshots of a page, every publication one', async () => {
      for (let i = 0; i < 8; i++)
        await store.record(
          '13001',
          capture('p1', docWith(`Version ${i}`)),
          i % 4 === 0 ? 'publication' : 'session',
          ['A'],
          1000 + i,
          3,
        );
      const kept = await store.list('13001', 'p1', 500);
      expect(kept.filter((s) => s.reason === 'publication').map((s) => s.at)).toEqual([1004, 1000]);
      expect(kept.filter((s) => s.reason === 'session').map((s) => s.at)).toEqual([1007, 1006, 1005]);
    });
  });
}
