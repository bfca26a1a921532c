/**
 * Opens the server's single SQLite file (`{dataDir}/usine.sqlite`) with durable settings and
 * its schema up to date (schema.ts): every opener — server, admin CLI, tests, bench — goes here.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, refuseNewerSchema, type MigrationResult } from './schema';

export const DATABASE_FILE = 'usine.sqlite';
/** Where the copy taken before a schema migration goes (`{dataDir}/backups`). */
export const MIGRATION_BACKUP_DIR = 'backups';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** Called when the schema was migrated (not when it was up to date), e.g. to log it. */
  onMigrated?: (result: MigrationResult) => void;
}

export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  try {
    // The admin CLI may write while the server runs.
    db.pragma('busy_timeout = 5000');
    // Before any pragma that writes: a database of a newer server is left as it is.
    refuseNewerSchema(db);
    db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before we acknowledge it to a client (the persisted ack).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const result = migrate(db, { backupDir: path.join(dataDir, MIGRATION_BACKUP_DIR) });
    if (result.from !== result.to) options.onMigrated?.(result);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
