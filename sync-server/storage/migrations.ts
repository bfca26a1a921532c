/**
 * The server database's schema, as numbered migrations (schema.ts applies them). Rule: a
 * migration is never edited once released — a database that ran it will not run it again; a
 * change is a new migration appended with the next number.
 */
import type { SqliteDatabase } from './database';

export interface Migration {
  /** `PRAGMA user_version` once applied: 1, 2, 3… with no gap. */
  version: number;
  /** One line, for the operator's log. */
  description: string;
  /** Runs inside the migration's transaction: no pragma that a transaction refuses. */
  up(db: SqliteDatabase): void;
}

/**
 * Version 1: the schema the stores' constructors created before it was versioned (commit
 * 4d43685). `IF NOT EXISTS` everywhere: a database of that release (user_version 0) already
 * holds these tables and is recognised as version 1 without a change but the upgrade it used to
 * get at each start (login_failures, replaced by login_throttle, dropped).
 */
const V1_INITIAL = `
  CREATE TABLE IF NOT EXISTS communes (
    insee TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    siren TEXT NOT NULL,
    population INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    color TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS agent_roles (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    insee TEXT NOT NULL REFERENCES communes (insee),
    role TEXT NOT NULL CHECK (role IN ('agent', 'referent', 'relecteur')),
    PRIMARY KEY (agent_id, insee)
  );
  CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    family TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS tokens_by_family ON tokens (family);
  CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS commune_data_deleted (
    insee TEXT PRIMARY KEY,
    deleted_at INTEGER NOT NULL
  );

  DROP TABLE IF EXISTS login_failures;
  CREATE TABLE IF NOT EXISTS login_throttle (
    scope TEXT NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, email, address)
  );

  CREATE TABLE IF NOT EXISTS agent_invitations (
    email TEXT NOT NULL,
    insee TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (email, insee)
  );
  CREATE INDEX IF NOT EXISTS invitations_by_insee ON agent_invitations (insee);

  CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    insee TEXT,
    agent_id TEXT,
    address TEXT,
    outcome TEXT,
    details TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX IF NOT EXISTS audit_by_insee ON audit_log (insee, id);
  CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);

  CREATE TABLE IF NOT EXISTS doc_rooms (
    room TEXT PRIMARY KEY,
    insee TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS doc_rooms_by_insee ON doc_rooms (insee, room);
  CREATE TABLE IF NOT EXISTS doc_updates (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (room, seq)
  );

  CREATE TABLE IF NOT EXISTS page_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    insee TEXT NOT NULL,
    page_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state BLOB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS page_snapshots_page ON page_snapshots (insee, page_id, id);

  CREATE TABLE IF NOT EXISTS publications (
    insee TEXT NOT NULL,
    version TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    published_by TEXT,
    PRIMARY KEY (insee, version)
  );
  CREATE TABLE IF NOT EXISTS publication_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    insee TEXT NOT NULL,
    version TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT,
    by_name TEXT,
    pages INTEGER NOT NULL,
    changed TEXT NOT NULL,
    rollback_of TEXT
  );
  CREATE INDEX IF NOT EXISTS publication_events_insee ON publication_events (insee, id);
  CREATE TABLE IF NOT EXISTS scheduled_publications (
    id TEXT PRIMARY KEY,
    insee TEXT NOT NULL,
    page_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    created_by TEXT,
    state TEXT NOT NULL,
    message TEXT
  );
  CREATE INDEX IF NOT EXISTS scheduled_publications_due ON scheduled_publications (state, at);
  CREATE TABLE IF NOT EXISTS published_actes (
    insee TEXT PRIMARY KEY,
    actes TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS version_actes (
    insee TEXT NOT NULL,
    version TEXT NOT NULL,
    actes TEXT NOT NULL,
    PRIMARY KEY (insee, version)
  );

  CREATE TABLE IF NOT EXISTS page_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    insee TEXT NOT NULL,
    page_id TEXT NOT NULL,
    meta TEXT NOT NULL,
    body TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body_seq INTEGER,
    released_at INTEGER NOT NULL,
    released_by TEXT
  );
  CREATE INDEX IF NOT EXISTS page_versions_page ON page_versions (insee, page_id, id);
  CREATE TABLE IF NOT EXISTS site_version_pages (
    insee TEXT NOT NULL,
    version TEXT NOT NULL,
    page_id TEXT NOT NULL,
    page_version_id INTEGER NOT NULL,
    PRIMARY KEY (insee, version, page_id)
  );
  CREATE TABLE IF NOT EXISTS site_versions_recorded (
    insee TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (insee, version)
  );
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'schéma de la version sans numéro (comptes, documents, publications, journal)',
    up: (db) => db.exec(V1_INITIAL),
  },
];
