/**
 * One process at a time owns a DATA_DIR for the operations that must not run under a live
 * server: the server holds `DATA_DIR/server.lock` (its pid) while it runs, and the admin CLI's
 * `restore` and `delete-commune-data` take the same lock for their duration. A lock whose
 * process is gone (the server was killed) is stale and taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'server.lock';

interface LockContent {
  pid: number;
  host: string;
  holder: string;
  since: string;
}

export class DataDirLocked extends Error {
  constructor(
    readonly holder: LockContent,
    readonly file: string,
  ) {
    super(`${file} is held by ${holder.holder} (pid ${holder.pid})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): LockContent | null {
  try {
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof content.pid !== 'number') return null;
    return {
      pid: content.pid,
      host: String(content.host ?? ''),
      holder: String(content.holder ?? ''),
      since: String(content.since ?? ''),
    };
  } catch {
    return null;
  }
}

/** Who holds the DATA_DIR now, or null (no lock, or a stale one). */
export function liveHolder(dataDir: string): LockContent | null {
  const content = read(path.join(dataDir, LOCK_FILE));
  if (!content) return null;
  // Another machine (shared storage): its pid means nothing here; believe the lock.
  if (content.host !== os.hostname()) return content;
  return alive(content.pid) ? content : null;
}

/**
 * Takes the DATA_DIR for `holder` ("serveur", "restauration"…); throws DataDirLocked when a live
 * process holds it. Returns the release function.
 */
export function acquireDataDirLock(dataDir: string, holder: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const content: LockContent = {
    pid: process.pid,
    host: os.hostname(),
    holder,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(content), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // Only our own lock: never remove one a later process took over.
        if (read(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = liveHolder(dataDir);
      if (existing) throw new DataDirLocked(existing, file);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take ${file}`);
}
