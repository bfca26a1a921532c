// [PGPUB-1] The PublicationStore contract on SQLite (embedded default) and on a real, throwaway
// PostgreSQL (never skipped under CI=true: throwawayPostgres.ts), then what only several nodes
// on one PostgreSQL can break: the commune lock across two stores, the daily jobs' claim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { tempDataDir } from '../app/testHarness';
import { openDatabase } from '../storage/database';
import { claimDailyJob, LOCK_NAMESPACE, releaseDailyJob } from '../storage/postgres/advisoryLocks';
import { openPostgres, type PgDatabase } from '../storage/postgres/pgDatabase';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../tests/throwawayPostgres';
import { PgPublicationStore } from './PgPublicationStore';
import { publicationStoreContract } from './PublicationStore.contract';
import { PUBLISHING_TABLES, SqlitePublicationStore } from './PublicationStore';
import { SqliteSnapshotStore } from './PageSnapshots';
import { PgSnapshotStore } from './PgSnapshotStore';
import { snapshotStoreContract } from './SnapshotStore.contract';

snapshotStoreContract('SqliteSnapshotStore', async () => {
  const dir = await tempDataDir();
  const db = openDatabase(dir.dir);
  return {
    store: new SqliteSnapshotStore(db),
    cleanup: async () => {
      db.close();
      await dir.remove();
    },
  };
});

publicationStoreContract('SqlitePublicationStore', async () => {
  const dir = await tempDataDir();
  const db = openDatabase(dir.dir);
  return {
    store: new SqlitePublicationStore(db),
    cleanup: async () => {
      db.close();
      await dir.remove();
    },
  };
});

const availability = postgresAvailability();

describe.runIf(availability.available)('PgPublicationStore on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let db: PgDatabase;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    db = await openPostgres(server.url, { maxConnections: 4 });
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  publicationStoreContract('PgPublicationStore', async () => {
    await sql`truncate ${sql.join(PUBLISHING_TABLES.map((t) => sql.table(t)))}`.execute(db);
    const store = await PgPublicationStore.open(db, server.url, 2);
    return { store, cleanup: () => store.close() };
  });

  snapshotStoreContract('PgSnapshotStore', async () => {
    await sql`truncate page_snapshots`.execute(db);
    return { store: new PgSnapshotStore(db), cleanup: async () => {} };
  });

  it('[PGPUB-2] runs one commune job at a time across two nodes, other communes in parallel', async () => {
    const nodeA = await PgPublicationStore.open(db, server.url, 2);
    const nodeB = await PgPublicationStore.open(db, server.url, 2);
    try {
      const trace: string[] = [];
      const job = (label: string, ms: number) => async () => {
        trace.push(`${label}:start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        trace.push(`${label}:end`);
        return label;
      };
      const results = await Promise.all([
        nodeA.withCommuneLock('13001', job('A', 300)),
        nodeB.withCommuneLock('13001', job('B', 50)),
      ]);
      expect(results).toEqual(['A', 'B']);
      // Never interleaved: whichever starts first ends before the other starts.
      expect([
        ['A:start', 'A:end', 'B:start', 'B:end'],
        ['B:start', 'B:end', 'A:start', 'A:end'],
      ]).toContainEqual(trace);

      // Two communes do not wait for each other.
      const started = Date.now();
      await Promise.all([
        nodeA.withCommuneLock('13001', job('C', 300)),
        nodeB.withCommuneLock('13002', job('D', 300)),
      ]);
      expect(Date.now() - started).toBeLessThan(550);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('[PGPUB-2] a job whose lock was lost (its connection to PostgreSQL cut) is stopped by the fence before it switches anything', async () => {
    const node = await PgPublicationStore.open(db, server.url, 2);
    try {
      // Held: the fence lets the job go on.
      expect(await node.withCommuneLock('13001', async (fence) => (await fence(), 'en ligne'))).toBe(
        'en ligne',
      );
      const outcome = node.withCommuneLock('13001', async (fence) => {
        // The lock's session ends under the job (a network cut, PostgreSQL restarted…).
        await sql`select pg_terminate_backend(pid) from pg_locks
                  where locktype = 'advisory' and classid = ${LOCK_NAMESPACE.publication}::int::oid`.execute(
          db,
        );
        await fence();
        return 'basculé';
      });
      await expect(outcome).rejects.toThrow();
      // Another node takes the commune at once.
      const other = await PgPublicationStore.open(db, server.url, 2);
      try {
        expect(await other.withCommuneLock('13001', async (fence) => (await fence(), 'repris'))).toBe(
          'repris',
        );
      } finally {
        await other.close();
      }
    } finally {
      await node.close().catch(() => undefined);
    }
  });

  it('[PGPUB-4] gives a daily job to one node only, once a day', async () => {
    const runs = await Promise.all([
      claimDailyJob(db, 'sauvegarde', '2026-12-05'),
      claimDailyJob(db, 'sauvegarde', '2026-12-05'),
      claimDailyJob(db, 'sauvegarde', '2026-12-05'),
    ]);
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(await claimDailyJob(db, 'sauvegarde', '2026-12-05')).toBe(false);
    expect(await claimDailyJob(db, 'sauvegarde', '2026-12-06')).toBe(true);
    expect(await claimDailyJob(db, 'balayage-medias', '2026-12-05')).toBe(true);
  });

  it('[PGPUB-4] a job that failed gives its claim back: another node runs it the same day', async () => {
    expect(await claimDailyJob(db, 'sauvegarde-ratee', '2026-12-05')).toBe(true);
    expect(await claimDailyJob(db, 'sauvegarde-ratee', '2026-12-05')).toBe(false);
    await releaseDailyJob(db, 'sauvegarde-ratee', '2026-12-05');
    expect(await claimDailyJob(db, 'sauvegarde-ratee', '2026-12-05')).toBe(true);
  });
});
