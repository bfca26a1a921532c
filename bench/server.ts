/**
 * The sync server side by side with the reference server of y-websocket 2.1.0
 * (`y-websocket-reference/bin/server.cjs`: no persistence, no auth), on the same load, both as
 * child processes on loopback, driven by the same real y-websocket clients from this process:
 *
 *   1. fan-out latency p50/p99, 50 clients in one room, one writer;
 *   2. 1,500 clients over 500 rooms, 350 updates/s in total, latency to the room's peers;
 *   3. throughput: 50 rooms × 2 clients, every writer sending as fast as it can;
 *   4. 2,000 concurrent connections over 500 rooms, errors counted, then one update per room;
 *   5. memory (server RSS) per loaded document and per idle connection.
 *
 * Ours persists every update durably (SQLite WAL, synchronous=FULL, persisted acks) and checks
 * tokens, roles and every update (updateGuard); its rate limits are lifted for the run (one
 * agent, one address, thousands of connections). A benchmark reports; it never fails.
 *
 * When USINE_BENCH_SERVER_CHILD is set this file *is* the child: it starts our server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../site/apiContract';
import { MESSAGE_PERSISTED_ACK, SUBPROTOCOL } from '../site/syncProtocol';
import { pinoLogger } from '../sync-server/observability/Logger';
import { startServer } from '../sync-server/app/server';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIFTED = { ratePerSecond: 1e9, burst: 1e9 };

if (process.env.USINE_BENCH_SERVER_CHILD) {
  const server = await startServer({
    port: Number(process.env.PORT),
    host: '127.0.0.1',
    dataDir: process.env.DATA_DIR!,
    logger: pinoLogger({ minLevel: 'warn' }),
    limits: {
      messagesPerAgent: LIFTED,
      messagesPerAddress: LIFTED,
      updatesPerAgent: LIFTED,
      updatesPerAddress: LIFTED,
      connectionsPerAgent: LIFTED,
      connectionsPerAddress: LIFTED,
    },
  });
  console.log(JSON.stringify({ ready: true, demo: server.demoAccount }));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

type Kind = 'usine' | 'reference';

export interface Target {
  kind: Kind;
  child: ChildProcess;
  port: number;
  /** Subprotocols for our server (token); none for the reference. */
  protocols: string[];
  stop(): Promise<void>;
}

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

export function rssBytes(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startTarget(kind: Kind): Promise<Target> {
  const port = await freePort();
  if (kind === 'reference') {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'node_modules', 'y-websocket-reference', 'bin', 'server.cjs')],
      {
        cwd: repoRoot,
        env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    await waitForLine(child, /running at/);
    return { kind, child, port, protocols: [], stop: () => stopChild(child) };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'usine-bench-'));
  // BENCH_CPU_PROF=dir writes a CPU profile of our server per step (to find where time goes).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: repoRoot,
    env: { ...process.env, USINE_BENCH_SERVER_CHILD: '1', PORT: String(port), DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await waitForLine(child, /"ready":true/);
  const demo = (JSON.parse(line) as { demo: { email: string; password: string } }).demo;
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(demo),
  });
  const session = (await response.json()) as LoginResponse;
  return {
    kind,
    child,
    port,
    protocols: [SUBPROTOCOL, session.accessToken],
    stop: async () => {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  errors: number;
}

/** A valid room name for both servers (ours accepts only `{insee}/site|page/{id}`). */
const room = (name: string) => `13001/page/${name}`;

function connect(target: Target, room: string): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(
    `ws://127.0.0.1:${target.port}${target.kind === 'usine' ? '/sync' : ''}`,
    room,
    doc,
    {
      protocols: target.protocols,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    },
  );
  // Ours also sends persisted acks (type 100); a plain client ignores them.
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = () => {};
  const client: Client = { doc, provider, errors: 0 };
  provider.on('connection-error', () => (client.errors += 1));
  provider.on('connection-close', (event) => {
    if (!closing.has(provider)) client.errors += event?.code === 1000 ? 0 : 1;
  });
  return client;
}

const closing = new WeakSet<WebsocketProvider>();
function disconnectAll(clients: Client[]): void {
  for (const c of clients) {
    closing.add(c.provider);
    c.provider.destroy();
    c.doc.destroy();
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

async function connectMany(target: Target, rooms: string[], batch = 100): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < rooms.length; i += batch) {
    const opened = rooms.slice(i, i + batch).map((room) => connect(target, room));
    clients.push(...opened);
    await waitUntil(() => opened.every((c) => c.provider.synced), 30_000);
  }
  return clients;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface LatencyResult {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
}

/** Receivers record latency from the send time the writer put in the value. */
function observeLatencies(clients: Client[], latencies: number[]): void {
  for (const client of clients) {
    client.doc.getMap<number>('bench').observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const sent = event.target.get(key);
        if (typeof sent === 'number') latencies.push(now - sent);
      }
    });
  }
}

function summarize(latencies: number[], expected: number): LatencyResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), delivered: latencies.length, expected };
}

async function fanout(target: Target): Promise<LatencyResult> {
  const clients = await connectMany(
    target,
    Array.from({ length: 50 }, () => room('benchfanout')),
    50,
  );
  const latencies: number[] = [];
  observeLatencies(clients.slice(1), latencies);
  const writer = clients[0]!;
  for (let i = 0; i < 200; i++) {
    writer.doc.getMap<number>('bench').set(`k${i}`, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const expected = 200 * 49;
  await waitUntil(() => latencies.length >= expected, 20_000);
  disconnectAll(clients);
  return summarize(latencies, expected);
}

async function manyRooms(target: Target, seconds = 10): Promise<LatencyResult & { errors: number }> {
  const rooms = Array.from({ length: 1500 }, (_, i) => room(`rooms-${String(i % 500).padStart(4, '0')}`));
  const clients = await connectMany(target, rooms);
  // Let the 1,500 initial syncs (and their acks, on our side) settle before measuring.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const latencies: number[] = [];
  observeLatencies(clients, latencies);
  const rate = 350;
  const total = rate * seconds;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < Math.min(due, total); sent++) {
      const writer = clients[(sent * 7919) % clients.length]!;
      writer.doc.getMap<number>('bench').set(`k${sent}`, performance.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const expected = total * 2;
  await waitUntil(() => latencies.length >= expected, 20_000);
  const errors = clients.reduce((n, c) => n + c.errors, 0);
  disconnectAll(clients);
  return { ...summarize(latencies, expected), errors };
}

async function throughput(
  target: Target,
  perWriter = 400,
): Promise<{ updatesPerSecond: number; delivered: number }> {
  const rooms = Array.from({ length: 100 }, (_, i) => room(`throughput-${String(i % 50).padStart(3, '0')}`));
  const clients = await connectMany(target, rooms);
  const writers = clients.slice(0, 50);
  const readers = clients.slice(50);
  let delivered = 0;
  for (const reader of readers) {
    reader.doc.getArray('t').observe((event) => {
      for (const op of event.changes.delta) if (Array.isArray(op.insert)) delivered += op.insert.length;
    });
  }
  const started = performance.now();
  // Every writer sends its updates in bursts of 20 per macrotask, as fast as the loop allows.
  for (let i = 0; i < perWriter; i += 20) {
    for (const writer of writers) for (let j = 0; j < 20; j++) writer.doc.getArray('t').push([i + j]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const expected = perWriter * writers.length;
  await waitUntil(() => delivered >= expected, 60_000);
  const seconds = (performance.now() - started) / 1000;
  disconnectAll(clients);
  return { updatesPerSecond: delivered / seconds, delivered };
}

interface ConnectionsResult {
  connections: number;
  errors: number;
  connectSeconds: number;
  delivered: number;
  rssBaseline: number;
  perLoadedDocBytes: number;
  perIdleConnectionBytes: number;
}

async function connectionsAndMemory(target: Target): Promise<ConnectionsResult> {
  // Warm-up, kept loaded through the measure: one-time costs (our SQLite writer thread starts
  // at the first write — a V8 isolate of ~10 MB — caches, pools) must not be divided among the
  // measured documents. Measured without it, 500 docs showed ~80 KiB each, 2,000 docs ~45 KiB.
  const warmUp = await connectMany(
    target,
    Array.from({ length: 50 }, (_, i) => room(`warm-${String(i).padStart(3, '0')}`)),
  );
  for (const [i, c] of warmUp.entries()) c.doc.getText('t').insert(0, `Échauffement ${i} `.repeat(300));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rssBaseline = rssBytes(target.child.pid);
  const rooms = Array.from({ length: 500 }, (_, i) => room(`idle-${String(i).padStart(4, '0')}`));
  const started = performance.now();
  // One client per room loads the 500 docs, each given ~4 KB of text.
  const first = await connectMany(target, rooms);
  for (const [i, c] of first.entries()) c.doc.getText('t').insert(0, `Document ${i} `.repeat(300));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rssDocs = rssBytes(target.child.pid);
  const more = await connectMany(
    target,
    Array.from({ length: 1500 }, (_, i) => rooms[i % 500]!),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rssAll = rssBytes(target.child.pid);
  const clients = [...first, ...more];
  disconnectAll(warmUp);
  let delivered = 0;
  for (const c of more) c.doc.getMap('ping').observe(() => (delivered += 1));
  for (const c of first) c.doc.getMap('ping').set('p', 1);
  await waitUntil(() => delivered >= more.length, 20_000);
  const errors = clients.reduce((n, c) => n + c.errors, 0);
  const connected = clients.filter((c) => c.provider.wsconnected).length;
  disconnectAll(clients);
  return {
    connections: connected,
    errors,
    connectSeconds,
    delivered,
    rssBaseline,
    // The first pass also opens one connection per doc: subtract one idle connection's share.
    perLoadedDocBytes: (rssDocs - rssBaseline) / 500 - (rssAll - rssDocs) / 1500,
    perIdleConnectionBytes: (rssAll - rssDocs) / 1500,
  };
}

export interface ServerBenchResult {
  kind: Kind;
  fanout?: LatencyResult;
  manyRooms?: LatencyResult & { errors: number };
  throughput?: { updatesPerSecond: number; delivered: number };
  connections?: ConnectionsResult;
  failures: string[];
}

async function benchOne(kind: Kind): Promise<ServerBenchResult> {
  const result: ServerBenchResult = { kind, failures: [] };
  const steps: Array<[keyof Omit<ServerBenchResult, 'kind' | 'failures'>, (t: Target) => Promise<unknown>]> =
    [
      ['fanout', fanout],
      ['manyRooms', (t) => manyRooms(t)],
      ['throughput', (t) => throughput(t)],
      ['connections', connectionsAndMemory],
    ];
  // BENCH_SERVER_STEPS=manyRooms,throughput runs only those.
  const only = process.env.BENCH_SERVER_STEPS?.split(',');
  // A fresh server per step: each starts from the same state on both sides.
  for (const [name, step] of steps.filter(([n]) => !only || only.includes(n))) {
    let target: Target | null = null;
    try {
      target = await startTarget(kind);
      (result as unknown as Record<string, unknown>)[name] = await step(target);
    } catch (error) {
      result.failures.push(
        `${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    } finally {
      await target?.stop();
    }
  }
  return result;
}

export async function benchServer(): Promise<{ usine: ServerBenchResult; reference: ServerBenchResult }> {
  const reference = await benchOne('reference');
  const usine = await benchOne('usine');
  return { usine, reference };
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(1)} ms`);
const kib = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? 'n/a' : `${(v / 1024).toFixed(1)} KiB`;

/** The comparison as printable lines. */
export function formatServerBench({
  usine,
  reference,
}: {
  usine: ServerBenchResult;
  reference: ServerBenchResult;
}): string[] {
  const row = (what: string, f: (r: ServerBenchResult) => string) =>
    `${what}: ours ${f(usine)} | reference ${f(reference)}`;
  const lines = [
    row('fan-out, 50 clients in one room, 200 updates', (r) =>
      r.fanout
        ? `p50 ${ms(r.fanout.p50)}, p99 ${ms(r.fanout.p99)} (${r.fanout.delivered}/${r.fanout.expected})`
        : 'n/a',
    ),
    row('1,500 clients over 500 rooms at 350 updates/s for 10 s', (r) =>
      r.manyRooms
        ? `p50 ${ms(r.manyRooms.p50)}, p99 ${ms(r.manyRooms.p99)} (${r.manyRooms.delivered}/${r.manyRooms.expected} delivered, ${r.manyRooms.errors} errors)`
        : 'n/a',
    ),
    row('throughput, 50 rooms × 2 clients, 20,000 updates', (r) =>
      r.throughput ? `${Math.round(r.throughput.updatesPerSecond).toLocaleString('en-US')} updates/s` : 'n/a',
    ),
    row('2,000 connections over 500 rooms', (r) =>
      r.connections
        ? `${r.connections.connections} connected in ${r.connections.connectSeconds.toFixed(1)} s, ${r.connections.errors} errors, ${r.connections.delivered}/1500 pings delivered`
        : 'n/a',
    ),
    row('memory per loaded document (~4 KB of text)', (r) => kib(r.connections?.perLoadedDocBytes)),
    row('memory per idle connection', (r) => kib(r.connections?.perIdleConnectionBytes)),
  ];
  if (usine.throughput && reference.throughput) {
    lines.push(
      `throughput ratio ours/reference: ${(usine.throughput.updatesPerSecond / reference.throughput.updatesPerSecond).toFixed(2)}× (target ≥ 1.0× while persisting durably)`,
    );
  }
  for (const r of [usine, reference]) for (const f of r.failures) lines.push(`${r.kind}: step failed — ${f}`);
  return lines;
}
