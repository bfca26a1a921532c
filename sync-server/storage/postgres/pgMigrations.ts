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

/** Every migration by name; names sort in the order they run. */
export const PG_MIGRATIONS: Record<string, Migration> = {
  '0001_doc_logs': V1_DOC_LOGS,
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
