// Operating the server for the Métropole, through the real server: backups taken while clients
// write and restored into a fresh server (every document compared byte for byte), retention,
// the export of one commune as a zip, the deletion of a commune's data, graceful shutdown,
// logs that never hold a secret, /metrics and /healthz, and the audit trail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage } from '../../site/siteDoc';
import { CLOSE } from '../../site/syncProtocol';
import { Backups, backupsToKeep, listBackups, restoreBackup } from '../operations/Backups';
import { DATABASE_FILE, openDatabase } from '../storage/database';
import type { DocStore } from '../storage/DocStore';
import { pinoLogger, silentLogger } from '../observability/Logger';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  callApi,
  login,
  openClient,
  rawSocket,
  readZip,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PASSWORDS = {
  admin: 'Metropole-2INFO-sauvegardes',
  referent: 'Referente-de-Cassis-13260',
  agent: 'Calanque-de-Port-Miou-1',
};

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
const logLines: string[] = [];
let admin: LoginResponse;
let referent: LoginResponse;
let agent: LoginResponse;
const clients: TestClient[] = [];
const dirs: Array<{ remove: () => Promise<void> }> = [];

function client(room: string, token: string): TestClient {
  const c = openClient(server, room, token);
  clients.push(c);
  return c;
}

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable', 10_000);

/** Every document of the database file, as `room → Y.encodeStateAsUpdate` of its stored rows. */
function documentsOf(dbFile: string): Map<string, Buffer> {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    const rooms = db.prepare('SELECT room FROM doc_rooms ORDER BY room').all() as Array<{ room: string }>;
    const docs = new Map<string, Buffer>();
    for (const { room } of rooms) {
      const doc = new Y.Doc();
      const rows = db.prepare('SELECT data FROM doc_updates WHERE room = ? ORDER BY seq').all(room) as Array<{
        data: Uint8Array;
      }>;
      for (const row of rows) Y.applyUpdate(doc, row.data);
      docs.set(room, Buffer.from(Y.encodeStateAsUpdate(doc)));
    }
    return docs;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    logger: pinoLogger({ destination: { write: (line: string) => logLines.push(line) }, minLevel: 'debug' }),
  });
  await Promise.all([
    server.admin.addAgent({
      commune: '13022',
      email: 'admin@ampmetropole.fr',
      password: PASSWORDS.admin,
      role: 'relecteur',
    }),
    server.admin.addAgent({
      commune: '13022',
      email: 'referente@cassis.fr',
      password: PASSWORDS.referent,
      role: 'referent',
    }),
    server.admin.addAgent({
      commune: '13022',
      email: 'agent@cassis.fr',
      password: PASSWORDS.agent,
      role: 'agent',
    }),
  ]);
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  [admin, referent, agent] = await Promise.all([
    login(server, 'admin@ampmetropole.fr', PASSWORDS.admin),
    login(server, 'referente@cassis.fr', PASSWORDS.referent),
    login(server, 'agent@cassis.fr', PASSWORDS.agent),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await data?.remove();
  for (const dir of dirs) await dir.remove();
});

describe('backups', () => {
  it('[BAK-1] retention keeps the newest of 7 days, 4 weeks and 12 months', () => {
    const day = 86_400_000;
    const start = Date.UTC(2024, 0, 1, 2);
    // Two years of daily backups, plus an on-demand one on the last day.
    const taken = Array.from({ length: 731 }, (_, i) => start + i * day);
    taken.push(taken.at(-1)! + 3_600_000);
    const keep = [...backupsToKeep(taken)].sort((a, b) => a - b);
    const last = taken.at(-1)!;
    // The last 7 days (the on-demand backup replaces its day's daily one).
    for (let i = 0; i < 7; i++) {
      const dayKept = keep.filter(
        (t) => new Date(t).toISOString().slice(0, 10) === new Date(last - i * day).toISOString().slice(0, 10),
      );
      expect(dayKept).toHaveLength(1);
    }
    const months = new Set(keep.map((t) => new Date(t).toISOString().slice(0, 7)));
    expect(months.size).toBe(12);
    expect(keep.length).toBeLessThanOrEqual(7 + 4 + 12);
    expect(keep[0]!).toBeGreaterThan(last - 366 * day);
  });

  it('[BAK-2] a backup taken while clients write is consistent; restored into a fresh server, every document is identical byte for byte', async () => {
    const rooms = [
      '13022/site',
      '13022/page/backup000001',
      '13022/page/backup000002',
      '13022/page/backup000003',
    ];
    const writers = rooms.map((room) => client(room, agent.accessToken));
    await Promise.all(writers.map(waitSynced));
    let writing = true;
    const writeLoop = (async () => {
      let n = 0;
      while (writing) {
        const writer = writers[n % writers.length]!;
        writer.doc.getArray('lignes').push([`ligne ${n++}`]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // Some of every room is durable, and the writes go on: the backup is taken in the middle.
    await waitFor(() => writers.every((w) => w.acks.length > 1), 'first writes durable', 10_000);
    // Online backup while the writes go on.
    const during = await callApi(server, 'POST', '/api/admin/backups', admin.accessToken);
    expect(during.status).toBe(200);
    // It opens, passes integrity_check and loads every document (checked now: a newer backup
    // of the same day replaces it under the retention policy).
    const duringFile = path.join(server.backups.dir, during.body.backup.file as string);
    const integrity = new Database(duringFile, { readonly: true });
    expect(integrity.pragma('integrity_check', { simple: true })).toBe('ok');
    integrity.close();
    expect(documentsOf(duringFile).size).toBe(rooms.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writing = false;
    await writeLoop;
    await Promise.all(writers.map(saved));
    const after = await server.backups.backupNow();
    expect(listBackups(server.backups.dir).map((b) => b.file)).toContain(after.file);

    // Restore the last one into a fresh DATA_DIR and start a fresh server on it.
    const fresh = await tempDataDir();
    dirs.push(fresh);
    expect(restoreBackup(after.file, fresh.dir)).toBeNull();
    const restored = await startTestServer(fresh.dir, { createDemoAccount: false });
    try {
      // Accounts come back with the data: the same agent logs in on the restored server.
      const session = await login(restored, 'agent@cassis.fr', PASSWORDS.agent);
      for (const [i, room] of rooms.entries()) {
        const reader = openClient(restored, room, session.accessToken);
        await waitSynced(reader);
        expect(Buffer.from(Y.encodeStateAsUpdate(reader.doc))).toEqual(
          Buffer.from(Y.encodeStateAsUpdate(writers[i]!.doc)),
        );
        reader.destroy();
      }
    } finally {
      await restored.close();
    }
    // And stored row for row: every document of the source equals the restored one.
    const source = documentsOf(path.join(data.dir, DATABASE_FILE));
    const copy = documentsOf(path.join(fresh.dir, DATABASE_FILE));
    expect([...copy.keys()]).toEqual([...source.keys()]);
    for (const [room, bytes] of source) expect(copy.get(room)!.equals(bytes)).toBe(true);
    expect((await server.audit.list({ event: 'backup.created' })).length).toBeGreaterThanOrEqual(1);
  });

  it('[BAK-3] the CLI lists backups and restores one into a stopped DATA_DIR, keeping the old database aside', async () => {
    const target = await tempDataDir();
    dirs.push(target);
    fs.writeFileSync(path.join(target.dir, DATABASE_FILE), 'pas une base');
    const env = { ...process.env, DATA_DIR: target.dir, BACKUP_DIR: server.backups.dir };
    const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const list = spawnSync(process.execPath, [tsx, 'sync-server/app/admin.ts', 'list-backups'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(list.status).toBe(0);
    const file = list.stdout.trim().split('\n').at(-1)!.split('\t')[2]!;
    const restore = spawnSync(
      process.execPath,
      [tsx, 'sync-server/app/admin.ts', 'restore', '--file', file],
      {
        cwd: repoRoot,
        env,
        encoding: 'utf8',
      },
    );
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toMatch(/Sauvegarde restaurée/);
    expect(fs.readdirSync(target.dir).some((f) => f.startsWith(`${DATABASE_FILE}.before-restore-`))).toBe(
      true,
    );
    expect(documentsOf(path.join(target.dir, DATABASE_FILE)).size).toBeGreaterThan(0);
  });
});

describe('media backups', () => {
  it('[BAK-4] media files are copied once into the backup folder and come back on restore', async () => {
    const source = await tempDataDir();
    const target = await tempDataDir();
    dirs.push(source, target);
    const file = path.join(source.dir, 'media', '13001', `${'cd'.repeat(32)}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'une image');
    const db = openDatabase(source.dir);
    try {
      const backups = new Backups({
        db,
        dir: path.join(source.dir, 'backups'),
        mediaDir: path.join(source.dir, 'media'),
        logger: silentLogger,
      });
      await backups.backupNow();
      // The second backup of the day replaces the first (retention); the media are copied once.
      const second = await backups.backupNow();
      const copy = path.join(source.dir, 'backups', 'media', '13001', `${'cd'.repeat(32)}.png`);
      expect(fs.readFileSync(copy, 'utf8')).toBe('une image');
      restoreBackup(second.file, target.dir);
      expect(fs.readFileSync(path.join(target.dir, 'media', '13001', `${'cd'.repeat(32)}.png`), 'utf8')).toBe(
        'une image',
      );
    } finally {
      db.close();
    }
  });
});

describe('operations', () => {
  it('[OPS-1] logs are JSON lines (pino) and never contain a password or a token', async () => {
    // Exercise every path that handles secrets: failed and successful logins, refresh, sync, logout.
    await callApi(server, 'POST', '/api/auth/login', undefined, {
      email: 'admin@ampmetropole.fr',
      password: 'mauvais-mot-de-passe-42',
    });
    const session = await login(server, 'admin@ampmetropole.fr', PASSWORDS.admin);
    const refreshed = (
      await callApi(server, 'POST', '/api/auth/refresh', undefined, { refreshToken: session.refreshToken })
    ).body as LoginResponse;
    await callApi(server, 'POST', '/api/auth/refresh', undefined, { refreshToken: session.refreshToken }); // reuse
    const other = await login(server, 'admin@ampmetropole.fr', PASSWORDS.admin);
    const c = client('13001/page/logsecrets1', other.accessToken);
    await waitSynced(c);
    await callApi(server, 'POST', '/api/auth/logout', other.accessToken);
    await callApi(server, 'POST', '/api/communes/13001/agents', referent.accessToken, {
      email: 'x@y.fr',
      password: 'azerty123456',
      role: 'agent',
    });
    await server.admin.grantRole('admin@ampmetropole.fr', '13001', 'agent');
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    for (const line of logLines) {
      const record = JSON.parse(line) as { level: string; time: string; event: string };
      expect(record).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        event: expect.any(String),
      });
    }
    for (const secret of [
      ...Object.values(PASSWORDS),
      'mauvais-mot-de-passe-42',
      'azerty123456',
      session.accessToken,
      session.refreshToken,
      refreshed.accessToken,
      refreshed.refreshToken,
      other.accessToken,
      other.refreshToken,
      admin.accessToken,
      admin.refreshToken,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/scrypt\$/);
  });

  it('[OPS-2] /metrics in Prometheus text: connections, rooms, updates/s, persistence latency, publish durations, errors', async () => {
    const c = client('13001/page/metrics0001', agent.accessToken);
    await Promise.race([waitSynced(c), new Promise((resolve) => setTimeout(resolve, 1000))]);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      'usine_sync_connections',
      'usine_sync_rooms',
      'usine_sync_updates_total',
      'usine_sync_updates_per_second',
      'usine_persist_seconds_bucket',
      'usine_publish_seconds_count',
      'usine_errors_total',
      'usine_refusals_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}`, 'm'));
    }
    expect(Number(/^usine_sync_updates_total (\d+)/m.exec(text)![1])).toBeGreaterThan(0);
    expect(Number(/^usine_persist_seconds_count (\d+)/m.exec(text)![1])).toBeGreaterThan(0);
    expect(text).toMatch(/^usine_publish_seconds_bucket\{le="0.5"\} \d+/m);
    expect(text).toMatch(/^usine_refusals_total\{code="forbidden"\} \d+/m);
    const health = await callApi(server, 'GET', '/healthz');
    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', database: 'ok', rooms: expect.any(Number), connections: expect.any(Number) },
    });
  });

  it('[DUR-2] a graceful shutdown writes every update the server received, even those not yet committed', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    let hold = true;
    const held = await startTestServer(dir.dir, {
      createDemoAccount: false,
      // Commits are slow: the updates are in memory only when close() starts.
      wrapStore: (store) =>
        Object.assign(Object.create(store) as DocStore, {
          appendUpdates: async (room: string, updates: Uint8Array[]) => {
            while (hold) await new Promise((resolve) => setTimeout(resolve, 20));
            return store.appendUpdates(room, updates);
          },
        }),
    });
    await held.admin.addAgent({
      commune: '13001',
      email: 'lent@aix.fr',
      password: PASSWORDS.agent,
      role: 'agent',
    });
    const session = await login(held, 'lent@aix.fr', PASSWORDS.agent);
    const a = openClient(held, '13001/page/shutdown001', session.accessToken);
    const b = openClient(held, '13001/page/shutdown001', session.accessToken);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 50; i++) a.doc.getArray('x').push([i]);
    await waitFor(() => b.doc.getArray('x').length === 50, 'the server received everything');
    expect(isSaved(a)).toBe(false);
    const closing = held.close();
    hold = false;
    await closing;
    a.destroy();
    b.destroy();
    const stored = new Y.Doc();
    const db = new Database(path.join(dir.dir, DATABASE_FILE), { readonly: true });
    for (const row of db
      .prepare("SELECT data FROM doc_updates WHERE room = '13001/page/shutdown001' ORDER BY seq")
      .all() as Array<{ data: Uint8Array }>) {
      Y.applyUpdate(stored, row.data);
    }
    db.close();
    expect(stored.getArray('x').toArray()).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('reversibility', () => {
  it('[EXP-1] a référent exports the commune as a zip: docs as Yjs and JSON, the site, media, agents without hashes, the audit log', async () => {
    const manifest = client('13022/site', referent.accessToken);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Horaires de la mairie', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const body = client(`13022/page/${page.id}`, referent.accessToken);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Ouverte du lundi au vendredi.']);
    await Promise.all([saved(manifest), saved(body)]);
    expect((await callApi(server, 'POST', '/api/communes/13022/publish', referent.accessToken)).status).toBe(
      200,
    );
    // A media file as the media routes store it (content-addressed).
    const mediaFile = path.join(data.dir, 'media', '13022', `${'ab'.repeat(32)}.webp`);
    fs.mkdirSync(path.dirname(mediaFile), { recursive: true });
    fs.writeFileSync(mediaFile, 'RIFF----WEBPVP8 ');

    expect((await callApi(server, 'GET', '/api/communes/13022/export', agent.accessToken)).status).toBe(403);
    const response = await fetch(`${server.url}/api/communes/13022/export`, {
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/usine-a-sites-13022-cassis\.zip/);
    const files = readZip(Buffer.from(await response.arrayBuffer()));
    const names = [...files.keys()];
    expect(names).toEqual(
      expect.arrayContaining(['documents/site.yjs', 'documents/site.json', `documents/page-${page.id}.yjs`]),
    );
    expect(names).toEqual(
      expect.arrayContaining(['agents.json', 'journal.json', 'medias.json', 'manifest.json', 'LISEZMOI.txt']),
    );
    expect(names.some((n) => n === 'site/index.html')).toBe(true);
    // Yjs binary: the same content as the live document.
    const restored = new Y.Doc();
    Y.applyUpdate(restored, files.get(`documents/page-${page.id}.yjs`)!);
    expect(JSON.stringify(files.get(`documents/page-${page.id}.json`)!.toString())).toContain(
      'Ouverte du lundi au vendredi.',
    );
    const siteJson = JSON.parse(files.get('documents/site.json')!.toString()) as {
      content: { pages: Record<string, { title: string }> };
    };
    expect(siteJson.content.pages[page.id]!.title).toBe('Horaires de la mairie');
    const agents = files.get('agents.json')!.toString();
    expect(agents).toContain('agent@cassis.fr');
    expect(agents).not.toMatch(/scrypt|password|hash/i);
    expect(files.get('site/index.html')!.toString()).toContain('Horaires de la mairie');
    expect(files.get(`media/${'ab'.repeat(32)}.webp`)!.toString()).toBe('RIFF----WEBPVP8 ');
    const journal = JSON.parse(files.get('journal.json')!.toString()) as Array<{ event: string }>;
    expect(journal.map((e) => e.event)).toContain('site.published');
    expect((await server.audit.list({ event: 'commune.exported' })).at(-1)).toMatchObject({
      insee: '13022',
      agentId: referent.agent.id,
    });

    // The CLI gives the same documents.
    const out = path.join(data.dir, 'export-cli.zip');
    const cli = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'sync-server/app/admin.ts',
        'export',
        '--commune',
        '13022',
        '--out',
        out,
      ],
      { cwd: repoRoot, env: { ...process.env, DATA_DIR: data.dir }, encoding: 'utf8' },
    );
    expect(cli.status).toBe(0);
    const viaCli = readZip(fs.readFileSync(out));
    expect(
      viaCli.get(`documents/page-${page.id}.yjs`)!.equals(files.get(`documents/page-${page.id}.yjs`)!),
    ).toBe(true);
  });

  it('[DEL-1] an admin deletes a commune’s data at the end of its agreement, with confirmation and an audit record', async () => {
    const live = rawSocket(server, '13022/page/backup000001', agent.accessToken);
    await live.opened;
    const unconfirmed = await callApi(
      server,
      'DELETE',
      '/api/admin/communes/13022/data',
      admin.accessToken,
      {},
    );
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.code).toBe('confirmation-required');
    expect(
      (
        await callApi(server, 'DELETE', '/api/admin/communes/13022/data', referent.accessToken, {
          confirm: '13022',
        })
      ).status,
    ).toBe(403);
    const deleted = await callApi(server, 'DELETE', '/api/admin/communes/13022/data', admin.accessToken, {
      confirm: '13022',
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted).toMatchObject({ site: true, agentsDeleted: 2 });
    expect(await live.closed).toBe(CLOSE.FORBIDDEN.code);
    expect(documentsOf(path.join(data.dir, DATABASE_FILE)).size).toBe(0);
    expect(fs.existsSync(path.join(data.dir, 'sites', 'cassis'))).toBe(false);
    expect(fs.existsSync(path.join(data.dir, 'media', '13022'))).toBe(false);
    const db = new Database(path.join(data.dir, DATABASE_FILE), { readonly: true });
    try {
      for (const table of [
        'publications',
        'publication_events',
        'scheduled_publications',
        'published_actes',
      ]) {
        const row = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE insee = '13022'`).get() as {
          n: number;
        };
        expect(row.n, `${table} rows of 13022`).toBe(0);
      }
    } finally {
      db.close();
    }
    expect(
      (
        await callApi(server, 'POST', '/api/auth/login', undefined, {
          email: 'agent@cassis.fr',
          password: PASSWORDS.agent,
        })
      ).status,
    ).toBe(401);
    expect(await server.audit.list({ event: 'commune.data_deleted' })).toEqual([
      expect.objectContaining({ insee: '13022', agentId: admin.agent.id, outcome: 'ok' }),
    ]);
  });
  it('[OPS-3] the audit log holds logins, failures, role changes, publications and exports', async () => {
    const events = [...new Set((await server.audit.list({ limit: 100_000 })).map((e) => e.event))];
    expect(events).toEqual(
      expect.arrayContaining([
        'auth.login',
        'auth.login_failed',
        'auth.refresh_reuse',
        'auth.logout',
        'agent.created',
        'agent.role_changed',
        'site.published',
        'commune.exported',
        'api.refused',
      ]),
    );
  });
});
