// What must not happen under a live server (tier c, real server and real admin CLI process):
// a second server or a CLI restore/deletion on its DATA_DIR is refused with a French message
// saying what to do; a deletion through the API closes the commune's sockets, unloads its
// rooms and keeps every client (even an administrator's) from writing the data back.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE } from '../../site/syncProtocol';
import { DATABASE_FILE } from '../storage/database';
import type { RunningServer } from '../app/server';
import { HOLDER_FILE, LEGACY_LOCK_FILE } from '../storage/serverLock';
import {
  callApi,
  login,
  openClient,
  rawSocket,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const PASSWORDS = { admin: 'Port-de-Cassis-et-falaises', agent: 'Calanque-de-Port-Miou-26' };

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let admin: LoginResponse;
let agent: LoginResponse;
const clients: TestClient[] = [];

/** The admin CLI as an operator runs it; resolves with its exit code and output. */
async function cli(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tsx, 'sync-server/app/admin.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, BACKUP_DIR: path.join(dataDir, 'backups') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const storedRooms = async (insee: string) =>
  (await callApi(server, 'GET', `/api/communes/${insee}/docs`, admin.accessToken)).body.docs as Array<{
    room: string;
  }>;

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { createDemoAccount: false, reauthorizeIntervalMs: 200 });
  await server.admin.addAgent({
    commune: '13022',
    email: 'admin@ampmetropole.fr',
    password: PASSWORDS.admin,
    role: 'agent',
  });
  await server.admin.addAgent({
    commune: '13022',
    email: 'agent@cassis.fr',
    password: PASSWORDS.agent,
    role: 'agent',
  });
  // The agent also works for La Ciotat: the account survives the deletion of Cassis.
  await server.admin.grantRole('agent@cassis.fr', '13028', 'agent');
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  [admin, agent] = await Promise.all([
    login(server, 'admin@ampmetropole.fr', PASSWORDS.admin),
    login(server, 'agent@cassis.fr', PASSWORDS.agent),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await data?.remove();
});

describe('data directory lock', () => {
  it('[LOCK-1] a second server on the same DATA_DIR refuses to start, in French, and the first keeps working', async () => {
    await expect(startTestServer(data.dir, { createDemoAccount: false })).rejects.toThrow(
      /déjà utilisé par un autre processus \(serveur, pid \d+\)/,
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(JSON.parse(fs.readFileSync(path.join(data.dir, HOLDER_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      holder: 'serveur',
    });
  });

  it('[LOCK-2] the CLI refuses restore and commune deletion while the server runs, says what to do, and changes nothing', async () => {
    const writer = openClient(server, '13022/page/verrou00001', agent.accessToken);
    clients.push(writer);
    await waitSynced(writer);
    writer.doc.getText('t').insert(0, 'Conseil municipal');
    await waitFor(() => writer.acks.length > 1, 'stored');
    const backup = await server.backups.backupNow();
    const databaseBefore = fs.statSync(path.join(data.dir, DATABASE_FILE)).ino;

    const restore = await cli(data.dir, 'restore', '--file', backup.file);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(
      /Le serveur tourne sur .* \(processus \d+\) : arrêtez-le avant de restaurer/,
    );
    expect(fs.statSync(path.join(data.dir, DATABASE_FILE)).ino).toBe(databaseBefore);
    expect(fs.readdirSync(data.dir).some((f) => f.includes('before-restore'))).toBe(false);

    const deletion = await cli(data.dir, 'delete-commune-data', '--commune', '13022', '--confirm', '13022');
    expect(deletion.code).toBe(1);
    expect(deletion.stderr).toMatch(
      /supprimez les données par l'API.*DELETE \/api\/admin\/communes\/13022\/data/,
    );
    expect((await storedRooms('13022')).map((d) => d.room)).toContain('13022/page/verrou00001');
    expect(writer.provider.wsconnected).toBe(true);
  });

  it('[LOCK-3] a pid file left by the previous release never blocks a start, even one naming a live process (a reused pid); the CLI works on a stopped DATA_DIR', async () => {
    const dir = await tempDataDir();
    try {
      // As after a container restart: the old lock names this very process, alive, same host.
      fs.writeFileSync(
        path.join(dir.dir, LEGACY_LOCK_FILE),
        JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), holder: 'serveur' }),
      );
      const other = await startTestServer(dir.dir, { createDemoAccount: false });
      expect(fs.existsSync(path.join(dir.dir, LEGACY_LOCK_FILE))).toBe(false);
      await other.close();
      expect(fs.existsSync(path.join(dir.dir, HOLDER_FILE))).toBe(false);
      const deletion = await cli(dir.dir, 'delete-commune-data', '--commune', '13022', '--confirm', '13022');
      expect(deletion.stderr).toBe('');
      expect(deletion.code).toBe(0);
      expect(fs.existsSync(path.join(dir.dir, HOLDER_FILE))).toBe(false);
    } finally {
      await dir.remove();
    }
  });
});

describe('deletion through the API while clients edit', () => {
  it('[DEL-2] closes the commune’s sockets (an admin’s too), unloads its rooms, and nothing writes the data back', async () => {
    const room = '13022/page/reecrit0001';
    const agentEditor = openClient(server, room, agent.accessToken);
    const adminEditor = openClient(server, '13022/site', admin.accessToken);
    clients.push(agentEditor, adminEditor);
    await Promise.all([waitSynced(agentEditor), waitSynced(adminEditor)]);
    agentEditor.doc.getText('t').insert(0, 'Ordre du jour');
    adminEditor.doc.getMap('site').set('titre', 'Cassis');
    await waitFor(() => agentEditor.acks.length > 1 && adminEditor.acks.length > 1, 'stored');
    const closes: number[] = [];
    for (const c of [agentEditor, adminEditor]) {
      c.provider.on('connection-close', (event) => closes.push(event?.code ?? -1));
    }
    // A connection arriving while the deletion runs.
    const deleting = callApi(server, 'DELETE', '/api/admin/communes/13022/data', admin.accessToken, {
      confirm: '13022',
    });
    const latecomer = rawSocket(server, room, admin.accessToken);
    const deleted = await deleting;
    expect(deleted.status).toBe(200);
    expect(await latecomer.closed).toBe(CLOSE.FORBIDDEN.code);
    await waitFor(() => closes.length >= 2, 'both editors closed');
    expect(closes.slice(0, 2)).toEqual([CLOSE.FORBIDDEN.code, CLOSE.FORBIDDEN.code]);
    // The editors keep their copy; 44xx is terminal for y-websocket, but an editor reconnects
    // on its own (new token, back online): they come back with everything. Refused.
    agentEditor.doc.getText('t').insert(0, 'Encore : ');
    agentEditor.provider.connect();
    adminEditor.provider.connect();
    await waitFor(() => closes.length >= 4, 'both editors refused again');
    expect(closes).toEqual(Array(closes.length).fill(CLOSE.FORBIDDEN.code));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storedRooms('13022')).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^usine_sync_rooms 0$/m);
    expect(
      (await server.audit.list({ insee: '13022' })).some((e) => e.details.detail === 'commune data deleted'),
    ).toBe(true);
    // A new agreement: a role given in the commune again reopens it.
    await server.admin.grantRole('agent@cassis.fr', '13022', 'agent');
    const fresh = openClient(server, '13022/page/nouvelle001', agent.accessToken);
    clients.push(fresh);
    await waitSynced(fresh);
  });
});
