// The accounts' reads on the hot paths (every WebSocket upgrade, every re-authorization pass)
// prepare their statements once per connection to the database, not at every call.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDataDir } from '../app/testHarness';
import { openDatabase } from './database';
import { SqliteAccountStore } from './SqliteAccountStore';
import { statementCache } from './statementCache';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function freshDatabase() {
  const data = await tempDataDir();
  const db = openDatabase(data.dir);
  cleanups.push(async () => {
    db.close();
    await data.remove();
  });
  return db;
}

describe('statementCache', () => {
  it('[HOT-8] one statement per SQL text, reused with other parameters', async () => {
    const db = await freshDatabase();
    const sql = statementCache(db);
    const prepare = vi.spyOn(db, 'prepare');
    const first = sql('SELECT ? + 1 AS n');
    expect(sql('SELECT ? + 1 AS n')).toBe(first);
    expect((first.get(1) as { n: number }).n).toBe(2);
    expect((sql('SELECT ? + 1 AS n').get(41) as { n: number }).n).toBe(42);
    expect(sql('SELECT ? + 2 AS n')).not.toBe(first);
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it("[HOT-8] an upgrade's and a re-authorization pass's reads prepare nothing the second time, and read the store's current rows", async () => {
    const db = await freshDatabase();
    const store = new SqliteAccountStore(db);
    const hotReads = () =>
      Promise.all([
        store.tokenContext('no-such-token-hash'),
        store.agentWithRoles('no-such-agent'),
        store.communeDataDeleted('13001'),
        store.accessFacts(['no-such-agent'], ['no-such-session'], ['13001']),
      ]);
    await hotReads();
    const prepare = vi.spyOn(db, 'prepare');
    const [token, agent, deleted, facts] = await hotReads();
    expect(prepare).not.toHaveBeenCalled();
    expect([token, agent, deleted, facts.agents.size, facts.deletedCommunes.size]).toEqual([
      undefined,
      undefined,
      false,
      0,
      0,
    ]);
    // A row written since (by another connection: the admin CLI) is read by the cached statement.
    const other = openDatabase(path.dirname(db.name));
    other
      .prepare('INSERT INTO commune_data_deleted (insee, deleted_at) VALUES (?, ?)')
      .run('13001', Date.now());
    other.close();
    expect(await store.communeDataDeleted('13001')).toBe(true);
    expect((await store.accessFacts([], [], ['13001'])).deletedCommunes.has('13001')).toBe(true);
    expect(prepare).not.toHaveBeenCalled();
  });
});
