// Memory ceiling (issue #9, finding 1): the real server (`main.ts`, as in production) in a child
// process, a relecteur that never reads floods sync step 1 on a 4 MB page and query-awareness
// with a 30 KB presence. The child's RSS growth stays under DESIGN.md's 150 MiB, /healthz
// answers under a second throughout, and SIGTERM still stops the process. Bounded: 100 step 1
// (before the fix, ~400 MB queued) and 300 queries.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import {
  MESSAGE_AWARENESS,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SUBPROTOCOL,
} from '../../site/syncProtocol';
import { startTestServer, tempDataDir, waitFor } from '../app/testHarness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PASSWORD = 'Vieux-Port-et-Panier-1599';
const MiB = 2 ** 20;

let data: { dir: string; remove: () => Promise<void> };
let child: ChildProcess;
let base: string;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function login(email: string): Promise<LoginResponse> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as LoginResponse;
}

function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, subtype);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

function presence(clientId: number, state: unknown): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, 1);
  encoding.writeVarString(inner, JSON.stringify(state));
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

function open(room: string, token: string): Promise<{ ws: WebSocket; messages: Uint8Array[] }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/sync/${room}`, [SUBPROTOCOL, token]);
  const messages: Uint8Array[] = [];
  ws.on('message', (m: Buffer) => messages.push(new Uint8Array(m)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  data = await tempDataDir();
  // Accounts first, in-process; then the production entry point on the same DATA_DIR.
  const setup = await startTestServer(data.dir, { createDemoAccount: false });
  await setup.admin.addAgent({
    commune: '13001',
    email: 'agent@marseille.fr',
    password: PASSWORD,
    role: 'agent',
  });
  await setup.admin.addAgent({
    commune: '13001',
    email: 'relecteur@marseille.fr',
    password: PASSWORD,
    role: 'relecteur',
  });
  await setup.close();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // `node --import tsx`, not the tsx CLI (which runs the script in a grandchild): the RSS
  // measured and the SIGTERM sent are the server's own.
  child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/app/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await data?.remove();
});

describe('memory ceiling under a flood from a client that never reads', () => {
  it('[FLOOD-5] a non-reading relecteur flooding step 1 and query-awareness: RSS +<150 MiB, /healthz <1 s, SIGTERM stops the server', async () => {
    const pid = child.pid!;
    const [writer, reader] = await Promise.all([
      login('agent@marseille.fr'),
      login('relecteur@marseille.fr'),
    ]);
    const room = '13001/page/plafondmemoire';
    const page = await open(room, writer.accessToken);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'Compte rendu du conseil municipal. '.repeat(120_000)); // ~4 MB
    page.ws.send(syncMessage(syncProtocol.messageYjsUpdate, Y.encodeStateAsUpdate(doc)));
    await waitFor(() => page.messages.some((m) => m[0] === MESSAGE_PERSISTED_ACK), 'page written', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseline = rss(pid);

    const attacker = await open(room, reader.accessToken);
    (attacker.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const step1 = syncMessage(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(new Y.Doc()));
    for (let i = 0; i < 100; i++) attacker.ws.send(step1);
    attacker.ws.send(presence(31337, { cursor: 'x'.repeat(30_000) }));
    for (let i = 0; i < 300; i++) attacker.ws.send(Uint8Array.of(MESSAGE_QUERY_AWARENESS));

    let peak = baseline;
    let slowest = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const started = performance.now();
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(response.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      peak = Math.max(peak, rss(pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(
      `flood: server RSS ${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB, /healthz slowest ${slowest.toFixed(0)} ms`,
    );
    expect(peak - baseline).toBeLessThan(150 * MiB);
    expect(slowest).toBeLessThan(1000);

    // SIGTERM, with the non-reading socket still open, stops the process.
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
    ]);
    expect(code).toBe(0);
    attacker.ws.terminate();
    page.ws.terminate();
  }, 60_000);
});
