// A crashed server starts again at once (issue 12, part 3; tier c): the DATA_DIR lock is held by
// the kernel, so a process killed with SIGKILL never blocks the next start, even one launched
// before the killed process is fully gone.
//
// 1. [LOCK-4] 200 rounds of a child process that opens DATA_DIR through the server's own path
//    (`openDataDir`: the lock, then the database and its store) and writes, killed at a random
//    moment and replaced AT ONCE. Each child runs under a parent that reaps it only seconds
//    after its death — as under a container's PID 1 that does not reap, or a slow supervisor —
//    so its pid still answers while the next one starts: a pid file would call it alive, the
//    kernel has already dropped its lock. Every start must take the lock; every edit the store
//    acknowledged must be there at the next start. The child is bundled once (esbuild) so that
//    a start costs a Node boot, not a TypeScript compilation.
// 2. [LOCK-4] The real server (`main.ts`) killed and restarted at once, 10 rounds (CRASH_SERVER_ROUNDS),
//    reaped late too; edits by the real y-websocket client acknowledged (persisted ack) before
//    each kill and read back by a fresh client after each restart.
// 3. [LOCK-5] A holder still dying is waited for; a live one is refused after the wait, named.
//
// Seeded: the seed is printed; CRASH_SEED=… replays it, CRASH_ROUNDS=… changes the count.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { MESSAGE_PERSISTED_ACK, SUBPROTOCOL, readPersistedAck } from '../../site/syncProtocol';
import { DataDirLocked, LOCK_FILE, acquireDataDirLock } from '../storage/serverLock';
import {
  freePort,
  killNow,
  repoRoot,
  startServerProcess,
  waitHealthy,
  type ServerProcess,
} from '../app/serverProcess';
import { tempDataDir, waitFor } from '../app/testHarness';
import { Random } from '../sync/fuzz/Random';

const ROOM = '13008/page/crashrestart';
/** How long a killed child stays a zombie (its parent reaps it this late). */
const REAP_AFTER_S = 3;
/** The same for the real server, whose start takes seconds. */
const SERVER_REAP_AFTER_S = 60;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  // Every cleanup runs, even after one failed; the first failure is reported.
  const results = [];
  for (const cleanup of cleanups.reverse())
    results.push(
      await cleanup().then(
        () => null,
        (error: unknown) => error,
      ),
    );
  const failure = results.find((error) => error !== null);
  if (failure) throw failure;
});

/** The child script, bundled next to a `node_modules` link so that better-sqlite3 resolves. */
let childScript: string;
beforeAll(async () => {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'usine-crash-child-'));
  cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  childScript = path.join(dir, 'crashRestartChild.mjs');
  await build({
    entryPoints: [path.join(repoRoot, 'sync-server', 'tests', 'crashRestartChild.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: childScript,
    logLevel: 'error',
  });
});

interface Opener {
  /** The parent that reaps the child late. */
  process: ChildProcess;
  /** The child's own pid, once it opened DATA_DIR. */
  pid: () => number | null;
  kill: () => void;
  output: () => string;
  /** Resolves with the edits the room held when this child opened it (null: it exited first). */
  stored: Promise<{ ids: string[]; waitedMs: number } | null>;
  acked: string[];
  exited: Promise<void>;
}

function startOpener(dataDir: string, prefix: string): Opener {
  // `sh` starts the child, then becomes `sleep`, which never reaps it: killed, it stays a
  // zombie until the sleep ends.
  const child = spawn(
    'sh',
    ['-c', `"$@" & exec sleep ${REAP_AFTER_S}`, 'sh', process.execPath, childScript, dataDir, ROOM, prefix],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let pending = '';
  let waitedMs = -1;
  let pid: number | null = null;
  const acked: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stored = new Promise<{ ids: string[]; waitedMs: number } | null>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('open '))
          [waitedMs, pid] = line.slice(5).split(' ').map(Number) as [number, number];
        else if (line.startsWith('stored '))
          resolve({ ids: JSON.parse(line.slice(7)) as string[], waitedMs });
        else if (line.startsWith('ack ')) acked.push(line.slice(4));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => resolve(null));
  });
  const kill = () => {
    // While its parent lives, the pid is still the child's (alive or a zombie), never reused.
    if (pid === null || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { process: child, pid: () => pid, kill, output: () => output, stored, acked, exited };
}

describe('a crashed DATA_DIR opener starts again at once [LOCK-4]', () => {
  const rounds = Number(process.env.CRASH_ROUNDS ?? 200);
  const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

  it(`[LOCK-4] ${rounds} SIGKILLs, each followed at once by a new start: every start takes the lock, no acknowledged edit is lost`, async () => {
    console.log(`crash-restart (opener): seed ${seed}, ${rounds} rounds (CRASH_SEED=${seed} to replay)`);
    const rng = new Random(seed);
    const random = () => rng.next();
    const data = await tempDataDir();
    const openers: Opener[] = [];
    cleanups.push(async () => {
      for (const opener of openers) {
        opener.kill();
        opener.process.kill('SIGKILL');
      }
      await Promise.all(openers.map((opener) => opener.exited));
      await data.remove();
    });
    const acknowledged: string[] = [];
    let longestWait = 0;
    let killedBeforeAck = 0;
    for (let round = 0; round <= rounds; round++) {
      const opener = startOpener(data.dir, `r${round}`);
      openers.push(opener);
      const opened = await opener.stored;
      if (!opened) throw new Error(`seed ${seed}, round ${round}: the start failed:\n${opener.output()}`);
      longestWait = Math.max(longestWait, opened.waitedMs);
      const stored = new Set(opened.ids);
      const lost = acknowledged.filter((id) => !stored.has(id));
      if (lost.length > 0) {
        throw new Error(`seed ${seed}, round ${round}: acknowledged edits lost: ${lost.join(', ')}`);
      }
      expect(stored.size).toBe(opened.ids.length);
      if (round === rounds) break;
      // Killed while it writes: right after its start, or after 1 to 3 acknowledged edits,
      // a few milliseconds into the next one.
      const acks = Math.floor(random() * 4);
      await waitFor(() => opener.acked.length >= acks, `round ${round}: ${acks} acks`, 20_000);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
      if (opener.acked.length === 0) killedBeforeAck += 1;
      opener.kill();
      // What it had acknowledged before the kill; the next start does not wait for its end.
      acknowledged.push(...opener.acked);
    }
    console.log(
      `crash-restart (opener): seed ${seed}: ${rounds} kills, ${acknowledged.length} acknowledged edits kept, ` +
        `${killedBeforeAck} killed before their first ack, longest wait for the lock ${longestWait} ms`,
    );
    expect(acknowledged.length).toBeGreaterThan(rounds / 2);
  }, 600_000);
});

interface Editor {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Highest own clock covered by a persisted ack. */
  ackedClock: number;
}

function ownClock(doc: Y.Doc): number {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID) ?? 0;
}

function openEditor(port: number, token: string): Editor {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, ROOM, doc, {
    protocols: [SUBPROTOCOL, token],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
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

describe('the real server, killed and restarted at once [LOCK-4]', () => {
  const rounds = Number(process.env.CRASH_SERVER_ROUNDS ?? 10);

  it(`[LOCK-4] ${rounds} SIGKILLs of main.ts, each restarted at once: every start succeeds, every acknowledged edit is read back`, async () => {
    const data = await tempDataDir();
    const port = await freePort();
    const servers: ServerProcess[] = [];
    const editors: Editor[] = [];
    cleanups.push(async () => {
      for (const editor of editors) editor.provider.destroy();
      for (const server of servers) await killNow(server);
      await data.remove();
    });
    let server = startServerProcess(data.dir, port, { reapAfterS: SERVER_REAP_AFTER_S });
    servers.push(server);
    await waitHealthy(port, server);
    const demo = /Compte de démonstration \(référent d’Aurons, commune 13008\) : (\S+) \/ (\S+)/.exec(
      server.output(),
    );
    if (!demo) throw new Error(`no demo account printed:\n${server.output()}`);
    // Tokens are stored: the session survives every restart.
    const { accessToken } = await login(port, demo[1]!, demo[2]!);
    const acknowledged: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const writer = openEditor(port, accessToken);
      editors.push(writer);
      await waitFor(() => writer.provider.synced, `round ${round}: writer synced`, 20_000);
      for (let i = 0; i < 3; i++) writer.doc.getArray<string>('edits').push([`s${round}.${i}`]);
      await waitFor(
        () => writer.ackedClock >= ownClock(writer.doc),
        `round ${round}: edits acknowledged`,
        20_000,
      );
      acknowledged.push(...[0, 1, 2].map((i) => `s${round}.${i}`));
      // One more in flight when the server dies; the writer is gone before the restart, so
      // whatever the next server holds comes from its store only.
      writer.doc.getArray<string>('edits').push([`s${round}.unacked`]);
      server.kill();
      writer.provider.destroy();
      server = startServerProcess(data.dir, port, { reapAfterS: SERVER_REAP_AFTER_S });
      servers.push(server);
      await waitHealthy(port, server);
      const reader = openEditor(port, accessToken);
      editors.push(reader);
      await waitFor(() => reader.provider.synced, `round ${round}: reader synced`, 20_000);
      const stored = new Set(reader.doc.getArray<string>('edits').toArray());
      const lost = acknowledged.filter((id) => !stored.has(id));
      if (lost.length > 0) throw new Error(`round ${round}: acknowledged edits lost: ${lost.join(', ')}`);
      reader.provider.destroy();
    }
    console.log(
      `crash-restart (server): ${rounds} kills, ${acknowledged.length} acknowledged edits read back`,
    );
  }, 600_000);
});

describe('a holder still dying is waited for [LOCK-5]', () => {
  it('[LOCK-5] a start waits for a killed holder to be gone, and refuses a live one after the wait, naming it', async () => {
    const data = await tempDataDir();
    const holder = startOpener(data.dir, 'holder');
    cleanups.push(async () => {
      holder.kill();
      holder.process.kill('SIGKILL');
      await holder.exited;
      await data.remove();
    });
    expect(await holder.stored).not.toBeNull();
    // Alive: refused after the wait, the holder named from what it wrote.
    const started = Date.now();
    const refused = await acquireDataDirLock(data.dir, 'serveur', { waitMs: 300 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataDirLocked);
    expect((refused as DataDirLocked).holder).toMatchObject({ pid: holder.pid(), holder: 'serveur' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Killed while a start waits: the start gets the lock once the kernel released it, though
    // the killed pid still answers (not reaped yet).
    setTimeout(() => holder.kill(), 200);
    const release = await acquireDataDirLock(data.dir, 'serveur', { waitMs: 5000 });
    expect(() => process.kill(holder.pid()!, 0)).not.toThrow();
    expect(fs.existsSync(path.join(data.dir, LOCK_FILE))).toBe(true);
    release();
  }, 30_000);
});
