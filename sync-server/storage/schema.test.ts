// The versioned schema (schema.ts, migrations.ts) on real SQLite files: an empty DATA_DIR, the
// database the release before it wrote (fixtures/usine-v0.sqlite, see makeUsineV0.ts), a
// database of a newer server, a migration failing halfway, and the copy taken before migrating.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicationsResponse } from '../../site/apiContract';
import { readPageBody } from '../../site/pageBody';
import { RestoreRefused, restoreBackup } from '../operations/Backups';
import { DATABASE_FILE, MIGRATION_BACKUP_DIR, openDatabase } from './database';
import { V0 } from '../tests/fixtures/usineV0';
import { MIGRATIONS } from './migrations';
import { LATEST_SCHEMA_VERSION, SchemaTooNewError, migrate, schemaVersion } from './schema';
import {
  callApi,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsxCli = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const FIXTURE_V0 = path.join(repoRoot, 'sync-server', 'tests', 'fixtures', 'usine-v0.sqlite');
const run = promisify(execFile);

/** Every table and index the stores use (the schema of commit 4d43685). */
const TABLES = [
  'agent_invitations',
  'agent_roles',
  'agents',
  'audit_log',
  'commune_data_deleted',
  'communes',
  'doc_rooms',
  'doc_updates',
  'login_throttle',
  'page_snapshots',
  'page_versions',
  'publication_events',
  'publications',
  'published_actes',
  'scheduled_publications',
  'sessions',
  'site_version_pages',
  'site_versions_recorded',
  'tokens',
  'version_actes',
];

const dirs: Array<{ remove: () => Promise<void> }> = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await dir.remove();
});

async function dataDir(): Promise<string> {
  const dir = await tempDataDir();
  dirs.push(dir);
  return dir.dir;
}

/**
 * A DATA_DIR holding a copy of the database the release before the versioned schema wrote. The
 * fixture itself is never opened: even a read-only connection leaves files next to it.
 */
async function dataDirFromV0(): Promise<string> {
  const dir = await dataDir();
  fs.copyFileSync(FIXTURE_V0, path.join(dir, DATABASE_FILE));
  return dir;
}

/** `type name` → its SQL, whitespace folded: what "the same schema" means. */
function schemaOf(db: Database.Database): Map<string, string> {
  const rows = db
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL")
    .all() as Array<{ type: string; name: string; sql: string }>;
  return new Map(rows.map((r) => [`${r.type} ${r.name}`, r.sql.replace(/\s+/g, ' ').replace(/\( /g, '(')]));
}

function rowCounts(db: Database.Database): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    counts[table] = (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  return counts;
}

function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function migrationBackups(dir: string): string[] {
  const backups = path.join(dir, MIGRATION_BACKUP_DIR);
  if (!fs.existsSync(backups)) return [];
  return fs.readdirSync(backups).filter((name) => name.startsWith('avant-migration-'));
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('versioned schema', () => {
  it('numbers the migrations 1, 2, 3… with no gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('creates every table at the latest version in an empty DATA_DIR, with no backup', async () => {
    const dir = await dataDir();
    const db = openDatabase(dir);
    try {
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      const tables = (
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
          )
          .all() as Array<{ name: string }>
      ).map((r) => r.name);
      expect(tables).toEqual(TABLES);
    } finally {
      db.close();
    }
    expect(migrationBackups(dir)).toEqual([]);
  });

  it('gives a new database exactly the schema the release before wrote (tables and indexes)', async () => {
    const fresh = await dataDir();
    const db = openDatabase(fresh);
    const created = schemaOf(db);
    db.close();
    const written = readOnly(path.join(await dataDirFromV0(), DATABASE_FILE), schemaOf);
    expect([...created.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [name, sql] of written) expect(created.get(name), name).toBe(sql);
  });

  it('migrates a database of the release before: every row kept, a backup of it taken first, then none', async () => {
    const dir = await dataDirFromV0();
    // The upgrade the release before ran at each start: the old login_failures table dropped.
    const old = new Database(path.join(dir, DATABASE_FILE));
    old.exec('CREATE TABLE login_failures (email TEXT, at INTEGER)');
    old.close();
    const before = readOnly(path.join(dir, DATABASE_FILE), rowCounts);
    expect(readOnly(path.join(dir, DATABASE_FILE), schemaVersion)).toBe(0);
    expect(before.doc_updates).toBeGreaterThan(0);
    expect(before.publication_events).toBe(1);

    const db = openDatabase(dir);
    try {
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      expect(rowCounts(db)).toEqual(before);
      expect(
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'login_failures'").get(),
      ).toBeUndefined();
    } finally {
      db.close();
    }
    const backups = migrationBackups(dir);
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(
      new RegExp(`^avant-migration-v${LATEST_SCHEMA_VERSION}-\\d{8}T\\d{9}Z\\.sqlite$`),
    );
    const backup = path.join(dir, MIGRATION_BACKUP_DIR, backups[0]!);
    expect(readOnly(backup, schemaVersion)).toBe(0);
    expect(readOnly(backup, rowCounts)).toEqual(before);

    // Up to date now: opening again migrates nothing and copies nothing.
    openDatabase(dir).close();
    expect(migrationBackups(dir)).toEqual(backups);
  });

  it('serves the data of the release before after the upgrade: old passwords, page text, history', async () => {
    const dir = await dataDirFromV0();
    const logged: Array<{ event: string; fields?: Record<string, unknown> }> = [];
    const server = await startTestServer(dir, {
      createDemoAccount: false,
      scheduleIntervalMs: 0,
      logger: { log: (_level, event, fields) => logged.push({ event, fields }) },
    });
    const clients: Array<{ destroy(): void }> = [];
    try {
      // The operator reads in the log that the schema changed and where the copy is.
      expect(logged.filter((l) => l.event === 'schema.migrated')).toEqual([
        {
          event: 'schema.migrated',
          fields: {
            from: 0,
            to: LATEST_SCHEMA_VERSION,
            backup: path.join(dir, MIGRATION_BACKUP_DIR, migrationBackups(dir)[0]!),
          },
        },
      ]);
      const agent = await login(server, V0.agent.email, V0.agent.password);
      const referent = await login(server, V0.referent.email, V0.referent.password);
      expect(agent.accessToken).toBeTruthy();

      const history = await callApi(server, 'GET', '/api/communes/13001/publications', agent.accessToken);
      expect(history.status).toBe(200);
      const { publications } = history.body as PublicationsResponse;
      expect(publications).toHaveLength(1);
      // The published files are not part of the fixture (only the database is): not kept.
      expect(publications[0]).toMatchObject({ pages: 1, rollbackOf: null, kept: false });
      const change = publications[0]!.changed.find((c) => c.title === V0.title);
      expect(change).toBeDefined();

      const body = openClient(server, `13001/page/${change!.pageId}`, agent.accessToken);
      clients.push(body);
      await waitSynced(body);
      await waitFor(() => JSON.stringify(readPageBody(body.doc)).includes(V0.text), 'page text');

      const members = await callApi(server, 'GET', '/api/communes/13001/agents', referent.accessToken);
      expect(members.body.invitations.map((i: { email: string }) => i.email)).toEqual([V0.invited]);
      const schedule = await callApi(server, 'GET', '/api/communes/13001/schedule', referent.accessToken);
      expect(schedule.body.scheduled ?? schedule.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ pageId: change!.pageId, state: 'pending' })]),
      );
    } finally {
      for (const c of clients) c.destroy();
      await server.close();
    }
  });

  it('refuses, untouched, a database written by a newer server (in French, what to do)', async () => {
    const dir = await dataDir();
    const file = path.join(dir, DATABASE_FILE);
    const created = openDatabase(dir);
    created.prepare("INSERT INTO commune_data_deleted (insee, deleted_at) VALUES ('13001', 1)").run();
    created.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    created.close();
    const hash = sha256(file);

    let refusal: unknown;
    try {
      openDatabase(dir).close();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SchemaTooNewError);
    expect((refusal as Error).message).toBe(
      `Cette base de données a été écrite par une version plus récente du serveur (schéma ${LATEST_SCHEMA_VERSION + 1}, ce serveur connaît le schéma ${LATEST_SCHEMA_VERSION}). Installez la version la plus récente du serveur, ou restaurez une sauvegarde faite avant la mise à jour.`,
    );
    await expect(startTestServer(dir)).rejects.toThrow(/version plus récente du serveur/);
    expect(sha256(file)).toBe(hash);
    expect(migrationBackups(dir)).toEqual([]);
    expect(readOnly(file, schemaVersion)).toBe(LATEST_SCHEMA_VERSION + 1);
  });

  it('the server and the admin CLI print that refusal without a stack and exit non-zero', async () => {
    const dir = await dataDir();
    const created = openDatabase(dir);
    created.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
    created.close();
    const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir };
    for (const args of [['sync-server/app/main.ts'], ['sync-server/app/admin.ts', 'list-communes']]) {
      const failed = await run(process.execPath, [tsxCli, ...args], {
        cwd: repoRoot,
        env,
        timeout: 60_000,
      }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed, args.join(' ')).not.toBeNull();
      expect(failed!.code).toBe(1);
      expect(failed!.stderr).toContain(`schéma ${LATEST_SCHEMA_VERSION + 7}, ce serveur connaît le schéma`);
      expect(failed!.stderr).toContain('Installez la version la plus récente du serveur');
      expect(failed!.stderr).not.toMatch(/\n\s+at /);
      expect(failed!.stderr).not.toContain('inattendue');
    }
  });

  it('restore refuses a backup written by a newer server, replacing nothing', async () => {
    const newer = await dataDir();
    const written = openDatabase(newer);
    written.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    written.close();
    const backupFile = path.join(newer, 'usine-plus-recente.sqlite');
    fs.renameSync(path.join(newer, DATABASE_FILE), backupFile);

    const dir = await dataDirFromV0();
    openDatabase(dir).close();
    const hash = sha256(path.join(dir, DATABASE_FILE));
    expect(() => restoreBackup(backupFile, dir)).toThrow(RestoreRefused);
    expect(() => restoreBackup(backupFile, dir)).toThrow(
      `schéma ${LATEST_SCHEMA_VERSION + 1}, ce serveur connaît le schéma ${LATEST_SCHEMA_VERSION}). Installez la version la plus récente du serveur pour la restaurer. Rien n’a été remplacé.`,
    );
    expect(sha256(path.join(dir, DATABASE_FILE))).toBe(hash);
    expect(fs.readdirSync(dir).filter((name) => name.includes('before-restore'))).toEqual([]);
  });

  it('rolls a migration failing halfway back entirely: nothing half-migrated, the data intact', async () => {
    const dir = await dataDirFromV0();
    const file = path.join(dir, DATABASE_FILE);
    const before = readOnly(file, rowCounts);
    const db = new Database(file);
    try {
      const failing = [
        ...MIGRATIONS,
        {
          version: LATEST_SCHEMA_VERSION + 1,
          description: 'échoue au milieu',
          up(inner: Database.Database) {
            inner.exec('ALTER TABLE agents ADD COLUMN note TEXT');
            inner.exec('DELETE FROM publication_events');
            throw new Error('panne simulée');
          },
        },
      ];
      expect(() => migrate(db, { migrations: failing })).toThrow('panne simulée');
      expect(schemaVersion(db)).toBe(0);
      const columns = (db.pragma('table_info(agents)') as Array<{ name: string }>).map((c) => c.name);
      expect(columns).not.toContain('note');
      expect(rowCounts(db)).toEqual(before);
    } finally {
      db.close();
    }
    // The real migrations then run as if nothing had happened.
    const reopened = openDatabase(dir);
    expect(schemaVersion(reopened)).toBe(LATEST_SCHEMA_VERSION);
    expect(rowCounts(reopened)).toEqual(before);
    reopened.close();
  });
});
