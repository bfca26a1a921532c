/**
 * What `restore` checks in a backup's content, beyond SQLite's integrity: every value the
 * server later turns into a path or a file name. A backup is a file an operator may have
 * received from elsewhere; one whose commune slug reads `../../../../srv/autre` would make
 * publishing write, and the deletion of a commune recursively delete, outside DATA_DIR.
 * The paths are checked again where they are used (safePaths.ts); this refuses the backup
 * before it replaces anything.
 */
import type Database from 'better-sqlite3';
import { parseRoom } from '../../site/syncProtocol';
import { isInseeCode, isSiteSlug } from '../storage/safePaths';
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../storage/schema';

/** A publication version's name: the folder `sites/{slug}/versions/{version}`. */
const VERSION = /^\d{8}-\d{9}Z-[0-9a-f]{8}$/;
/** Problems listed in the refusal, at most. */
const SHOWN = 5;

function hasTable(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

/** French descriptions of the values that cannot be trusted; empty when the content is sound. */
export function backupContentProblems(db: Database.Database): string[] {
  const problems: string[] = [];
  // A table absent is created (communes: filled from the registry) when the server starts.
  const communes = hasTable(db, 'communes')
    ? (db.prepare('SELECT insee, slug FROM communes').all() as Array<{ insee: unknown; slug: unknown }>)
    : [];
  for (const { insee, slug } of communes) {
    if (!isInseeCode(insee)) problems.push(`commune au code INSEE invalide : « ${String(insee)} »`);
    if (!isSiteSlug(slug))
      problems.push(`commune ${String(insee)} au nom de site invalide : « ${String(slug)} »`);
  }
  if (hasTable(db, 'doc_rooms')) {
    const rooms = db.prepare('SELECT room, insee FROM doc_rooms').all() as Array<{
      room: unknown;
      insee: unknown;
    }>;
    for (const { room, insee } of rooms) {
      const parsed = typeof room === 'string' ? parseRoom(room) : undefined;
      if (!parsed || parsed.insee !== insee) problems.push(`document au nom invalide : « ${String(room)} »`);
    }
  }
  for (const table of ['publications', 'publication_events', 'version_actes']) {
    if (!hasTable(db, table)) continue;
    const rows = db.prepare(`SELECT DISTINCT insee, version FROM ${table}`).all() as Array<{
      insee: unknown;
      version: unknown;
    }>;
    for (const { insee, version } of rows) {
      if (!isInseeCode(insee) || typeof version !== 'string' || !VERSION.test(version))
        problems.push(`publication au nom de version invalide : « ${String(version)} » (${String(insee)})`);
    }
  }
  return problems;
}

/** The refusal's French message, or null when the content is sound. */
export function backupContentRefusal(db: Database.Database, file: string): string | null {
  const version = schemaVersion(db);
  if (version > LATEST_SCHEMA_VERSION) {
    // The server would refuse to open it: refused now, before it replaces anything.
    return `la sauvegarde ${file} est refusée : elle a été écrite par une version plus récente du serveur (schéma ${version}, ce serveur connaît le schéma ${LATEST_SCHEMA_VERSION}). Installez la version la plus récente du serveur pour la restaurer. Rien n’a été remplacé.`;
  }
  const problems = backupContentProblems(db);
  if (problems.length === 0) return null;
  const more = problems.length > SHOWN ? ` (et ${problems.length - SHOWN} autres)` : '';
  return `la sauvegarde ${file} est refusée : son contenu n’est pas celui d’une base de l’Usine à sites — ${problems
    .slice(0, SHOWN)
    .join(' ; ')}${more}. Rien n’a été remplacé.`;
}
