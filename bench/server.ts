/**
 * The sync server side by side with the reference server of y-websocket 2.1.0
 * (`y-websocket-reference/bin/server.cjs`: no persistence, no auth), on the same load, both as
 * child processes on loopback under the same Node flags (`--expose-gc --require
 * bench/memoryProbe.cjs`), driven by the same real y-websocket clients from this process:
 *
 *   fanout      latency p50/p99, 50 clients in one room, one writer;
 *   manyRooms   1,500 clients over 500 rooms, 350 updates/s in total, latency to the room's peers
 *               (after 15 s of the same load, not measured: both servers' JIT warmed up);
 *   throughput  50 rooms × 2 clients, every writer sending as fast as it can;
 *   memory      RSS and live heap (after a forced GC) per loaded document — the slope between
 *               500 and 1,500 documents, so one-time costs fall out — and per idle connection;
 *               then one update per room reaches every idle client, errors counted.
 *
 * Each step runs BENCH_RUNS times (default 5), alternating ours and the reference (A B A B…),
 * each run on a freshly started server; every figure is reported as median and min–max, and
 * every ratio ours/reference is taken per pair of adjacent runs, then summarized the same way.
 * Results go to bench/results/server-<step>.json. BENCH_SERVER_STEPS=manyRooms,throughput runs
 * only those steps.
 *
 * Ours runs compiled (bench/serverChild.ts bundled with the production build's options, then
 * `node`), persists every update durably (SQLite WAL, synchronous=FULL, persisted acks) and checks
 * tokens, roles and every update (updateGuard); only its rate limits are lifted for the run (one
 * agent, one address, thousands of connections). A benchmark reports; it never fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../site/apiContract';
import { MESSAGE_PERSISTED_ACK, SUBPROTOCOL } from '../site/syncProtocol';
import { serverBuildOptions } from '../sync-server/app/build.mjs';
import { command, machine, writeResult } from './resultFiles';
import { formatSummary, pairedRatio, summarize, type Summary } from './stats';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');

type Kind = 'usine' | 'reference';
const KINDS: Kind[] = ['usine', 'reference'];

/**
 * The flags both servers run under (BENCH_CPU_PROF=dir adds a CPU profile per run, to both), and
 * a step's own (the memory step pins V8's young generation).
 */
function nodeFlags(stepFlags: readonly string[] = []): string[] {
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  return ['--expose-gc', '--require', path.join(benchDir, 'memoryProbe.cjs'), ...stepFlags, ...profile];
}

/**
 * The memory step's: V8 sizes its young generation by the allocation rate (1 to 16 MiB per
 * semi-space), and it grew between whichever two readings of a run, ours' or the reference's
 * (by up to 2 × 15 MiB: up to ~30 KiB per document on the old 1,000-document slope). Started
 * at its largest (16 MiB, V8's default maximum here) for both servers — the size both reach
 * under load — and filled by the probe before each reading, it is the same resident size in
 * every reading and leaves the slope. Not --max-semi-space-size: that flag overrides a
 * worker's resourceLimits, and our SQLite writer thread's 2 MiB young generation would become
 * 32 MiB, touched page by page as the documents load.
 */
const PINNED_YOUNG_GENERATION = ['--min-semi-space-size=16'];

export interface Target {
  kind: Kind;
  child: ChildProcess;
  port: number;
  /**
   * Several nodes of one cluster (bench/cluster.ts): client i connects to ports[i % length];
   * a single server otherwise ([port]).
   */
  ports?: number[];
  /** The subprotocols of client i (one token per node of a cluster); default `protocols`. */
  protocolsOf?: (index: number) => string[];
  /** Every process of the target (the cluster's nodes), for CPU time; default [child]. */
  children?: ChildProcess[];
  /** Subprotocols for our server (token); none for the reference. */
  protocols: string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
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

/**
 * CPU time (user + system, every thread) the process has used, in ms, from /proc (10 ms ticks):
 * unlike a rate, it does not depend on how much of the machine others take.
 */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** CPU time of every process of the target (all the nodes of a cluster). */
function targetCpuMs(target: Target): number {
  return (target.children ?? [target.child]).reduce((sum, child) => sum + cpuMs(child.pid), 0);
}

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
}

/** Asks the server's memory probe: full GCs, then RSS and the live heap. */
export function memoryAfterGc(target: Target, timeoutMs = 15_000): Promise<MemoryUsage> {
  const child = target.child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('memory probe did not answer'));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const { memory } = message as { memory?: NodeJS.MemoryUsage };
      if (!memory) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (!(message as { gc?: boolean }).gc) reject(new Error('server started without --expose-gc'));
      else resolve({ rss: memory.rss, heapUsed: memory.heapUsed });
    };
    child.on('message', onMessage);
    child.send('memory');
  });
}

export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
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

export function stopChild(child: ChildProcess): Promise<void> {
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

let childBuild: Promise<string> | null = null;
/**
 * Bundles bench/serverChild.ts once per bench, with the production build's options.
 * BENCH_USINE_ENTRY=file runs a bundle built earlier instead (e.g. of another commit, to compare).
 */
export function serverChildPath(): Promise<string> {
  const prebuilt = process.env.BENCH_USINE_ENTRY;
  if (prebuilt) return Promise.resolve(path.resolve(prebuilt));
  childBuild ??= (async () => {
    const outdir = path.join(repoRoot, 'dist', 'bench');
    await build({
      ...serverBuildOptions(repoRoot),
      entryPoints: { serverChild: path.join(benchDir, 'serverChild.ts') },
      outdir,
    });
    return path.join(outdir, 'serverChild.mjs');
  })();
  return childBuild;
}

export function spawnServer(
  entry: string,
  env: Record<string, string>,
  stepFlags: readonly string[] = [],
): ChildProcess {
  return spawn(process.execPath, [...nodeFlags(stepFlags), entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

export async function startTarget(kind: Kind, stepFlags: readonly string[] = []): Promise<Target> {
  const port = await freePort();
  if (kind === 'reference') {
    const entry = path.join(repoRoot, 'node_modules', 'y-websocket-reference', 'bin', 'server.cjs');
    const child = spawnServer(entry, { HOST: '127.0.0.1', PORT: String(port) }, stepFlags);
    await waitForLine(child, /running at/);
    return { kind, child, port, protocols: [], stop: () => stopChild(child) };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'usine-bench-'));
  // NODE_ENV=production as in deployment (deploy/systemd): Lexical's production build, not its dev one.
  const child = spawnServer(
    await serverChildPath(),
    { PORT: String(port), DATA_DIR: dataDir, NODE_ENV: 'production' },
    stepFlags,
  );
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
  /** Persisted-acks received (ours only). */
  acks: number;
}

/** A valid room name for both servers (ours accepts only `{insee}/site|page/{id}`). */
const room = (name: string) => `13001/page/${name}`;

function connect(target: Target, room: string, index = 0): Client {
  const doc = new Y.Doc();
  const port = target.ports ? target.ports[index % target.ports.length]! : target.port;
  const provider = new WebsocketProvider(
    `ws://127.0.0.1:${port}${target.kind === 'usine' ? '/sync' : ''}`,
    room,
    doc,
    {
      protocols: target.protocolsOf ? target.protocolsOf(index) : target.protocols,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    },
  );
  const client: Client = { doc, provider, errors: 0, acks: 0 };
  // Ours also sends persisted acks (type 100); a plain client ignores them, the bench counts them.
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = () => (client.acks += 1);
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
    const opened = rooms.slice(i, i + batch).map((room, j) => connect(target, room, i + j));
    clients.push(...opened);
    await waitUntil(() => opened.every((c) => c.provider.synced), 30_000);
  }
  return clients;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Receivers record latency from the send time the writer put in the value: of the keys starting
 * with `prefix` (all by default) that reach a client from another. Returns what detaches them.
 */
function observeLatencies(clients: Client[], latencies: number[], prefix = ''): () => void {
  const detaches = clients.map((client) => {
    const map = client.doc.getMap<number>('bench');
    const observer = (event: Y.YMapEvent<number>): void => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        if (!key.startsWith(prefix)) continue;
        const sent = event.target.get(key);
        if (typeof sent === 'number') latencies.push(now - sent);
      }
    };
    map.observe(observer);
    return () => map.unobserve(observer);
  });
  return () => detaches.forEach((detach) => detach());
}

function latencyFigures(latencies: number[], expected: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    delivered: latencies.length,
    expected,
  };
}

/** One run's figures, by name (a step always returns the same names). */
type Figures = Record<string, number>;

/** 50 clients in one room, one writer (on a cluster, the peers alternate between the nodes). */
export async function fanout(target: Target): Promise<Figures> {
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
  return latencyFigures(latencies, expected);
}

/**
 * The manyRooms load's warm-up: the same updates at the same rate, before the 10 measured
 * seconds, their latencies not counted. Without it the measured window was each server's first
 * seconds of edits, V8 still compiling their hot paths on the two cores the clients share
 * (`--trace-opt` in the window: ours 132 optimized compilations, the reference 73; after 5 s of
 * warm-up 64 and 42; after 15 s, 17 and 15 — steady state). At 350 updates/s a function of the
 * path is called a few hundred times a second: TurboFan takes its time. A server runs for days:
 * the figure is its steady state, both servers warmed up alike.
 */
const MANY_ROOMS_WARMUP_SECONDS = 15;

async function manyRooms(target: Target, seconds = 10): Promise<Figures> {
  const rooms = Array.from({ length: 1500 }, (_, i) => room(`rooms-${String(i % 500).padStart(4, '0')}`));
  const clients = await connectMany(target, rooms);
  // Let the 1,500 initial syncs (and their acks, on our side) settle before the load.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const warmupLatencies: number[] = [];
  const detachWarmup = observeLatencies(clients, warmupLatencies, 'w');
  const warmup = (await sendAtRate(clients, 'w', MANY_ROOMS_WARMUP_SECONDS)) * 2;
  if (!(await waitUntil(() => warmupLatencies.length >= warmup, 20_000))) {
    console.warn(`manyRooms (${target.kind}): warm-up delivered ${warmupLatencies.length} of ${warmup}`);
  }
  // The warm-up's last commits and acks (ours: a 100 ms window) done before the measure; its
  // observers detached, so the measured window's clients do the same work as in a run without.
  await new Promise((resolve) => setTimeout(resolve, 500));
  detachWarmup();
  // Only the measured keys count: a late warm-up delivery cannot land in the window.
  const latencies: number[] = [];
  observeLatencies(clients, latencies, 'k');
  const expected = (await sendAtRate(clients, 'k', seconds)) * 2;
  await waitUntil(() => latencies.length >= expected, 20_000);
  // Connection errors of the whole run, warm-up included: a run with any is reported as failed.
  const errors = clients.reduce((n, c) => n + c.errors, 0);
  disconnectAll(clients);
  return { ...latencyFigures(latencies, expected), errors };
}

/**
 * 350 updates/s for `seconds`, each from a client picked across the rooms, as keys
 * `${prefix}${n}` holding their send time; resolves with how many were sent.
 */
async function sendAtRate(clients: Client[], prefix: string, seconds: number, rate = 350): Promise<number> {
  const total = rate * seconds;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < Math.min(due, total); sent++) {
      const writer = clients[(sent * 7919) % clients.length]!;
      writer.doc.getMap<number>('bench').set(`${prefix}${sent}`, performance.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return total;
}

/**
 * 50 rooms × 2 clients: client 2k writes, 2k + 1 reads room k (on a cluster of two nodes, the
 * writer on one node and the reader on the other: every update crosses).
 */
export async function throughput(target: Target, perWriter = 400): Promise<Figures> {
  const rooms = Array.from({ length: 100 }, (_, i) =>
    room(`throughput-${String(Math.floor(i / 2)).padStart(3, '0')}`),
  );
  const clients = await connectMany(target, rooms);
  const writers = clients.filter((_, i) => i % 2 === 0);
  const readers = clients.filter((_, i) => i % 2 === 1);
  let delivered = 0;
  for (const reader of readers) {
    reader.doc.getArray('t').observe((event) => {
      for (const op of event.changes.delta) if (Array.isArray(op.insert)) delivered += op.insert.length;
    });
  }
  const acksBefore = clients.reduce((n, c) => n + c.acks, 0);
  const cpuBefore = targetCpuMs(target);
  const started = performance.now();
  // Every writer sends its updates in bursts of 20 per macrotask, as fast as the loop allows.
  for (let i = 0; i < perWriter; i += 20) {
    for (const writer of writers) for (let j = 0; j < 20; j++) writer.doc.getArray('t').push([i + j]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const expected = perWriter * writers.length;
  await waitUntil(() => delivered >= expected, 60_000);
  const seconds = (performance.now() - started) / 1000;
  const serverCpuMs = targetCpuMs(target) - cpuBefore;
  const acks = clients.reduce((n, c) => n + c.acks, 0) - acksBefore;
  disconnectAll(clients);
  return {
    updatesPerSecond: delivered / seconds,
    delivered,
    expected,
    acks,
    // The server's CPU time per 1,000 updates delivered (the writer thread included).
    serverCpuMsPer1000: (serverCpuMs * 1000) / delivered,
  };
}

/** Loads `count` documents, one client each given ~4 KB of text; the clients stay connected. */
async function loadDocuments(target: Target, prefix: string, count: number): Promise<Client[]> {
  const rooms = Array.from({ length: count }, (_, i) => room(`${prefix}-${String(i).padStart(4, '0')}`));
  const clients = await connectMany(target, rooms);
  for (const [i, c] of clients.entries())
    c.doc.getText('t').insert(0, `Document ${prefix} ${i} `.repeat(250));
  return clients;
}

/**
 * One update from each writer must reach the idle clients of its room; then the connection
 * errors and live sockets of every client are counted, and all of them disconnected.
 */
async function pingThenDisconnect(
  writers: Client[],
  idle: Client[],
  clients: Client[],
  timeoutMs: number,
): Promise<{ delivered: number; errors: number; connected: number }> {
  let delivered = 0;
  for (const c of idle) c.doc.getMap('ping').observe(() => (delivered += 1));
  for (const c of writers) c.doc.getMap('ping').set('p', 1);
  await waitUntil(() => delivered >= idle.length, timeoutMs);
  const errors = clients.reduce((n, c) => n + c.errors, 0);
  const connected = clients.filter((c) => c.provider.wsconnected).length;
  disconnectAll(clients);
  return { delivered, errors, connected };
}

/**
 * Settled memory: 20 s after the last writes, then forced GCs. Read 2 s after, ours was still
 * ~7 MiB above its level of 5 s later with 1,500 rooms (its writes landing): that showed as a
 * negative memory per idle connection. And a y-websocket client's first presence (clock 0) is
 * dropped by both servers: it lands with the client's renewal, 15 s after it connected. Read
 * at 10 s, the presences of the clients connected last were missing from one reading and the
 * writers' of the step before landed in it: the per-document figure moved by ±0.5 KiB from run
 * to run. At 20 s every client connected before the reading has its presence in it.
 */
async function settledMemory(target: Target): Promise<MemoryUsage> {
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  return memoryAfterGc(target);
}

async function memory(target: Target): Promise<Figures> {
  // Warm-up, kept loaded: one-time costs (our SQLite writer thread starts at the first write,
  // caches, pools) land before the baseline.
  const warmUp = await loadDocuments(target, 'warm', 50);
  const baseline = await settledMemory(target);
  const started = performance.now();
  const first = await loadDocuments(target, 'docs', 500);
  const at500 = await settledMemory(target);
  const second = await loadDocuments(target, 'more', 1500);
  const at2000 = await settledMemory(target);
  // 1,500 idle connections over the first 500 documents (3 per room).
  const idle = await connectMany(
    target,
    Array.from({ length: 1500 }, (_, i) => room(`docs-${String(i % 500).padStart(4, '0')}`)),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const withIdle = await settledMemory(target);
  const { delivered, errors, connected } = await pingThenDisconnect(
    first,
    idle,
    [...warmUp, ...first, ...second, ...idle],
    20_000,
  );
  // Each of the 1,500 documents of the slope came with its writer's connection: take one idle
  // connection's share off.
  const perIdle = (key: keyof MemoryUsage) => (withIdle[key] - at2000[key]) / 1500;
  const perDoc = (key: keyof MemoryUsage) => (at2000[key] - at500[key]) / 1500 - perIdle(key);
  return {
    rssPerDocumentBytes: perDoc('rss'),
    heapPerDocumentBytes: perDoc('heapUsed'),
    rssPerIdleConnectionBytes: perIdle('rss'),
    heapPerIdleConnectionBytes: perIdle('heapUsed'),
    rssBaselineBytes: baseline.rss,
    heapBaselineBytes: baseline.heapUsed,
    rssAt2000DocumentsBytes: at2000.rss,
    heapAt2000DocumentsBytes: at2000.heapUsed,
    connections: connected,
    connectSeconds,
    errors,
    pingsDelivered: delivered,
  };
}

/**
 * 10,000 idle connections on one node (issue 13's budget: ≤ 300 MiB): 2,000 documents of ~4 KB,
 * 5 agents' editors open on each, all idle; the node's whole RSS and live heap after forced GCs,
 * then one update per document reaches its 4 other connections.
 */
export async function idleConnections(target: Target, count = 10_000, perRoom = 5): Promise<Figures> {
  const started = performance.now();
  const documents = count / perRoom;
  // Named as loadDocuments names them: idle-0000 … idle-1999.
  const writers = await loadDocuments(target, 'idle', documents);
  const idle = await connectMany(
    target,
    Array.from({ length: count - documents }, (_, i) =>
      room(`idle-${String(i % documents).padStart(4, '0')}`),
    ),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const settled = await settledMemory(target);
  const { delivered, errors, connected } = await pingThenDisconnect(
    writers,
    idle,
    [...writers, ...idle],
    60_000,
  );
  return {
    rssBytes: settled.rss,
    heapBytes: settled.heapUsed,
    rssPerConnectionBytes: settled.rss / count,
    connections: connected,
    connectionsExpected: count,
    connectSeconds,
    errors,
    delivered,
    expected: idle.length,
  };
}

interface StepSpec {
  name: string;
  what: string;
  run: (target: Target) => Promise<Figures>;
  /** Node flags of this step, for both servers (added to nodeFlags()). */
  nodeFlags?: readonly string[];
  /** The figures compared ours/reference, and how each reads. */
  compared: Array<{
    key: string;
    label: string;
    unit: 'ms' | 'updates/s' | 'KiB' | 'MiB';
    better: 'lower' | 'higher';
  }>;
}

const STEPS: StepSpec[] = [
  {
    name: 'fanout',
    what: '50 clients in one room, one writer, 200 updates 5 ms apart: latency from the write to each of the 49 peers',
    run: fanout,
    compared: [
      { key: 'p50Ms', label: 'fan-out p50', unit: 'ms', better: 'lower' },
      { key: 'p99Ms', label: 'fan-out p99', unit: 'ms', better: 'lower' },
    ],
  },
  {
    name: 'manyRooms',
    what: '1,500 clients over 500 rooms, 350 updates/s from random clients, 15 s of warm-up then 10 s measured: latency to the 2 peers of the room',
    run: (t) => manyRooms(t),
    compared: [
      { key: 'p50Ms', label: '1,500 clients / 500 rooms p50', unit: 'ms', better: 'lower' },
      { key: 'p99Ms', label: '1,500 clients / 500 rooms p99', unit: 'ms', better: 'lower' },
    ],
  },
  {
    name: 'throughput',
    what: '50 rooms × 2 clients, each writer pushing 400 updates in bursts of 20 per macrotask: updates delivered per second, and the server CPU time (all its threads, from /proc) per 1,000 of them',
    run: (t) => throughput(t),
    compared: [
      { key: 'updatesPerSecond', label: 'throughput', unit: 'updates/s', better: 'higher' },
      { key: 'serverCpuMsPer1000', label: 'server CPU per 1,000 updates', unit: 'ms', better: 'lower' },
    ],
  },
  {
    name: 'memory',
    what:
      'after 50 warm-up documents: 500 then 2,000 documents (~4 KB of text each, one client each), then 1,500 idle ' +
      'connections; per document = slope between 500 and 2,000 minus one idle connection; RSS and live heap ' +
      "(main thread) after forced GCs; both servers' young generation started at 2 × 16 MiB and filled before " +
      'each reading; then one update per room reaches the idle clients',
    run: memory,
    nodeFlags: PINNED_YOUNG_GENERATION,
    compared: [
      { key: 'rssPerDocumentBytes', label: 'RSS per loaded document', unit: 'KiB', better: 'lower' },
      { key: 'heapPerDocumentBytes', label: 'live heap per loaded document', unit: 'KiB', better: 'lower' },
      { key: 'rssPerIdleConnectionBytes', label: 'RSS per idle connection', unit: 'KiB', better: 'lower' },
      {
        key: 'heapPerIdleConnectionBytes',
        label: 'live heap per idle connection',
        unit: 'KiB',
        better: 'lower',
      },
      { key: 'rssBaselineBytes', label: 'RSS after warm-up', unit: 'MiB', better: 'lower' },
      { key: 'heapBaselineBytes', label: 'live heap after warm-up', unit: 'MiB', better: 'lower' },
    ],
  },
  {
    name: 'idle10k',
    what:
      '10,000 connections over 2,000 documents (~4 KB of text each, 5 connections each), idle: the whole ' +
      'process RSS and live heap after forced GCs (budget ≤ 300 MiB for ours); then one update per document ' +
      'reaches its 4 other connections',
    run: (t) => idleConnections(t),
    compared: [
      { key: 'rssBytes', label: 'RSS, 10,000 idle connections', unit: 'MiB', better: 'lower' },
      { key: 'heapBytes', label: 'live heap, 10,000 idle connections', unit: 'MiB', better: 'lower' },
      {
        key: 'rssPerConnectionBytes',
        label: 'RSS per connection (whole process)',
        unit: 'KiB',
        better: 'lower',
      },
    ],
  },
];

export interface StepResult {
  name: string;
  runs: number;
  ours: Record<string, Summary>;
  reference: Record<string, Summary>;
  /** ours / reference, per pair of adjacent runs. */
  ratio: Record<string, Summary>;
  failures: string[];
  compared: StepSpec['compared'];
  file: string;
}

async function runOnce(kind: Kind, spec: StepSpec): Promise<Figures> {
  const target = await startTarget(kind, spec.nodeFlags);
  try {
    return await spec.run(target);
  } finally {
    await target.stop();
  }
}

/** What a run failed to do although it returned figures (updates not delivered, errors). */
function shortfalls(figures: Figures): string[] {
  const problems: string[] = [];
  if (figures.delivered !== undefined && figures.delivered < (figures.expected ?? 0))
    problems.push(`${figures.delivered}/${figures.expected} delivered`);
  if (
    figures.connections !== undefined &&
    figures.connectionsExpected !== undefined &&
    figures.connections < figures.connectionsExpected
  )
    problems.push(`${figures.connections}/${figures.connectionsExpected} connected`);
  if (figures.pingsDelivered !== undefined && figures.pingsDelivered < 1500)
    problems.push(`${figures.pingsDelivered}/1500 pings delivered`);
  if (figures.errors) problems.push(`${figures.errors} connection errors`);
  return problems;
}

async function benchStep(spec: StepSpec, runs: number): Promise<StepResult> {
  const load = machine();
  const measured: Record<Kind, Figures[]> = { usine: [], reference: [] };
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    for (const kind of KINDS) {
      try {
        const figures = await runOnce(kind, spec);
        measured[kind].push(figures);
        for (const problem of shortfalls(figures)) failures.push(`${kind} run ${i + 1}: ${problem}`);
      } catch (error) {
        measured[kind].push({});
        failures.push(
          `${kind} run ${i + 1}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
  }
  const keys = [...new Set(KINDS.flatMap((k) => measured[k].flatMap((f) => Object.keys(f))))].sort();
  const series = (kind: Kind, key: string) => measured[kind].map((f) => f[key] ?? NaN);
  const per = (kind: Kind) => Object.fromEntries(keys.map((key) => [key, summarize(series(kind, key))]));
  const ours = per('usine');
  const reference = per('reference');
  const ratio = Object.fromEntries(
    spec.compared.map(({ key }) => [key, pairedRatio(series('usine', key), series('reference', key))]),
  );
  const file = await writeResult(
    `server-${spec.name}`,
    load,
    {
      what: spec.what,
      order:
        'ours then the reference, alternating, a fresh server per run; ratio = ours / reference per pair',
      nodeFlags: nodeFlags(spec.nodeFlags).map((f) => (f.startsWith('/') ? path.relative(repoRoot, f) : f)),
      runs,
      ours,
      reference,
      ratio,
      failures,
    },
    command('server', { BENCH_SERVER_STEPS: spec.name }),
  );
  return { name: spec.name, runs, ours, reference, ratio, failures, compared: spec.compared, file };
}

/** Runs every server step (or those of BENCH_SERVER_STEPS), BENCH_RUNS times each (default 5). */
export async function benchServer(runs = Number(process.env.BENCH_RUNS ?? 5)): Promise<StepResult[]> {
  const only = process.env.BENCH_SERVER_STEPS?.split(',');
  const results: StepResult[] = [];
  for (const spec of STEPS.filter((s) => !only || only.includes(s.name)))
    results.push(await benchStep(spec, runs));
  return results;
}

function formatFigure(s: Summary | undefined, unit: StepSpec['compared'][number]['unit']): string {
  if (!s) return 'n/a';
  const scale = unit === 'KiB' ? 1024 : unit === 'MiB' ? 2 ** 20 : 1;
  const scaled = { ...s, median: s.median / scale, min: s.min / scale, max: s.max / scale };
  return formatSummary(scaled, ` ${unit}`, unit === 'updates/s' ? 0 : 1);
}

/** The comparison as printable lines: median (min–max) for each side and for the ratio. */
export function formatServerBench(results: StepResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `server ${r.name}, ${r.runs} runs each, ours/reference alternating (${path.relative(repoRoot, r.file)}):`,
    );
    for (const c of r.compared) {
      lines.push(
        `  ${c.label}: ours ${formatFigure(r.ours[c.key], c.unit)} | reference ${formatFigure(r.reference[c.key], c.unit)} | ours/reference ${formatSummary(r.ratio[c.key], '×', 2)} (${c.better} is better)`,
      );
    }
    if (r.name === 'memory') {
      lines.push(
        `  connections: ours ${formatSummary(r.ours.connections, '', 0)} | reference ${formatSummary(r.reference.connections, '', 0)}; ` +
          `pings delivered (of 1,500): ours ${formatSummary(r.ours.pingsDelivered, '', 0)} | reference ${formatSummary(r.reference.pingsDelivered, '', 0)}`,
      );
    }
    for (const f of r.failures) lines.push(`  step failed — ${f}`);
  }
  return lines;
}
