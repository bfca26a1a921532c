/** Opens the server's single SQLite file (`{dataDir}/usine.sqlite`) with durable settings. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const DATABASE_FILE = 'usine.sqlite';

export type SqliteDatabase = Database.Database;

export function openDatabase(dataDir: string): SqliteDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we acknowledge it to a client (the persisted ack).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // The admin CLI may write while the server runs.
  db.pragma('busy_timeout = 5000');
  return db;
}
