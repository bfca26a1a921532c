/**
 * Backups of the server's SQLite file (convention art. 4.2: daily backup, restorable): taken
 * with SQLite's online backup API while the server runs (a consistent snapshot, writers keep
 * going), named by their UTC time, pruned by a retention policy (7 daily, 4 weekly, 12 monthly
 * by default), and restored into a DATA_DIR with the server stopped.
 *
 * Media files (`DATA_DIR/media/{insee}/{sha256}.{ext}`, immutable) are copied once into
 * `{backupDir}/media/` and kept: a backup is the database file plus that shared folder.
 * Published sites are not backed up: they are rebuilt from the documents by publishing again.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupContentRefusal } from './backupContent';
import { copyBackup, recordedSha256, sha256Of, type BackupCopy } from './backupCopy';
import { DATABASE_FILE, type SqliteDatabase } from '../storage/database';
import type { Logger } from '../observability/Logger';

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12 };

export interface BackupInfo {
  file: string;
  /** UTC time the backup was taken (ms). */
  takenAt: number;
  bytes: number;
  /** The verified off-machine copy, or why it failed (only with `copyDir`). */
  copy?: BackupCopy | { error: string };
}

const NAME = /^usine-(\d{8})T(\d{6})(\d{3})Z\.(?:sqlite|pgdump)$/;

/** `.sqlite`: the embedded database; `.pgdump`: PostgreSQL's, by pg_dump (cluster mode). */
export type BackupKind = 'sqlite' | 'pgdump';

export function backupFileName(at: number, kind: BackupKind = 'sqlite'): string {
  const iso = new Date(at).toISOString(); // 2026-11-22T14:20:48.123Z
  return `usine-${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 19).replace(/:/g, '')}${iso.slice(20, 23)}Z.${kind}`;
}

export function parseBackupFileName(name: string): number | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const [d, t, ms] = [match[1]!, match[2]!, match[3]!];
  return Date.UTC(
    +d.slice(0, 4),
    +d.slice(4, 6) - 1,
    +d.slice(6, 8),
    +t.slice(0, 2),
    +t.slice(2, 4),
    +t.slice(4, 6),
    +ms,
  );
}

function dayKey(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** ISO-8601 week, e.g. 2026-W47. */
function weekKey(at: number): string {
  const date = new Date(at);
  const day = (date.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day + 3));
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round((thursday.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function monthKey(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/**
 * Which backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
 * `monthly` months that have a backup. Everything else may be deleted.
 */
export function backupsToKeep(takenAt: number[], policy: RetentionPolicy = DEFAULT_RETENTION): Set<number> {
  const newestFirst = [...takenAt].sort((a, b) => b - a);
  const keep = new Set<number>();
  for (const [count, key] of [
    [policy.daily, dayKey],
    [policy.weekly, weekKey],
    [policy.monthly, monthKey],
  ] as const) {
    const seen = new Set<string>();
    for (const at of newestFirst) {
      const k = key(at);
      if (seen.has(k)) continue;
      if (seen.size >= count) break;
      seen.add(k);
      keep.add(at);
    }
  }
  return keep;
}

export interface BackupsOptions {
  db: SqliteDatabase;
  dir: string;
  /**
   * Cluster mode: writes a dump of PostgreSQL into the file given (pg_dump, `pgDump.ts`),
   * instead of SQLite's online backup of `db`. The backup is then a `.pgdump`.
   */
  dump?: (file: string) => Promise<void>;
  /** The media folder to back up alongside (`DATA_DIR/media`). */
  mediaDir?: string;
  logger: Logger;
  retention?: RetentionPolicy;
  now?: () => number;
  /** Run by the daily job after its backup (the audit log's retention purge). */
  afterDailyBackup?: () => void | Promise<void>;
  /** Second folder, off the machine, that receives a verified copy of every backup. */
  copyDir?: string;
  /** Told when the copy failed (the backup itself is kept). */
  onCopyFailed?: (error: Error) => void;
  /** Test hook: alters the copy before it is verified. */
  tamperCopy?: (partial: string) => void;
}

export class Backups {
  private readonly options: BackupsOptions;
  private readonly now: () => number;
  private running: Promise<BackupInfo> | null = null;

  constructor(options: BackupsOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get dir(): string {
    return this.options.dir;
  }

  list(): BackupInfo[] {
    return listBackups(this.options.dir);
  }

  /** Takes a backup now (online, consistent), then prunes by the retention policy. */
  backupNow(): Promise<BackupInfo> {
    this.running ??= this.take().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async take(): Promise<BackupInfo> {
    const started = this.now();
    fs.mkdirSync(this.options.dir, { recursive: true });
    const kind: BackupKind = this.options.dump ? 'pgdump' : 'sqlite';
    let takenAt = started;
    // Two backups within one millisecond would share a name.
    while (fs.existsSync(path.join(this.options.dir, backupFileName(takenAt, kind)))) takenAt += 1;
    const file = path.join(this.options.dir, backupFileName(takenAt, kind));
    const partial = `${file}.partial`;
    try {
      if (this.options.dump) await this.options.dump(partial);
      else await this.snapshotSqlite(partial);
    } catch (error) {
      fs.rmSync(partial, { force: true });
      throw error;
    }
    fs.renameSync(partial, file);
    if (this.options.mediaDir) copyMissing(this.options.mediaDir, path.join(this.options.dir, 'media'));
    const bytes = fs.statSync(file).size;
    this.prune();
    let offMachine: BackupInfo['copy'];
    if (this.options.copyDir) {
      try {
        offMachine = await copyBackup(
          file,
          this.options.copyDir,
          this.options.retention,
          this.options.tamperCopy,
        );
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        offMachine = { error: failure.message };
        this.options.logger.log('error', 'backup.copy_failed', { file: path.basename(file), error: failure });
        this.options.onCopyFailed?.(failure);
      }
    }
    this.options.logger.log('info', 'backup.created', {
      file: path.basename(file),
      bytes,
      ms: this.now() - started,
      copied: offMachine && 'sha256' in offMachine,
    });
    return { file, takenAt, bytes, ...(offMachine ? { copy: offMachine } : {}) };
  }

  /** SQLite's online backup API into `partial`, made to stand alone (no WAL to carry along). */
  private async snapshotSqlite(partial: string): Promise<void> {
    await this.options.db.backup(partial);
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
  }

  /** Deletes the backups the retention policy does not keep; returns their file names. */
  prune(): string[] {
    const backups = this.list();
    const keep = backupsToKeep(
      backups.map((b) => b.takenAt),
      this.options.retention,
    );
    const removed: string[] = [];
    for (const backup of backups) {
      if (keep.has(backup.takenAt)) continue;
      fs.rmSync(backup.file, { force: true });
      removed.push(path.basename(backup.file));
    }
    return removed;
  }

  /**
   * Keeps one backup a day: checks every `checkEveryMs` (default hourly) whether today (UTC)
   * has a backup, and takes one if not, then runs `afterDailyBackup`. Returns the disposer.
   * With `claim` (cluster mode), only when it answers true: the node that claimed the day.
   */
  startDaily(
    checkEveryMs = 3_600_000,
    claim?: () => Promise<boolean>,
    release?: () => Promise<void>,
  ): () => void {
    const check = () => {
      const today = dayKey(this.now());
      if (this.list().some((b) => dayKey(b.takenAt) === today)) return;
      // Cluster mode ([PGPUB-4]): one node a day dumps PostgreSQL and purges the audit log.
      (claim ? claim() : Promise.resolve(true))
        .then(async (mine) => {
          if (!mine) return;
          try {
            await this.backupNow();
          } catch (error) {
            // The claim goes back: the next check, on any node, tries again today.
            await release?.();
            throw error;
          }
          await this.options.afterDailyBackup?.();
        })
        .catch((error: unknown) => this.options.logger.log('error', 'backup.failed', { error }));
    };
    const first = setTimeout(check, Math.min(5_000, checkEveryMs));
    const timer = setInterval(check, checkEveryMs);
    first.unref();
    timer.unref();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }
}

/** Copies the files of `from` missing in `to` (media are immutable: never overwritten). */
export function copyMissing(from: string, to: string): number {
  let copied = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(from, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copied += copyMissing(source, target);
    else if (entry.isFile() && !fs.existsSync(target)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, `${target}.partial`);
      fs.renameSync(`${target}.partial`, target);
      copied += 1;
    }
  }
  return copied;
}

export function listBackups(dir: string): BackupInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, takenAt: parseBackupFileName(name) }))
    .filter((b): b is { name: string; takenAt: number } => b.takenAt !== null)
    .map((b) => {
      const file = path.join(dir, b.name);
      return { file, takenAt: b.takenAt, bytes: fs.statSync(file).size };
    })
    .sort((a, b) => a.takenAt - b.takenAt);
}

/**
 * Restores a backup into `dataDir` (the server must be stopped): checks the backup's integrity,
 * keeps the current database aside as `usine.sqlite.before-restore-<time>`, removes its WAL
 * files, and puts the backup in place atomically. Returns the file kept aside, if any.
 */
/** A backup `restore` will not bring back; the message is French. */
export class RestoreRefused extends Error {}

export function restoreBackup(
  backupFile: string,
  dataDir: string,
  now = Date.now(),
  mediaDir = path.join(dataDir, 'media'),
): string | null {
  // A copy from BACKUP_COPY_DIR carries its digest: a damaged copy is never restored.
  const recorded = recordedSha256(backupFile);
  if (recorded && sha256Of(backupFile) !== recorded) {
    throw new Error(
      `la sauvegarde ${path.basename(backupFile)} ne correspond plus à son empreinte SHA-256 (${path.basename(backupFile)}.sha256) : fichier abîmé, prenez-en une autre.`,
    );
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const target = path.join(dataDir, DATABASE_FILE);
  const staging = `${target}.restoring`;
  fs.copyFileSync(backupFile, staging);
  // Checked on the copy: the backup itself is never modified.
  const check = new Database(staging, { fileMustExist: true });
  try {
    const result = check.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`backup ${backupFile} is damaged: ${String(result)}`);
    // Then its content: every value that later becomes a path (backupContent.ts).
    const refusal = backupContentRefusal(check, path.basename(backupFile));
    if (refusal) throw new RestoreRefused(refusal);
  } catch (error) {
    check.close();
    fs.rmSync(staging, { force: true });
    throw error;
  }
  check.close();
  let keptAside: string | null = null;
  if (fs.existsSync(target)) {
    // Checkpoint the current database so the file kept aside is complete on its own.
    try {
      const current = new Database(target);
      try {
        current.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        current.close();
      }
    } catch {
      // Not a readable database: kept aside as it is.
    }
    keptAside = `${target}.before-restore-${backupFileName(now).slice(6, -7)}`;
    fs.renameSync(target, keptAside);
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${target}${suffix}`, { force: true });
  fs.renameSync(staging, target);
  // Media files backed up next to the backup come back too (missing ones only).
  copyMissing(path.join(path.dirname(backupFile), 'media'), mediaDir);
  return keptAside;
}
