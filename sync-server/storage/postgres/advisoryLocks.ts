/**
 * PostgreSQL advisory locks for what must run on one node at a time in cluster mode: a
 * commune's publication (held, others wait), a daily job (tried, others skip). A lock is a
 * session lock on one connection taken from the pool for the job's duration; a node that dies
 * loses its connection, and PostgreSQL releases the lock with it.
 *
 * Keys are (namespace, hashtext(name)): the namespace keeps kinds of locks apart.
 *
 * A daily job is not a lock but a claim (claimDailyJob): a lock held while a job runs would let
 * another node run it again once it is released; a row per job and day does not.
 */
import { sql } from 'kysely';
import type { PgDatabase } from './pgDatabase';

/** Namespaces of the locks (first int of the two-key form). */
export const LOCK_NAMESPACE = {
  /** A commune's publications and rollbacks (name: the INSEE code). */
  publication: 0x5051, // "PQ"
  /** A page's history, while a snapshot is compared with the last one and stored. */
  pageHistory: 0x5048, // "PH"
} as const;

/** Runs `job` holding the lock (waits for it); the lock is released whatever `job` does. */
export async function withAdvisoryLock<T>(
  db: PgDatabase,
  namespace: number,
  name: string,
  job: () => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${namespace}::int, hashtext(${name}))`.execute(conn);
    try {
      return await job();
    } finally {
      await sql`select pg_advisory_unlock(${namespace}::int, hashtext(${name}))`.execute(conn);
    }
  });
}

/**
 * Runs `job` if no other session holds the lock, and returns `{ ran: true, value }`; else
 * returns `{ ran: false }` at once.
 */
export async function tryAdvisoryLock<T>(
  db: PgDatabase,
  namespace: number,
  name: string,
  job: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_lock(${namespace}::int, hashtext(${name})) as locked`.execute(conn);
    if (!rows[0]?.locked) return { ran: false } as const;
    try {
      return { ran: true, value: await job() } as const;
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

/** The UTC day of a time, as daily jobs are claimed. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
