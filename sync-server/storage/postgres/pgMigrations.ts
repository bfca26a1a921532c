/**
 * The PostgreSQL schema of the cluster mode, as numbered migrations run by Kysely's Migrator
 * (its table `kysely_migration` records which ran; its lock makes two nodes starting together
 * migrate once). Same rule as the SQLite schema (migrations.ts): a released migration is never
 * edited; a change is a new one with the next number.
 *
 * Text columns holding room names use the "C" collation: rooms sort byte by byte, as in SQLite.
 */
import { Migrator, sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

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
 * Version 2: accounts, roles, tokens, sessions and login throttling (the SQLite tables of the
 * same names, migrations.ts). Times are milliseconds since the epoch (bigint), flags booleans.
 */
const V2_ACCOUNTS: Migration = {
  async up(db: Kysely<unknown>) {
    const ms = (c: ColumnDefinitionBuilder) => c.notNull();
    await db.schema
      .createTable('communes')
      .addColumn('insee', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('siren', 'text', (c) => c.notNull())
      .addColumn('population', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('color', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('admin', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'bigint', ms)
      .execute();
    await db.schema
      .createTable('agent_roles')
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('insee', 'text', (c) => c.notNull().references('communes.insee'))
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('agent', 'referent', 'relecteur')`))
      .addPrimaryKeyConstraint('agent_roles_pkey', ['agent_id', 'insee'])
      .execute();
    await db.schema.createIndex('agent_roles_by_insee').on('agent_roles').columns(['insee']).execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', ms)
      .addColumn('last_used_at', 'bigint', ms)
      .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
    await db.schema.createIndex('sessions_by_agent').on('sessions').columns(['agent_id']).execute();
    await db.schema
      .createTable('tokens')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('access', 'refresh')`))
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', ms)
      .addColumn('rotated', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
    await db.schema.createIndex('tokens_by_family').on('tokens').columns(['family']).execute();
    await db.schema.createIndex('tokens_by_agent').on('tokens').columns(['agent_id']).execute();
    await db.schema.createIndex('tokens_by_expiry').on('tokens').columns(['expires_at']).execute();
    await db.schema
      .createTable('commune_data_deleted')
      .addColumn('insee', 'text', (c) => c.primaryKey())
      .addColumn('deleted_at', 'bigint', ms)
      .execute();
    await db.schema
      .createTable('login_throttle')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_start', 'bigint', ms)
      .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('login_throttle_pkey', ['scope', 'email', 'address'])
      .execute();
    await db.schema.createIndex('login_throttle_by_email').on('login_throttle').columns(['email']).execute();
    await db.schema
      .createIndex('login_throttle_by_address')
      .on('login_throttle')
      .columns(['address'])
      .execute();
  },
};

/** Version 3: the audit log (the SQLite audit_log; `details` is its JSON text, as there). */
const V3_AUDIT: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('insee', 'text')
      .addColumn('agent_id', 'text')
      .addColumn('address', 'text')
      .addColumn('outcome', 'text')
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('audit_by_insee').on('audit_log').columns(['insee', 'id']).execute();
    await db.schema.createIndex('audit_by_event').on('audit_log').columns(['event', 'id']).execute();
    await db.schema.createIndex('audit_by_time').on('audit_log').columns(['at']).execute();
  },
};

/** Version 4: pending invitations (the SQLite agent_invitations). */
const V4_INVITATIONS: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('agent_invitations')
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('insee', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('invited_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_invitations_pkey', ['email', 'insee'])
      .execute();
    await db.schema.createIndex('invitations_by_insee').on('agent_invitations').columns(['insee']).execute();
  },
};

/**
 * Version 5: the publishing state (the SQLite tables of publishing/, same columns): the
 * publication log, the schedules, the actes online, the page releases. Times are epoch
 * milliseconds (bigint); the JSON columns stay text, read back as SQLite gives them.
 */
const V5_PUBLISHING: Migration = {
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
 * Version 6: the daily jobs run in the cluster (one row per job and day: the node whose
 * insert succeeds runs it, advisoryLocks.ts claimDailyJob).
 */
const V6_DAILY_JOBS: Migration = {
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

/** Version 7: the page history (the SQLite page_snapshots; the Yjs state as bytea). */
const V7_PAGE_SNAPSHOTS: Migration = {
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
  '0002_accounts': V2_ACCOUNTS,
  '0003_audit': V3_AUDIT,
  '0004_invitations': V4_INVITATIONS,
  '0005_publishing': V5_PUBLISHING,
  '0006_daily_jobs': V6_DAILY_JOBS,
  '0007_page_snapshots': V7_PAGE_SNAPSHOTS,
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
