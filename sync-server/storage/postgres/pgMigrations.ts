/**
 * The PostgreSQL schema of the cluster mode, as numbered migrations run by Kysely's Migrator
 * (its table `kysely_migration` records which ran; its lock makes two nodes starting together
 * migrate once). Same rule as the SQLite schema (migrations.ts): a released migration is never
 * edited; a change is a new one with the next number.
 *
 * Text columns holding room names use the "C" collation: rooms sort byte by byte, as in SQLite.
 */
import { Migrator, sql, type Kysely, type Migration } from 'kysely';

/** Version 1: the documents' update logs (the SQLite doc_rooms / doc_updates, plus bytes). */
const V1_DOC_LOGS: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('doc_rooms')
      .addColumn('room', sql`text collate "C"`, (c) => c.primaryKey())
      .addColumn('insee', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      // Bytes of the room's stored updates: a commune's quota without scanning its logs.
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('doc_rooms_by_insee').on('doc_rooms').columns(['insee', 'room']).execute();
    await db.schema
      .createTable('doc_updates')
      .addColumn('room', sql`text collate "C"`, (c) =>
        c.notNull().references('doc_rooms.room').onDelete('cascade'),
      )
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('data', 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('doc_updates_pkey', ['room', 'seq'])
      .execute();
  },
};

/**
 * Version 2: the publishing state (the SQLite tables of publishing/, same columns): the
 * publication log, the schedules, the actes online, the page releases. Times are epoch
 * milliseconds (bigint); the JSON columns stay text, read back as SQLite gives them.
 */
const V2_PUBLISHING: Migration = {
  async up(db: Kysely<unknown>) {
    const text = sql`text collate "C"`;
    await db.schema
      .createTable('publications')
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('version', text, (c) => c.notNull())
      .addColumn('published_at', 'bigint', (c) => c.notNull())
      .addColumn('pages', 'integer', (c) => c.notNull())
      .addColumn('published_by', 'text')
      .addPrimaryKeyConstraint('publications_pkey', ['insee', 'version'])
      .execute();
    await db.schema
      .createTable('publication_events')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('version', text, (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('by', 'text')
      .addColumn('by_name', 'text')
      .addColumn('pages', 'integer', (c) => c.notNull())
      .addColumn('changed', 'text', (c) => c.notNull())
      .addColumn('rollback_of', 'text')
      .execute();
    await db.schema
      .createIndex('publication_events_insee')
      .on('publication_events')
      .columns(['insee', 'id'])
      .execute();
    await db.schema
      .createTable('scheduled_publications')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('page_id', text, (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .execute();
    await db.schema
      .createIndex('scheduled_publications_due')
      .on('scheduled_publications')
      .columns(['state', 'at'])
      .execute();
    await db.schema
      .createTable('published_actes')
      .addColumn('insee', text, (c) => c.primaryKey())
      .addColumn('actes', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('version_actes')
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('version', text, (c) => c.notNull())
      .addColumn('actes', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('version_actes_pkey', ['insee', 'version'])
      .execute();
    await db.schema
      .createTable('page_versions')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('page_id', text, (c) => c.notNull())
      .addColumn('meta', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('body_seq', 'bigint')
      .addColumn('released_at', 'bigint', (c) => c.notNull())
      .addColumn('released_by', 'text')
      .execute();
    await db.schema
      .createIndex('page_versions_page')
      .on('page_versions')
      .columns(['insee', 'page_id', 'id'])
      .execute();
    await db.schema
      .createTable('site_version_pages')
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('version', text, (c) => c.notNull())
      .addColumn('page_id', text, (c) => c.notNull())
      .addColumn('page_version_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('site_version_pages_pkey', ['insee', 'version', 'page_id'])
      .execute();
    await db.schema
      .createTable('site_versions_recorded')
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('version', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('site_versions_recorded_pkey', ['insee', 'version'])
      .execute();
  },
};

/**
 * Version 3: the daily jobs run in the cluster (one row per job and day: the node whose
 * insert succeeds runs it, advisoryLocks.ts claimDailyJob).
 */
const V3_DAILY_JOBS: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('daily_job_runs')
      .addColumn('job', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('day', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('daily_job_runs_pkey', ['job', 'day'])
      .execute();
  },
};

/** Version 4: the page history (the SQLite page_snapshots; the Yjs state as bytea). */
const V4_PAGE_SNAPSHOTS: Migration = {
  async up(db: Kysely<unknown>) {
    const text = sql`text collate "C"`;
    await db.schema
      .createTable('page_snapshots')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('insee', text, (c) => c.notNull())
      .addColumn('page_id', text, (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('state', 'bytea', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('page_snapshots_page')
      .on('page_snapshots')
      .columns(['insee', 'page_id', 'id'])
      .execute();
  },
};

/** Every migration by name; names sort in the order they run. */
export const PG_MIGRATIONS: Record<string, Migration> = {
  '0001_doc_logs': V1_DOC_LOGS,
  '0002_publishing': V2_PUBLISHING,
  '0003_daily_jobs': V3_DAILY_JOBS,
  '0004_page_snapshots': V4_PAGE_SNAPSHOTS,
};

export interface PgMigrationResult {
  /** Names of the migrations run by this call (empty when the schema was current). */
  applied: string[];
}

/** Brings the schema to the latest version; throws (with the failing migration) otherwise. */
export async function migratePostgres<DB>(db: Kysely<DB>): Promise<PgMigrationResult> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => PG_MIGRATIONS },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const where = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(
      `migration du schéma PostgreSQL impossible${where} : ${(error as Error).message ?? error}`,
    );
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
