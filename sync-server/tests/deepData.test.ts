// Issue #9, findings 5 and 6, replayed against the real server (port 0, real SQLite file, real
// y-websocket client and raw sockets, the real admin CLI):
// - a page's fields nested 20,000 deep sent by an agent are refused; the same data already
//   stored (written before the guard, or restored) no longer breaks publishing or the export,
//   and the admin repair trims it, server running (API) or stopped (CLI);
// - a commune slug reading `../../autre` (a tampered database or backup) never makes publishing
//   write, nor the deletion delete, outside DATA_DIR; `restore` refuses such a backup.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { createPage, pagesMap, readPages, updatePage } from '../../site/siteDoc';
import { CLOSE, MESSAGE_SYNC } from '../../site/syncProtocol';
import { RestoreRefused, restoreBackup } from '../operations/Backups';
import { openDatabase } from '../storage/database';
import { deepFieldsUpdate } from '../sync/hostilePayloads';
import type { RunningServer } from '../app/server';
import { SqliteDocStore } from '../storage/SqliteDocStore';
import {
  isSaved,
  callApi,
  login,
  openClient,
  rawSocket,
  readZip,
  startTestServer,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const PASSWORD = 'Sainte-Victoire-et-Cezanne-1906';
const DEPTH = 20_000;

/** `parent/data` is DATA_DIR: `parent/autre` is where a `../../autre` slug would lead. */
let parent: string;
let dataDir: string;
let server: RunningServer | null = null;
let admin: LoginResponse;
const clients: TestClient[] = [];

async function start(): Promise<RunningServer> {
  server = await startTestServer(dataDir, { createDemoAccount: false });
  admin = await login(server, 'admin@ampmetropole.fr', PASSWORD);
  return server;
}

async function stop(): Promise<void> {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = null;
}

function client(room: string): TestClient {
  const c = openClient(server!, room, admin.accessToken);
  clients.push(c);
  return c;
}

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable', 10_000);

const publish = (insee: string) =>
  callApi(server!, 'POST', `/api/communes/${insee}/publish`, admin.accessToken);

async function exportZip(insee: string): Promise<{ status: number; files: Map<string, Buffer> | null }> {
  const response = await fetch(`${server!.url}/api/communes/${insee}/export`, {
    headers: { authorization: `Bearer ${admin.accessToken}` },
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, files: response.status === 200 ? readZip(bytes) : null };
}

/** The admin CLI as an operator runs it. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tsx, 'sync-server/app/admin.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, BACKUP_DIR: path.join(dataDir, 'backups') },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Appends an update to a room's stored log directly (server stopped): data from before the guard. */
async function storeDirectly(room: string, update: Uint8Array): Promise<void> {
  const db = openDatabase(dataDir);
  try {
    await new SqliteDocStore(db, { writer: 'inline' }).appendUpdates(room, [update]);
  } finally {
    db.close();
  }
}

/** A page created and published by a real client; the manifest as that client knows it. */
async function publishedPage(
  insee: string,
  title: string,
  id?: string,
): Promise<{ pageId: string; manifest: Y.Doc }> {
  const manifest = client(`${insee}/site`);
  await waitSynced(manifest);
  const page = createPage(manifest.doc, { id, title, type: 'elus', updatedBy: 'test' });
  updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
  await saved(manifest);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(manifest.doc));
  return { pageId: page.id, manifest: copy };
}

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

beforeAll(async () => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'usine-deep-'));
  dataDir = path.join(parent, 'data');
  fs.mkdirSync(dataDir);
  const first = await startTestServer(dataDir, { createDemoAccount: false });
  await first.admin.addAgent({
    commune: '13001',
    email: 'admin@ampmetropole.fr',
    password: PASSWORD,
    role: 'referent',
  });
  await first.admin.setAdmin('admin@ampmetropole.fr', true);
  await first.close();
  await start();
}, 30_000);

afterAll(async () => {
  await stop();
  fs.rmSync(parent, { recursive: true, force: true });
});

describe('finding 5: a page nested 20,000 deep', () => {
  it('[DEEP-1] sent by an agent, it is refused (4400); publishing and the export keep working', async () => {
    const { pageId, manifest } = await publishedPage('13001', 'Conseil municipal');
    const attack = deepFieldsUpdate(manifest, pageId, DEPTH);
    expect(attack.byteLength).toBeGreaterThan(200_000);
    const raw = rawSocket(server!, '13001/site', admin.accessToken);
    await raw.opened;
    raw.socket.send(updateMessage(attack));
    const code = await Promise.race([
      raw.closed,
      new Promise((r) => setTimeout(() => r('still open'), 5_000)),
    ]);
    raw.socket.terminate();
    expect(code).toBe(CLOSE.MALFORMED.code);

    const published = await publish('13001');
    expect(published.status).toBe(200);
    expect(published.body.warnings.some((w: { rule: string }) => w.rule === 'unreadable-page')).toBe(false);
    const exported = await exportZip('13001');
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.files!.get('rapport.json')!.toString('utf8'))).toEqual({ illisibles: [] });
    // An editor opening the manifest now reads it whole.
    const editor = client('13001/site');
    await waitSynced(editor);
    expect(readPages(editor.doc).map((p) => p.id)).toContain(pageId);
  }, 60_000);

  it('[DEEP-2] stored before the guard: publish and export skip and report the page; the API repair trims it, live', async () => {
    const { pageId, manifest } = await publishedPage('13001', 'Élus à réparer');
    const before = Y.encodeStateVector(manifest);
    const other = createPage(manifest, { title: 'Mairie', updatedBy: 'test' });
    updatePage(manifest, other.id, { status: 'published' }, 'test');
    await stop();
    // Another page, then the deep fields: as if written before the server bounded depth.
    await storeDirectly('13001/site', Y.encodeStateAsUpdate(manifest, before));
    await storeDirectly('13001/site', deepFieldsUpdate(manifest, pageId, DEPTH));
    await start();

    const published = await publish('13001');
    expect(published.status).toBe(200);
    const warning = published.body.warnings.find((w: { rule: string }) => w.rule === 'unreadable-page');
    expect(warning).toMatchObject({ pageId, page: 'Élus à réparer' });
    expect(warning.message).toMatch(/n’a pas été publiée.*repair-page --commune 13001 --page/);
    const exported = await exportZip('13001');
    expect(exported.status).toBe(200);
    const report = JSON.parse(exported.files!.get('rapport.json')!.toString('utf8'));
    expect(report.illisibles).toEqual([expect.objectContaining({ room: '13001/site', pageId })]);

    // An editor connected during the repair receives the deletions and can read the manifest.
    const editor = client('13001/site');
    await waitSynced(editor);
    const started = performance.now();
    const repaired = await callApi(
      server!,
      'POST',
      `/api/admin/communes/13001/pages/${pageId}/repair`,
      admin.accessToken,
    );
    const repairMs = performance.now() - started;
    expect(repaired.status).toBe(200);
    expect(repaired.body.repaired).toMatchObject({ found: true, manifestTypesRemoved: DEPTH - 2 });
    console.log(`repair of ${DEPTH} levels through the API: ${Math.round(repairMs)} ms`);
    await waitFor(
      () => readPages(editor.doc).some((p) => p.id === pageId),
      'editor reads the repaired page',
      20_000,
    );
    const entries = (await server!.audit.list({ insee: '13001' })).filter((e) => e.event === 'page.repaired');
    expect(entries).toHaveLength(1);

    const again = await publish('13001');
    expect(again.status).toBe(200);
    expect(again.body.warnings.some((w: { rule: string }) => w.rule === 'unreadable-page')).toBe(false);

    // The stored log was rewritten: a restarted server loads the room and reads it.
    await stop();
    await start();
    const fresh = client('13001/site');
    await waitSynced(fresh);
    expect(readPages(fresh.doc).map((p) => p.id)).toEqual(expect.arrayContaining([pageId, other.id]));
    expect(pagesMap(fresh.doc).get(pageId)!.toJSON().fields.members).toEqual([]);
  }, 120_000);

  it('[DEEP-3] the CLI repair refuses under a live server and repairs once it is stopped', async () => {
    // Page ids may begin with « - » (nanoid): the operator passes them as `--page=<id>`.
    const { pageId, manifest } = await publishedPage('13001', 'Réparée hors ligne', '-repairedOffline0001');
    await stop();
    await storeDirectly('13001/site', deepFieldsUpdate(manifest, pageId, DEPTH));
    await start();
    const refused = await cli('repair-page', '--commune', '13001', `--page=${pageId}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/POST \/api\/admin\/communes\/13001\/pages\/.*\/repair/);
    await stop();
    const done = await cli('repair-page', '--commune', '13001', `--page=${pageId}`);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(
      new RegExp(`Page ${pageId} de la commune 13001 réparée : ${DEPTH - 2} éléments`),
    );
    await start();
    const published = await publish('13001');
    expect(published.status).toBe(200);
    expect(published.body.warnings.some((w: { rule: string }) => w.rule === 'unreadable-page')).toBe(false);
  }, 120_000);
});

describe('finding 6: a commune slug that leaves DATA_DIR', () => {
  const escaped = () => path.join(parent, 'autre');

  function tamper(file: string, slug: string): void {
    const db = new Database(file);
    try {
      db.prepare("UPDATE communes SET slug = ? WHERE insee = '13001'").run(slug);
    } finally {
      db.close();
    }
  }

  it('[PATH-1] restore refuses a backup whose commune slug is a path, and replaces nothing', async () => {
    const backup = await server!.backups.backupNow();
    tamper(backup.file, '../../autre');
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'usine-restore-'));
    try {
      fs.writeFileSync(path.join(target, 'usine.sqlite'), 'base actuelle');
      expect(() => restoreBackup(backup.file, target)).toThrow(RestoreRefused);
      expect(() => restoreBackup(backup.file, target)).toThrow(
        /nom de site invalide : « \.\.\/\.\.\/autre »/,
      );
      expect(fs.readFileSync(path.join(target, 'usine.sqlite'), 'utf8')).toBe('base actuelle');
      expect(fs.readdirSync(target)).toEqual(['usine.sqlite']);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  }, 30_000);

  it('[PATH-2] with such a slug in the base, publishing, export and deletion never touch outside DATA_DIR', async () => {
    await publishedPage('13001', 'Page publiée');
    await stop();
    tamper(path.join(dataDir, 'usine.sqlite'), '../../autre');
    fs.mkdirSync(escaped(), { recursive: true });
    fs.writeFileSync(path.join(escaped(), 'a-garder.txt'), 'hors de DATA_DIR');
    await start();

    const published = await publish('13001');
    expect(published.status).not.toBe(200);
    expect(fs.readdirSync(escaped())).toEqual(['a-garder.txt']);
    const exported = await fetch(`${server!.url}/api/communes/13001/export`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(exported.status).not.toBe(200);
    expect(exported.headers.get('content-disposition') ?? '').not.toContain('..');
    const deleted = await callApi(server!, 'DELETE', '/api/admin/communes/13001/data', admin.accessToken, {
      confirm: '13001',
    });
    expect(deleted.status).not.toBe(200);
    expect(fs.readFileSync(path.join(escaped(), 'a-garder.txt'), 'utf8')).toBe('hors de DATA_DIR');
    await stop();
    // The CLI, server stopped: refused with the French reason, nothing deleted anywhere.
    const deletion = await cli('delete-commune-data', '--commune', '13001', '--confirm', '13001');
    expect(deletion.code).toBe(1);
    expect(deletion.stderr).toMatch(/Nom de site refusé : « \.\.\/\.\.\/autre »/);
    const exportCli = await cli('export', '--commune', '13001', '--out', path.join(parent, 'export.zip'));
    expect(exportCli.code).toBe(1);
    expect(fs.readdirSync(escaped())).toEqual(['a-garder.txt']);
    const db = new Database(path.join(dataDir, 'usine.sqlite'));
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM doc_rooms WHERE insee = '13001'").get()).not.toEqual({
        n: 0,
      });
    } finally {
      db.close();
    }
    tamper(path.join(dataDir, 'usine.sqlite'), 'aix-en-provence');
    await start();
  }, 60_000);
});
