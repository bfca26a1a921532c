// The durability proof (issue 3, point 3; STYLE.md tier b + c): real y-websocket clients edit
// while the real server runs as a child process (`sync-server/app/main.ts`, as operators run it),
// killed with SIGKILL at random moments and restarted on the same DATA_DIR and port, many times.
//
// After every kill, before the restart — so no client can resend anything — the test opens the
// SQLite file itself and checks that every edit a client had seen acknowledged (persisted ack)
// is stored. At the end, every client converges, every acknowledged edit is there exactly once.
//
// Seeded: the seed is printed; a failing seed is pinned below as a named test. Rounds default
// to 8 (CI, well under two minutes); KILL_ROUNDS=100 KILL_SEED=… runs longer locally.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { MESSAGE_PERSISTED_ACK, SUBPROTOCOL, readPersistedAck } from '../../site/syncProtocol';
import { DATABASE_FILE } from '../storage/database';
import { freePort, startServerProcess, waitHealthy } from '../app/serverProcess';
import { tempDataDir, waitFor } from '../app/testHarness';
import { Random } from '../sync/fuzz/Random';

const ROOMS = ['13008/site', '13008/page/killrestart01'];
const CLIENTS_PER_ROOM = 2;

/** Seeds that once failed, run as named tests forever (with fewer rounds). */
// 1484305231: edits racing the resync after a restart were refused as malformed (clock gap)
// and the clients never converged; fixed by dropping not-yet-integrable updates and resyncing.
const PINNED_SEEDS: number[] = [1484305231];

interface Editor {
  room: string;
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Edits made: id → the client's own clock after the edit. */
  edits: Map<string, number>;
  /** Highest own clock covered by a persisted ack. */
  ackedClock: number;
}

function ownClock(sv: Map<number, number>, doc: Y.Doc): number {
  return sv.get(doc.clientID) ?? 0;
}

function openEditor(port: number, room: string, token: string): Editor {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, room, doc, {
    protocols: [SUBPROTOCOL, token],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
  });
  const editor: Editor = { room, doc, provider, edits: new Map(), ackedClock: 0 };
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
    const durable = Y.decodeSnapshot(readPersistedAck(decoder));
    editor.ackedClock = Math.max(editor.ackedClock, ownClock(durable.sv, doc));
  };
  return editor;
}

function edit(editor: Editor, id: string): void {
  editor.doc.getArray<string>('edits').push([id]);
  editor.edits.set(id, ownClock(Y.decodeStateVector(Y.encodeStateVector(editor.doc)), editor.doc));
}

function acknowledged(editor: Editor): string[] {
  return [...editor.edits].filter(([, clock]) => clock <= editor.ackedClock).map(([id]) => id);
}

/** Reads a room's stored edits straight from the SQLite file (the server is dead). */
function storedEdits(dataDir: string, room: string): string[] {
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  try {
    const rows = db.prepare('SELECT data FROM doc_updates WHERE room = ? ORDER BY seq').all(room) as Array<{
      data: Uint8Array;
    }>;
    const doc = new Y.Doc();
    for (const row of rows) Y.applyUpdate(doc, row.data);
    return doc.getArray<string>('edits').toArray();
  } finally {
    db.close();
  }
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

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function killRestartRun(seed: number, rounds: number): Promise<void> {
  console.log(`kill-restart: seed ${seed}, ${rounds} rounds (KILL_SEED=${seed} to replay)`);
  const rng = new Random(seed);
  const random = () => rng.next();
  const data = await tempDataDir();
  const port = await freePort();
  let child = startServerProcess(data.dir, port);
  const editors: Editor[] = [];
  cleanups.push(async () => {
    for (const e of editors) e.provider.destroy();
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    await data.remove();
  });
  await waitHealthy(port, child);
  const demo = /Compte de démonstration \(référent d’Aurons, commune 13008\) : (\S+) \/ (\S+)/.exec(
    child.output(),
  );
  if (!demo) throw new Error(`no demo account printed:\n${child.output()}`);
  // Tokens are stored: the session survives every restart.
  const session = await login(port, demo[1]!, demo[2]!);
  for (const room of ROOMS) {
    for (let i = 0; i < CLIENTS_PER_ROOM; i++) editors.push(openEditor(port, room, session.accessToken));
  }

  let counter = 0;
  let editing = true;
  const editLoop = (async () => {
    while (editing) {
      const editor = editors[Math.floor(random() * editors.length)]!;
      // Edits go on while the server is down too: they are sent after the reconnection.
      edit(editor, `e${counter++}`);
      // About 65 edits/s for the one agent: under its rate limit (100/s), far above human typing.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(random() * 20)));
    }
  })();

  let checkedAcks = 0;
  for (let round = 0; round < rounds; round++) {
    // Sometimes right after the restart (mid-resync), sometimes after a while.
    const delay = random() < 0.3 ? Math.floor(random() * 100) : 200 + Math.floor(random() * 1200);
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.process.kill('SIGKILL');
    await child.exited;
    // Acks received before the kill; the server is dead, so nothing can be resent meanwhile.
    const acked = editors.map((e) => ({ room: e.room, ids: acknowledged(e) }));
    for (const room of ROOMS) {
      const stored = new Set(storedEdits(data.dir, room));
      for (const entry of acked.filter((a) => a.room === room)) {
        const lost = entry.ids.filter((id) => !stored.has(id));
        if (lost.length > 0) {
          throw new Error(
            `seed ${seed}, round ${round}: acknowledged edits lost in ${room}: ${lost.join(', ')}`,
          );
        }
        checkedAcks += entry.ids.length;
      }
    }
    child = startServerProcess(data.dir, port);
    await waitHealthy(port, child);
  }
  editing = false;
  await editLoop;

  // Everything converges and is acknowledged once the server stays up.
  try {
    await waitFor(
      () =>
        editors.every(
          (e) =>
            e.provider.synced &&
            e.ackedClock >= ownClock(Y.decodeStateVector(Y.encodeStateVector(e.doc)), e.doc),
        ),
      'every client synced and fully acknowledged',
      30_000,
    );
  } catch (error) {
    const state = editors.map((e) => ({
      room: e.room,
      synced: e.provider.synced,
      connected: e.provider.wsconnected,
      own: ownClock(Y.decodeStateVector(Y.encodeStateVector(e.doc)), e.doc),
      acked: e.ackedClock,
    }));
    throw new Error(`${(error as Error).message}\n${JSON.stringify(state)}\n${child.output().slice(-3000)}`);
  }
  for (const room of ROOMS) {
    const inRoom = editors.filter((e) => e.room === room);
    await waitFor(
      () =>
        inRoom.every(
          (e) =>
            JSON.stringify(e.doc.getArray('edits').toJSON()) ===
            JSON.stringify(inRoom[0]!.doc.getArray('edits').toJSON()),
        ),
      `clients of ${room} converge`,
      30_000,
    );
  }
  // A graceful stop flushes; the file then holds every edit of every client, exactly once.
  child.process.kill('SIGTERM');
  await child.exited;
  expect(child.process.exitCode).toBe(0);
  for (const room of ROOMS) {
    const stored = storedEdits(data.dir, room);
    expect(new Set(stored).size).toBe(stored.length);
    const expected = editors.filter((e) => e.room === room).flatMap((e) => [...e.edits.keys()]);
    expect(new Set(stored)).toEqual(new Set(expected));
  }
  console.log(
    `kill-restart: seed ${seed}: ${counter} edits, ${rounds} kills, ${checkedAcks} acknowledged-edit checks, all kept`,
  );
}

describe('durability under SIGKILL [DUR-1]', () => {
  const rounds = Number(process.env.KILL_ROUNDS ?? 8);
  const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

  it(
    `[DUR-1] every acknowledged edit survives ${rounds} SIGKILLs of the server process, and clients converge`,
    () => killRestartRun(seed, rounds),
    Math.max(120_000, rounds * 15_000),
  );

  for (const pinned of PINNED_SEEDS) {
    it(`[DUR-1] pinned seed ${pinned}`, () => killRestartRun(pinned, 4), 90_000);
  }
});
