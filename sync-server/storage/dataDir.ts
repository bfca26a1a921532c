/**
 * Opens a DATA_DIR the way the server does: the kernel-held lock first (`serverLock.ts`,
 * waiting a few seconds for a holder that is still dying), then the database. The crash test's
 * child process opens it through this same path.
 */
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './database';
import { DataDirLocked, SERVER_LOCK_WAIT_MS, acquireDataDirLock } from './serverLock';

export interface OpenDataDir {
  db: SqliteDatabase;
  /** Releases the lock; call after closing everything that uses the database. */
  releaseLock: () => void;
}

/** The French refusal of a second server on a DATA_DIR another process uses. */
export function dataDirInUseMessage(dataDir: string, error: DataDirLocked): string {
  const { holder, pid } = error.holder;
  return `le dossier de données ${dataDir} est déjà utilisé par un autre processus (${holder}, pid ${pid ?? 'inconnu'}). Arrêtez-le d'abord : le verrou est levé par le système dès que ce processus s'arrête, même tué.`;
}

/** Takes the DATA_DIR lock, waiting a few seconds for a dying holder; refuses in French. */
export async function lockDataDir(dataDir: string, holder = 'serveur'): Promise<() => void> {
  try {
    return await acquireDataDirLock(dataDir, holder, { waitMs: SERVER_LOCK_WAIT_MS });
  } catch (error) {
    if (error instanceof DataDirLocked) throw new Error(dataDirInUseMessage(dataDir, error));
    throw error;
  }
}

export async function openDataDir(
  dataDir: string,
  holder = 'serveur',
  databaseOptions: OpenDatabaseOptions = {},
): Promise<OpenDataDir> {
  const releaseLock = await lockDataDir(dataDir, holder);
  try {
    return { db: openDatabase(dataDir, databaseOptions), releaseLock };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
