// The real server (`sync-server/app/main.ts`, in a child process) with DATABASE_URL on a
// throwaway PostgreSQL: a real y-websocket client edits a page, gets the persisted ack; an edit
// made while PostgreSQL is stopped gets no ack until it is back; the server is SIGKILLed and
// restarted, and a new client finds both edits. The documents are in
// PostgreSQL (the accounts too), not in DATA_DIR's SQLite; the admin CLI refuses the
// commands that would read them from SQLite.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { MESSAGE_PERSISTED_ACK, SUBPROTOCOL, readPersistedAck } from '../../site/syncProtocol';
import {
  freePort,
  killNow,
  repoRoot,
  startServerProcess,
  waitHealthy,
  type ServerProcess,
} from '../app/serverProcess';
import { readZip, tempDataDir, waitFor } from '../app/testHarness';
import { DATABASE_FILE } from '../storage/database';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';

const ROOM = '13008/page/pgserver01';
const run = promisify(execFile);

interface Editor {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Highest own clock covered by a persisted ack. */
  ackedClock: number;
}

function openEditor(port: number, token: string): Editor {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, ROOM, doc, {
    protocols: [SUBPROTOCOL, token],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const editor: Editor = { doc, provider, ackedClock: 0 };
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
    const durable = Y.decodeSnapshot(readPersistedAck(decoder));
    editor.ackedClock = Math.max(editor.ackedClock, durable.sv.get(doc.clientID) ?? 0);
  };
  return editor;
}

async function login(port: number, email: string, password: string): Promise<LoginResponse> {
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  return (await response.json()) as LoginResponse;
}

/** The admin CLI as an operator runs it, with DATABASE_URL. */
async function cli(dataDir: string, databaseUrl: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'sync-server/app/admin.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function pgCount(url: string, query: string, values: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(query, values)).rows[0].n);
  } finally {
    await client.end();
  }
}

const availability = postgresAvailability();

describe.runIf(availability.available)('server with DATABASE_URL on PostgreSQL', () => {
  let postgres: ThrowawayPostgres;
  let data: { dir: string; remove: () => Promise<void> };
  let server: ServerProcess | null = null;
  const editors: Editor[] = [];

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    data = await tempDataDir();
  }, 120_000);
  afterAll(async () => {
    for (const editor of editors) editor.provider.destroy();
    if (server) await killNow(server);
    await data?.remove();
    await postgres?.stop();
  });

  it('an acknowledged edit is in PostgreSQL, one made while PostgreSQL is down is acknowledged once it is back, both survive a SIGKILL and a restart', async () => {
    const port = await freePort();
    const start = async () => {
      server = startServerProcess(data.dir, port, { env: { DATABASE_URL: postgres.url } });
      await waitHealthy(port, server);
      return server;
    };
    const first = await start();
    const demo = /Compte de démonstration \(.*, commune 13008\) : (\S+) \/ (\S+)/.exec(first.output());
    if (!demo) throw new Error(`no demo account printed:\n${first.output()}`);
    const session = await login(port, demo[1]!, demo[2]!);

    const writer = openEditor(port, session.accessToken);
    editors.push(writer);
    await waitFor(() => writer.provider.synced, 'first client synced', 15_000);
    writer.doc.getArray<string>('edits').push(['enregistré dans PostgreSQL']);
    const ownClock = Y.decodeStateVector(Y.encodeStateVector(writer.doc)).get(writer.doc.clientID) ?? 0;
    await waitFor(() => writer.ackedClock >= ownClock, 'persisted ack of the edit', 15_000);

    // The documents went to PostgreSQL (the demo commune's seed too), none to DATA_DIR's SQLite.
    expect(await pgCount(postgres.url, 'SELECT COUNT(*) AS n FROM doc_updates WHERE room = $1', [ROOM])).toBe(
      1,
    );
    expect(
      await pgCount(postgres.url, "SELECT COUNT(*) AS n FROM doc_rooms WHERE insee = '13008'", []),
    ).toBeGreaterThan(1);
    expect(await pgCount(postgres.url, 'SELECT COUNT(*) AS n FROM agents WHERE email = $1', [demo[1]])).toBe(
      1,
    );
    expect(await pgCount(postgres.url, 'SELECT COUNT(*) AS n FROM sessions', [])).toBe(1);
    const sqlite = new Database(path.join(data.dir, DATABASE_FILE), { readonly: true });
    try {
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM doc_updates').get() as { n: number }).n).toBe(0);
      // The accounts and sessions too: the demo référent and its session are PostgreSQL's.
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n).toBe(0);
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n).toBe(0);
    } finally {
      sqlite.close();
    }

    // PostgreSQL down: the next edit is not acknowledged, and kept; PostgreSQL back: it is.
    await postgres.halt();
    writer.doc.getArray<string>('edits').push(['pendant la panne']);
    const secondClock = Y.decodeStateVector(Y.encodeStateVector(writer.doc)).get(writer.doc.clientID) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(writer.ackedClock).toBeLessThan(secondClock);
    await postgres.resume();
    await waitFor(() => writer.ackedClock >= secondClock, 'persisted ack once PostgreSQL is back', 30_000);

    await killNow(first);
    writer.provider.destroy();
    await start();
    const reader = openEditor(port, session.accessToken);
    editors.push(reader);
    await waitFor(() => reader.provider.synced, 'second client synced after the restart', 15_000);
    expect(reader.doc.getArray<string>('edits').toArray()).toEqual([
      'enregistré dans PostgreSQL',
      'pendant la panne',
    ]);

    // The commune's export (API) reads its documents from PostgreSQL too.
    const response = await fetch(`http://127.0.0.1:${port}/api/communes/13008/export`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(response.status).toBe(200);
    const zip = readZip(Buffer.from(await response.arrayBuffer()));
    const exported = new Y.Doc();
    Y.applyUpdate(exported, zip.get('documents/page-pgserver01.yjs')!);
    expect(exported.getArray<string>('edits').toArray()).toEqual([
      'enregistré dans PostgreSQL',
      'pendant la panne',
    ]);
  }, 120_000);

  it('the admin CLI refuses the commands that would read the documents from SQLite', async () => {
    const countRows = () =>
      pgCount(postgres.url, 'SELECT COUNT(*) AS n FROM doc_updates WHERE room = $1', [ROOM]);
    const rowsBefore = await countRows();
    expect(rowsBefore).toBeGreaterThan(0);
    const out = path.join(data.dir, 'export.zip');
    const commands = [
      ['export', '--commune', '13008', '--out', out],
      ['delete-commune-data', '--commune', '13008', '--confirm', '13008'],
      ['repair-page', '--commune', '13008', '--page=pgserver01'],
    ];
    for (const args of commands) {
      const result = await cli(data.dir, postgres.url, args);
      expect(result.code, args[0]).toBe(1);
      expect(result.stderr).toContain('les documents sont dans PostgreSQL (DATABASE_URL)');
    }
    expect(fs.existsSync(out)).toBe(false);
    expect(await countRows()).toBe(rowsBefore);
  }, 60_000);
});

describe('DATABASE_URL checked at start', () => {
  it('stops with a French message, without the password, when PostgreSQL cannot be reached', async () => {
    const dir = await tempDataDir();
    try {
      // A free port: nothing listens there.
      const url = `postgres://usine:motdepasse-tres-secret@127.0.0.1:${await freePort()}/usine`;
      const child = startServerProcess(dir.dir, await freePort(), { env: { DATABASE_URL: url } });
      await child.exited;
      expect(child.process.exitCode).toBe(1);
      expect(child.output()).toContain('PostgreSQL injoignable (DATABASE_URL)');
      expect(child.output()).not.toContain('motdepasse-tres-secret');
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it('refuses a DATABASE_URL that is not postgres://, saying why in French, before anything is written', async () => {
    const dir = await tempDataDir();
    try {
      const child = startServerProcess(dir.dir, await freePort(), {
        env: { DATABASE_URL: 'mysql://root@127.0.0.1/usine' },
      });
      await child.exited;
      expect(child.process.exitCode).toBe(2);
      expect(child.output()).toContain('DATABASE_URL invalide');
      expect(fs.existsSync(path.join(dir.dir, DATABASE_FILE))).toBe(false);
    } finally {
      await dir.remove();
    }
  }, 60_000);
});
