// Backups in cluster mode with PostgreSQL's own tools, on a real throwaway PostgreSQL: the
// admin CLI's `backup` writes a pg_dump while documents are being written; the restore drill
// empties the database as a disaster would, restores the dump with the CLI's `restore`, and
// finds every document as it was at the backup, and nothing written after it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sql } from 'kysely';
import { runCommand } from '../app/adminCommands';
import { tempDataDir } from '../app/testHarness';
import { listBackups } from '../operations/Backups';
import { openPostgres } from '../storage/postgres/pgDatabase';
import { libpqEnvironment } from '../storage/postgres/pgDump';
import { PgDocStore } from '../storage/postgres/PgDocStore';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';

const availability = postgresAvailability();
const ROOMS = ['13001/site', '13001/page/horaires', '13008/page/conseil'];

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('libpq environment', () => {
  it('[PGBAK-1] takes the connection from DATABASE_URL into the environment, never the command line', () => {
    expect(libpqEnvironment('postgres://usine:s%C3%A9cret@db.interne:5433/usine?sslmode=require')).toEqual({
      PGHOST: 'db.interne',
      PGPORT: '5433',
      PGUSER: 'usine',
      PGPASSWORD: 'sécret',
      PGDATABASE: 'usine',
      PGSSLMODE: 'require',
    });
  });

  it('[PGBAK-1] passes every connection parameter libpq knows, and refuses one it does not know', () => {
    expect(
      libpqEnvironment(
        'postgres://usine@localhost/usine?host=%2Fvar%2Frun%2Fpostgresql&sslrootcert=%2Fetc%2Fusine%2Fca.pem&connect_timeout=5&application_name=sauvegarde&target_session_attrs=read-write',
      ),
    ).toEqual({
      PGHOST: '/var/run/postgresql',
      PGUSER: 'usine',
      PGDATABASE: 'usine',
      PGSSLROOTCERT: '/etc/usine/ca.pem',
      PGCONNECT_TIMEOUT: '5',
      PGAPPNAME: 'sauvegarde',
      PGTARGETSESSIONATTRS: 'read-write',
    });
    expect(libpqEnvironment('postgres://u:p@db:5432/usine?ssl=true')).toMatchObject({ PGSSLMODE: 'require' });
    expect(() => libpqEnvironment('postgres://u:p@db:5432/usine?sslmod=require')).toThrow(
      /Paramètre « sslmod » de DATABASE_URL inconnu de pg_dump/,
    );
  });
});

describe.runIf(availability.available)('backups of PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let data: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    data = await tempDataDir();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await data?.remove();
  });

  it('[PGBAK-2] restore drill: a pg_dump taken by `backup` brings every document back after the database is lost', async () => {
    const store = await PgDocStore.open(server.url, { maxConnections: 2 });
    const context = {
      values: {},
      dataDir: data.dir,
      backupDir: path.join(data.dir, 'backups'),
      backupCopyDir: undefined,
      databaseUrl: server.url,
    };
    let expected: Map<string, string>;
    try {
      for (const [i, room] of ROOMS.entries()) {
        await store.appendUpdates(room, [textUpdate(`Document ${i} : à garder. `)]);
      }
      expected = new Map(
        await Promise.all(ROOMS.map(async (r) => [r, textOf((await store.loadDoc(r)).updates)] as const)),
      );
      // Writes go on while the dump runs: pg_dump reads one consistent snapshot.
      const writing = (async () => {
        for (let i = 0; i < 20; i++) await store.appendUpdates('13001/page/pendant', [textUpdate(`${i} `)]);
      })();
      expect(await runCommand('backup', context)).toBe(0);
      await writing;
      const backups = listBackups(context.backupDir);
      expect(backups).toHaveLength(1);
      expect(backups[0]!.file).toMatch(/usine-\d{8}T\d{9}Z\.pgdump$/);
      expect(fs.readFileSync(backups[0]!.file).subarray(0, 5).toString()).toBe('PGDMP');
      // Written after the backup: not in it.
      await store.appendUpdates('13001/page/horaires', [textUpdate('Écrit après la sauvegarde.')]);
    } finally {
      await store.close();
    }

    // The disaster: every table gone.
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await sql`DROP SCHEMA public CASCADE`.execute(db);
      await sql`CREATE SCHEMA public`.execute(db);
    } finally {
      await db.destroy();
    }

    const file = listBackups(context.backupDir)[0]!.file;
    expect(await runCommand('restore', { ...context, values: { file } })).toBe(0);
    const restored = await PgDocStore.open(server.url, { maxConnections: 2 });
    try {
      for (const room of ROOMS)
        expect(textOf((await restored.loadDoc(room)).updates)).toBe(expected.get(room));
      expect(textOf((await restored.loadDoc('13001/page/horaires')).updates)).not.toContain('après');
    } finally {
      await restored.close();
    }
  }, 120_000);

  it('[PGBAK-3] a cluster backup is refused by `restore` without DATABASE_URL, in French', async () => {
    const file = path.join(data.dir, 'usine-20261205T040000000Z.pgdump');
    fs.writeFileSync(file, 'PGDMP');
    await expect(
      runCommand('restore', {
        values: { file },
        dataDir: data.dir,
        backupDir: data.dir,
        backupCopyDir: undefined,
      }),
    ).rejects.toThrow(/sauvegarde de PostgreSQL : réglez DATABASE_URL/);
  });
});
