/**
 * Brings the server database's schema up to date when it is opened: the migrations of
 * migrations.ts newer than `PRAGMA user_version` run in one IMMEDIATE transaction (all or
 * nothing; a second process opening the same file waits, then finds nothing left to do). A
 * database holding tables is first copied into `{backupDir}/avant-migration-v{N}-{time}.sqlite`
 * (`VACUUM INTO`: a consistent copy, synchronous). A database written by a newer server
 * (user_version above the last migration) is refused, untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqliteDatabase } from './database';
import { MIGRATIONS, type Migration } from './migrations';

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The database comes from a newer server: this one must not read or change it. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `Cette base de données a été écrite par une version plus récente du serveur (schéma ${found}, ce serveur connaît le schéma ${known}). Installez la version la plus récente du serveur, ou restaurez une sauvegarde faite avant la mise à jour.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrateOptions {
  /** Where the copy taken before migrating goes; none without it. */
  backupDir?: string;
  now?: () => number;
  /** Tests only: the migrations to apply instead of migrations.ts's. */
  migrations?: readonly Migration[];
}

export interface MigrationResult {
  from: number;
  to: number;
  /** The copy taken before migrating, or null (nothing to migrate, or an empty database). */
  backup: string | null;
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws SchemaTooNewError when the database is newer than `latest`; reads only. */
export function refuseNewerSchema(db: SqliteDatabase, latest = LATEST_SCHEMA_VERSION): void {
  const found = schemaVersion(db);
  if (found > latest) throw new SchemaTooNewError(found, latest);
}

function holdsTables(db: SqliteDatabase): boolean {
  return (
    db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1")
      .get() !== undefined
  );
}

/** `avant-migration-v1-20261204T165000123Z.sqlite`: the target version, then the UTC time. */
export function migrationBackupName(version: number, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:.]/g, '');
  return `avant-migration-v${version}-${stamp}.sqlite`;
}

function backUp(db: SqliteDatabase, dir: string, version: number, at: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, migrationBackupName(version, at));
  db.prepare('VACUUM INTO ?').run(file);
  return file;
}

export function migrate(db: SqliteDatabase, options: MigrateOptions = {}): MigrationResult {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  refuseNewerSchema(db, latest);
  const from = schemaVersion(db);
  if (from === latest) return { from, to: latest, backup: null };
  const backup =
    options.backupDir && holdsTables(db)
      ? backUp(db, options.backupDir, latest, (options.now ?? Date.now)())
      : null;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated in the meantime.
    refuseNewerSchema(db, latest);
    const current = schemaVersion(db);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
  return { from, to: latest, backup };
}
