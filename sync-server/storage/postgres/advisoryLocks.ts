/**
 * PostgreSQL advisory locks for what must run on one node at a time in cluster mode: a
 * commune's publication and a page's history (held, others wait). Every namespace of the
 * server's advisory locks is in LOCK_NAMESPACE, so two kinds never collide. A lock is a
 * session lock on one connection taken from the pool for the job's duration; a node that dies
 * loses its connection, and PostgreSQL releases the lock with it.
 *
 * Keys are (namespace, hashtext(name)): the namespace keeps kinds of locks apart.
 *
 * A daily job is not a lock but a claim (claimDailyJob): a lock held while a job runs would let
 * another node run it again once it is released; a row per job and day does not. A job that
 * fails gives its claim back (releaseDailyJob), so another node runs it that day.
 */
import { sql } from 'kysely';
import type { PgDatabase } from './pgDatabase';

/** Namespaces of the locks (first int of the two-key form). */
export const LOCK_NAMESPACE = {
  /** A commune's publications and rollbacks (name: the INSEE code). */
  publication: 0x5051, // "PQ"
  /** A page's history, while a snapshot is compared with the last one and stored. */
  pageHistory: 0x5048, // "PH"
  /**
   * A commune's documents: every commit of updates holds it shared, the deletion of the
   * commune's data exclusive (PgDocStore), so no node writes them back after the deletion.
   */
  communeDocuments: 0x4344, // "CD"
  /** A login throttle counter (name: its key), for a transaction (PgAccountStore). */
  loginThrottle: 0x7468, // "th"
  /** A commune's pending invitations, while their cap is checked (PgInvitationStore). */
  invitations: 0x696e, // "in"
} as const;

/**
 * Throws unless the lock is still held: called by a job right before its one irreversible
 * step. A node whose connection to PostgreSQL broke (a network cut, a restarted server) lost
 * its lock, and another node may hold it now: it must not go on as if it were alone.
 */
export type LockFence = () => Promise<void>;

/** Runs `job` holding the lock (waits for it); the lock is released whatever `job` does. */
export async function withAdvisoryLock<T>(
  db: PgDatabase,
  namespace: number,
  name: string,
  job: (fence: LockFence) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${namespace}::int, hashtext(${name}))`.execute(conn);
    const fence: LockFence = async () => {
      // On the lock's own connection: fails if that session is gone, else reads its locks.
      const { rows } = await sql<{ held: boolean }>`
        select exists (
          select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted
            and classid = ${namespace}::int::oid and objid = hashtext(${name})::oid and objsubid = 2
        ) as held`.execute(conn);
      if (!rows[0]?.held) throw new Error(`verrou ${namespace}/${name} perdu`);
    };
    try {
      return await job(fence);
    } finally {
      await sql`select pg_advisory_unlock(${namespace}::int, hashtext(${name}))`.execute(conn);
    }
  });
}

/**
 * [PGPUB-4] Claims `job` for `day` (e.g. « 2026-12-05 »): true for the one node whose claim
 * is recorded first, false for every other, then and later that day.
 */
export async function claimDailyJob(db: PgDatabase, job: string, day: string): Promise<boolean> {
  const { rows } = await sql<{ job: string }>`
    insert into daily_job_runs (job, day) values (${job}, ${day})
    on conflict do nothing returning job`.execute(db);
  return rows.length === 1;
}

/**
 * Gives a claim back after the job failed: the next node to check that day runs it again (at
 * least once a day, not at most once).
 */
export async function releaseDailyJob(db: PgDatabase, job: string, day: string): Promise<void> {
  await sql`delete from daily_job_runs where job = ${job} and day = ${day}`.execute(db);
}

/** The UTC day of a time, as daily jobs are claimed. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
