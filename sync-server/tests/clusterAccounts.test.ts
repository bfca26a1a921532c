// [CLU-2] Two real server processes (`sync-server/app/main.ts`) on one throwaway PostgreSQL,
// each with its own DATA_DIR: the accounts and sessions are PostgreSQL's, so a login on node A
// is a login on node B — over the HTTP API and a real y-websocket connection — and a logout
// on A closes the live socket on B within B's re-authorization pass (once a second); a role
// changed by the admin CLI (another process, with DATABASE_URL) reaches B's sockets the same way.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE, MESSAGE_PERSISTED_ACK, SUBPROTOCOL, readPersistedAck } from '../../site/syncProtocol';
import {
  freePort,
  killNow,
  repoRoot,
  startServerProcess,
  waitHealthy,
  type ServerProcess,
} from '../app/serverProcess';
import { tempDataDir, waitFor } from '../app/testHarness';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';

const run = promisify(execFile);
const PASSWORD = 'Calanques-et-garrigue-2026';
const ROOM = '13001/page/cluster01';
/** B's re-authorization runs once a second; the socket must close within that, plus slack. */
const REAUTHORIZE_DEADLINE_MS = 2_500;

interface Editor {
  doc: Y.Doc;
  provider: WebsocketProvider;
  ackedClock: number;
  /** Close code of the first closed connection, with when it came. */
  closed: { code: number; at: number } | null;
}

function openEditor(port: number, token: string): Editor {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, ROOM, doc, {
    protocols: [SUBPROTOCOL, token],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const editor: Editor = { doc, provider, ackedClock: 0, closed: null };
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
    const durable = Y.decodeSnapshot(readPersistedAck(decoder));
    editor.ackedClock = Math.max(editor.ackedClock, durable.sv.get(doc.clientID) ?? 0);
  };
  provider.on('connection-close', (event) => {
    if (event && !editor.closed) {
      editor.closed = { code: event.code, at: Date.now() };
      // A refused token: no reconnection loop for the rest of the test.
      provider.shouldConnect = false;
    }
  });
  return editor;
}

async function api(port: number, path: string, init: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => null)) as Record<string, unknown>,
  };
}

async function login(port: number, email: string): Promise<LoginResponse> {
  const { status, body } = await api(port, '/api/auth/login', { body: { email, password: PASSWORD } });
  if (status !== 200) throw new Error(`login failed: ${status}`);
  return body as unknown as LoginResponse;
}

const availability = postgresAvailability();

/** The audit events of an agent, read from PostgreSQL (every node writes there). */
async function auditEvents(url: string, agentId: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT event FROM audit_log WHERE agent_id = $1 ORDER BY id', [
      agentId,
    ]);
    return rows.map((row: { event: string }) => row.event);
  } finally {
    await client.end();
  }
}

describe.runIf(availability.available)('two nodes on one PostgreSQL share logins', () => {
  let postgres: ThrowawayPostgres;
  const dataDirs: Array<{ dir: string; remove: () => Promise<void> }> = [];
  const nodes: ServerProcess[] = [];
  const ports: number[] = [];
  const editors: Editor[] = [];

  /** The admin CLI as an operator runs it, on node A's DATA_DIR, with DATABASE_URL. */
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'sync-server/app/admin.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDirs[0]!.dir, DATABASE_URL: postgres.url },
    });

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    for (let i = 0; i < 2; i++) dataDirs.push(await tempDataDir());
    // Accounts first (no demo account then): created once, in PostgreSQL, by the CLI.
    for (const email of ['agent@aix.fr', 'promu@aix.fr'])
      await cli([
        'add-agent',
        '--commune',
        '13001',
        '--email',
        email,
        '--password',
        PASSWORD,
        '--role',
        'agent',
      ]);
    for (const data of dataDirs) {
      const port = await freePort();
      ports.push(port);
      nodes.push(startServerProcess(data.dir, port, { env: { DATABASE_URL: postgres.url } }));
    }
    await Promise.all(nodes.map((node, i) => waitHealthy(ports[i]!, node)));
  }, 180_000);

  afterAll(async () => {
    for (const editor of editors) editor.provider.destroy();
    for (const node of nodes) await killNow(node);
    for (const data of dataDirs) await data.remove();
    await postgres?.stop();
  });

  it('[CLU-2] logged in on A, the token works on B (API and sync); a logout on A closes B’s socket within its re-authorization', async () => {
    const [portA, portB] = ports as [number, number];
    const session = await login(portA, 'agent@aix.fr');
    const me = await api(portB, '/api/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'agent@aix.fr' });

    const editor = openEditor(portB, session.accessToken);
    editors.push(editor);
    await waitFor(() => editor.provider.synced, 'editor synced on node B', 15_000);
    editor.doc.getArray<string>('edits').push(['écrit sur B avec un jeton de A']);
    const clock = Y.decodeStateVector(Y.encodeStateVector(editor.doc)).get(editor.doc.clientID) ?? 0;
    await waitFor(() => editor.ackedClock >= clock, 'persisted ack from node B', 15_000);

    const loggedOut = await api(portA, '/api/auth/logout', { token: session.accessToken, body: {} });
    expect(loggedOut.status).toBe(200);
    const logoutAt = Date.now();
    // B refuses the token at once (it reads PostgreSQL), and closes the live socket at its next pass.
    expect((await api(portB, '/api/me', { token: session.accessToken })).status).toBe(401);
    await waitFor(() => editor.closed !== null, 'socket on B closed', 10_000);
    expect(editor.closed!.code).toBe(CLOSE.TOKEN_EXPIRED.code);
    expect(editor.closed!.at - logoutAt).toBeLessThan(REAUTHORIZE_DEADLINE_MS);
    // The refresh token of the ended session is refused by B too.
    const refreshed = await api(portB, '/api/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(401);
    // One audit log for both nodes: the login and logout A recorded, in PostgreSQL.
    const audited = await auditEvents(postgres.url, session.agent.id);
    expect(audited).toEqual(expect.arrayContaining(['auth.login', 'auth.logout']));
  }, 60_000);

  it('[CLU-2] a role changed by the CLI on A’s DATA_DIR closes the agent’s socket on B; it reconnects read-only', async () => {
    const [, portB] = ports as [number, number];
    const session = await login(portB, 'promu@aix.fr');
    const editor = openEditor(portB, session.accessToken);
    editors.push(editor);
    await waitFor(() => editor.provider.synced, 'editor synced on node B', 15_000);
    await cli(['grant-role', '--commune', '13001', '--email', 'promu@aix.fr', '--role', 'relecteur']);
    const changedAt = Date.now();
    await waitFor(() => editor.closed !== null, 'socket on B closed', 10_000);
    expect(editor.closed!.code).toBe(CLOSE.FORBIDDEN.code);
    expect(editor.closed!.at - changedAt).toBeLessThan(REAUTHORIZE_DEADLINE_MS);
    // The same token is still valid: a new connection is admitted, read-only, and stays open
    // through B's next passes (its access kind matches the new role).
    const me = await api(portB, '/api/me', { token: session.accessToken });
    expect(me.body).toMatchObject({ communes: [{ insee: '13001', role: 'relecteur' }] });
    const again = openEditor(portB, session.accessToken);
    editors.push(again);
    await waitFor(() => again.provider.synced, 'read-only editor synced on node B', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(again.closed).toBeNull();
  }, 60_000);

  it('the CLI’s update publications and rollout changes are audited in PostgreSQL, where every node reads the log', async () => {
    const release = await mkdtemp(path.join(os.tmpdir(), 'usine-release-'));
    try {
      const installer = Buffer.from('MZ installateur 2.0.0');
      const name = 'Usine-a-sites-Setup-2.0.0.exe';
      await writeFile(path.join(release, name), installer);
      const sha512 = createHash('sha512').update(installer).digest('base64');
      await writeFile(
        path.join(release, 'latest.yml'),
        yaml.dump({
          version: '2.0.0',
          files: [{ url: name, sha512, size: installer.length }],
          path: name,
          sha512,
        }),
      );
      await cli(['publish-update', '--dir', release, '--rollout', '20']);
      await cli(['set-update-rollout', '--rollout', '60']);
      await expect(cli(['set-update-rollout', '--rollout', '150'])).rejects.toThrow();
    } finally {
      await rm(release, { recursive: true, force: true });
    }
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT event, outcome FROM audit_log WHERE event LIKE 'update.%' ORDER BY id",
      );
      expect(rows).toEqual([
        { event: 'update.published', outcome: 'ok' },
        { event: 'update.rollout_changed', outcome: 'ok' },
        { event: 'update.rollout_changed', outcome: 'refused' },
      ]);
    } finally {
      await client.end();
    }
  });
});
