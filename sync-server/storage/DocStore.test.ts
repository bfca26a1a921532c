// Runs the DocStore contract against every implementation, plus SQLite's own durability.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDatabase } from './database';
import { docStoreContract } from './DocStore.contract';
import { MemoryDocStore } from './MemoryDocStore';
import { SqliteDocStore } from './SqliteDocStore';
import { tempDataDir } from '../app/testHarness';

docStoreContract('MemoryDocStore', async () => ({ store: new MemoryDocStore(), cleanup: async () => {} }));

docStoreContract('SqliteDocStore', async () => {
  const dir = await tempDataDir();
  const db = openDatabase(dir.dir);
  return {
    store: new SqliteDocStore(db),
    cleanup: async () => {
      db.close();
      await dir.remove();
    },
  };
});

describe('SqliteDocStore', () => {
  it('finds its updates again after the database is closed and reopened', async () => {
    const dir = await tempDataDir();
    try {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, 'durable');
      const db = openDatabase(dir.dir);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      const store = new SqliteDocStore(db);
      await store.appendUpdates('13001/site', [Y.encodeStateAsUpdate(doc)]);
      await store.close();
      db.close();

      const reopened = openDatabase(dir.dir);
      const loaded = await new SqliteDocStore(reopened).loadDoc('13001/site');
      const copy = new Y.Doc();
      for (const u of loaded.updates) Y.applyUpdate(copy, u);
      expect(copy.getText('t').toString()).toBe('durable');
      reopened.close();
    } finally {
      await dir.remove();
    }
  });
});
