/**
 * One process at a time owns a DATA_DIR for the operations that must not run under a live
 * server: the server holds the lock while it runs, and the admin CLI's `restore`,
 * `delete-commune-data` and `repair-page` take it for their duration.
 *
 * The lock is held by the operating system, never by a pid: an open `BEGIN EXCLUSIVE`
 * transaction on `DATA_DIR/server.lock.sqlite` (an empty SQLite file, nothing is ever written
 * to it). SQLite takes it with POSIX advisory locks (fcntl), which the kernel drops when the
 * process ends, however it ends (SIGKILL, crash, out of memory): a crashed server starts again
 * at once, and no dying or reused pid can fake a holder. SQLite also tracks its locks per
 * file within a process, and a registry here refuses a second holder in the same process at
 * once (tests run several servers in one process).
 *
 * `server.lock.holder` says who holds the lock (holder, pid, since) for the French messages
 * only: it never decides anything. The pid file of earlier releases (`server.lock`) is ignored
 * and removed by the next holder. The lock file itself is never deleted: deleting a locked
 * file would let the next process lock a new file while the old one is still held.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export const LOCK_FILE = 'server.lock.sqlite';
export const HOLDER_FILE = 'server.lock.holder';
/** The pid file of releases before the kernel-held lock: never believed, removed. */
export const LEGACY_LOCK_FILE = 'server.lock';
/** How long a server waits for a holder that is still dying (killed, not yet gone). */
export const SERVER_LOCK_WAIT_MS = 5000;

export interface LockHolder {
  /** null when the holder is not known (it has not written its name yet). */
  pid: number | null;
  host: string;
  holder: string;
  since: string;
}

export class DataDirLocked extends Error {
  constructor(
    readonly holder: LockHolder,
    readonly file: string,
  ) {
    super(`${file} is held by ${holder.holder} (pid ${holder.pid ?? 'unknown'})`);
  }
}

export interface AcquireOptions {
  /** How long to wait for the holder to go before refusing (default 0: refuse at once). */
  waitMs?: number;
}

interface HeldLock {
  db: Database.Database;
  holder: LockHolder;
}

/** Locks held by this process, by the real path of their DATA_DIR. */
const heldInProcess = new Map<string, HeldLock>();
const POLL_MS = 50;
/** SQLite's own wait for a lock another starter holds for an instant (blocks the thread). */
const BUSY_TIMEOUT_MS = 50;

const UNKNOWN_HOLDER: LockHolder = { pid: null, host: '', holder: 'inconnu', since: '' };

/** Who holds the lock, as the holder wrote it; for messages only. */
export function lockHolderInfo(dataDir: string): LockHolder {
  try {
    const content = JSON.parse(
      fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'),
    ) as Partial<LockHolder>;
    return {
      pid: typeof content.pid === 'number' ? content.pid : null,
      host: String(content.host ?? ''),
      holder: String(content.holder ?? UNKNOWN_HOLDER.holder),
      since: String(content.since ?? ''),
    };
  } catch {
    return UNKNOWN_HOLDER;
  }
}

/** Takes the kernel lock, or null when another connection holds it. */
function tryLock(file: string): Database.Database | null {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // No journal file: nothing is ever written, the transaction only holds the lock.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return null;
    throw error;
  }
}

function writeHolder(dataDir: string, holder: LockHolder): void {
  const file = path.join(dataDir, HOLDER_FILE);
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temp, JSON.stringify(holder));
  fs.renameSync(temp, file);
}

function release(key: string, dataDir: string, held: HeldLock): void {
  if (heldInProcess.get(key) !== held) return;
  heldInProcess.delete(key);
  // The holder file first, while the lock still keeps every other process out of it.
  const written = lockHolderInfo(dataDir);
  if (written.pid === held.holder.pid && written.since === held.holder.since) {
    fs.rmSync(path.join(dataDir, HOLDER_FILE), { force: true });
  }
  held.db.close();
}

function take(key: string, dataDir: string, db: Database.Database, holder: string): () => void {
  const held: HeldLock = {
    db,
    holder: { pid: process.pid, host: os.hostname(), holder, since: new Date().toISOString() },
  };
  heldInProcess.set(key, held);
  try {
    fs.rmSync(path.join(dataDir, LEGACY_LOCK_FILE), { force: true });
    writeHolder(dataDir, held.holder);
  } catch (error) {
    release(key, dataDir, held);
    throw error;
  }
  return () => release(key, dataDir, held);
}

/**
 * Takes the DATA_DIR for `holder` ("serveur", "restauration"…), waiting up to `waitMs` for
 * another process's lock to go; throws DataDirLocked when it is still held (at once when this
 * process holds it). Returns the release function.
 */
export async function acquireDataDirLock(
  dataDir: string,
  holder: string,
  options: AcquireOptions = {},
): Promise<() => void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const key = fs.realpathSync(dataDir);
  const file = path.join(dataDir, LOCK_FILE);
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const inProcess = heldInProcess.get(key);
    if (inProcess) throw new DataDirLocked(inProcess.holder, file);
    const db = tryLock(file);
    if (db) return take(key, dataDir, db, holder);
    if (Date.now() >= deadline) throw new DataDirLocked(lockHolderInfo(dataDir), file);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
