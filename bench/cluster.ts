/**
 * The cluster mode (issue 13) on the load of bench/server.ts's fan-out and throughput steps:
 * one node and two nodes of ours on PostgreSQL + Redis (throwaway instances, fresh for each
 * run, every node compiled as in production), beside the reference y-websocket server. On two
 * nodes, clients alternate between the nodes: the fan-out's writer is on node 1 and half its
 * peers on node 2; each throughput writer's reader is on the other node (every update crosses
 * Redis). Ours persists every update in PostgreSQL before its acknowledgement and checks every
 * token and update, as in production. BENCH_RUNS runs (default 3), alternating
 * one node, two nodes, reference. Results: bench/results/cluster-<step>.json.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse, PublicationsResponse } from '../site/apiContract';
import { createPage, updatePage } from '../site/siteDoc';
import {
  MESSAGE_PERSISTED_ACK,
  SUBPROTOCOL,
  encodeDocState,
  isCoveredBy,
  pageRoom,
  readPersistedAck,
  siteRoom,
  type ReceivedState,
  trackProviderReceived,
} from '../site/syncProtocol';
import { startThrowawayPostgres } from '../sync-server/tests/throwawayPostgres';
import { startThrowawayRedis } from '../sync-server/tests/throwawayRedis';
import { command, machine, writeResult } from './resultFiles';
import {
  fanout,
  freePort,
  serverChildPath,
  spawnServer,
  startTarget,
  stopChild,
  throughput,
  waitForLine,
  type Target,
} from './server';
import { formatSummary, pairedRatio, summarize, type Summary } from './stats';

type Kind = 'one' | 'two' | 'reference';
const KINDS: Kind[] = ['one', 'two', 'reference'];

interface Cluster extends Target {
  ports: number[];
  databaseUrl: string;
  /** The demo référent's sign-in (made administrator by the morning step). */
  credentials: { email: string; password: string };
  firstDataDir: string;
}

/** `nodes` nodes of ours on a fresh PostgreSQL and Redis, each client logged in on its node. */
async function startCluster(nodes: number): Promise<Cluster> {
  const [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
  const shared = await mkdtemp(path.join(tmpdir(), 'usine-cluster-'));
  const entry = await serverChildPath();
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const tokens: string[] = [];
  let credentials: { email: string; password: string } | null = null;
  try {
    for (let i = 0; i < nodes; i++) {
      const port = await freePort();
      const child = spawnServer(entry, {
        PORT: String(port),
        DATA_DIR: path.join(shared, `node${i + 1}`),
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        SITES_DIR: path.join(shared, 'sites'),
        MEDIA_DIR: path.join(shared, 'media'),
        NODE_ENV: 'production',
      });
      children.push(child);
      const line = await waitForLine(child, /"ready":true/);
      // Accounts per node or shared: the node that created the demo account tells its password.
      credentials = (JSON.parse(line) as { demo: typeof credentials }).demo ?? credentials;
      const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      });
      if (response.status !== 200) throw new Error(`login on node ${i + 1}: ${response.status}`);
      tokens.push(((await response.json()) as LoginResponse).accessToken);
      ports.push(port);
    }
  } catch (error) {
    await Promise.all(children.map(stopChild));
    await Promise.all([postgres.stop(), redis.stop(), rm(shared, { recursive: true, force: true })]);
    throw error;
  }
  return {
    databaseUrl: postgres.url,
    credentials: credentials!,
    firstDataDir: path.join(shared, 'node1'),
    kind: 'usine',
    child: children[0]!,
    children,
    port: ports[0]!,
    ports,
    // One agent on every node; a shared account gives the same token's rights everywhere.
    protocols: [SUBPROTOCOL, tokens[0]!],
    protocolsOf: (index: number) => [SUBPROTOCOL, tokens[index % tokens.length]!],
    stop: async () => {
      await Promise.all(children.map(stopChild));
      await Promise.all([postgres.stop(), redis.stop(), rm(shared, { recursive: true, force: true })]);
    },
  };
}

function startKind(kind: Kind): Promise<Target> {
  return kind === 'reference' ? startTarget('reference') : startCluster(kind === 'one' ? 1 : 2);
}

interface ClusterStep {
  name: string;
  what: string;
  run: (target: Target) => Promise<Record<string, number>>;
  compared: Array<{ key: string; label: string; unit: string; better: 'lower' | 'higher' }>;
}

const STEPS: ClusterStep[] = [
  {
    name: 'fanout',
    what: '50 clients in one room (on two nodes: alternating), one writer, 200 updates 5 ms apart: latency to each of the 49 peers',
    run: fanout,
    compared: [
      { key: 'p50Ms', label: 'fan-out p50', unit: 'ms', better: 'lower' },
      { key: 'p99Ms', label: 'fan-out p99', unit: 'ms', better: 'lower' },
    ],
  },
  {
    name: 'throughput',
    what: '50 rooms × 2 clients (on two nodes: writer and reader on different nodes), 400 updates per writer in bursts of 20: updates delivered per second',
    run: (target) => throughput(target),
    compared: [{ key: 'updatesPerSecond', label: 'throughput', unit: 'updates/s', better: 'higher' }],
  },
];

export interface ClusterResult {
  name: string;
  figures: Record<Kind, Record<string, Summary>>;
  ratios: Record<'one' | 'two', Record<string, Summary>>;
  failures: string[];
  compared: ClusterStep['compared'];
  file: string;
}

async function benchClusterStep(step: ClusterStep, runs: number): Promise<ClusterResult> {
  const load = machine();
  const measured: Record<Kind, Array<Record<string, number>>> = { one: [], two: [], reference: [] };
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    for (const kind of KINDS) {
      let target: Target | undefined;
      try {
        target = await startKind(kind);
        const figures = await step.run(target);
        if ((figures.delivered ?? 0) < (figures.expected ?? 0))
          failures.push(`${kind} run ${i + 1}: ${figures.delivered}/${figures.expected} delivered`);
        measured[kind].push(figures);
      } catch (error) {
        measured[kind].push({});
        failures.push(`${kind} run ${i + 1}: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        await target?.stop();
      }
    }
  }
  const series = (kind: Kind, key: string) => measured[kind].map((f) => f[key] ?? NaN);
  const summaries = (kind: Kind) =>
    Object.fromEntries(step.compared.map(({ key }) => [key, summarize(series(kind, key))]));
  const ratio = (kind: 'one' | 'two') =>
    Object.fromEntries(
      step.compared.map(({ key }) => [key, pairedRatio(series(kind, key), series('reference', key))]),
    );
  const figures = { one: summaries('one'), two: summaries('two'), reference: summaries('reference') };
  const ratios = { one: ratio('one'), two: ratio('two') };
  const file = await writeResult(
    `cluster-${step.name}`,
    load,
    {
      what: step.what,
      order: 'one node, two nodes, reference, alternating; fresh instances per run',
      runs,
      figures,
      ratios,
      failures,
      measured,
    },
    command('cluster', { BENCH_CLUSTER_STEPS: step.name }),
  );
  return { name: step.name, figures, ratios, failures, compared: step.compared, file };
}

/** Every cluster step (or those of BENCH_CLUSTER_STEPS), BENCH_RUNS times (default 3). */
export async function benchCluster(runs = Number(process.env.BENCH_RUNS ?? 3)): Promise<ClusterResult[]> {
  const only = process.env.BENCH_CLUSTER_STEPS?.split(',');
  const results: ClusterResult[] = [];
  for (const step of STEPS.filter((s) => !only || only.includes(s.name)))
    results.push(await benchClusterStep(step, runs));
  return results;
}

export function formatClusterBench(results: ClusterResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`cluster ${result.name} (${path.relative(process.cwd(), result.file)}):`);
    for (const { key, label, unit, better } of result.compared) {
      const f = (kind: Kind) =>
        formatSummary(result.figures[kind][key], ` ${unit}`, unit === 'updates/s' ? 0 : 1);
      const r = (kind: 'one' | 'two') => formatSummary(result.ratios[kind][key], '×', 2);
      lines.push(
        `  ${label}: one node ${f('one')} | two nodes ${f('two')} | reference ${f('reference')} | ours/reference: one ${r('one')}, two ${r('two')} (${better} is better)`,
      );
    }
    for (const failure of result.failures) lines.push(`  ! ${failure}`);
  }
  return lines;
}

const MORNING_PASSWORD = 'Matinee-des-communes-2026';

async function api(
  port: number,
  method: string,
  pathname: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null };
}

async function signIn(port: number, email: string): Promise<string> {
  const answer = await api(port, 'POST', '/api/auth/login', undefined, { email, password: MORNING_PASSWORD });
  if (answer.status !== 200) throw new Error(`login ${email}: ${answer.status}`);
  return (answer.json as LoginResponse).accessToken;
}

/**
 * A morning of the Métropole on two nodes: the 92 communes' 4 agents each (368 accounts in
 * PostgreSQL) sign in on alternating nodes; in each commune the référent creates two pages and
 * the four agents co-edit them two by two (one on each node), 2 edits a second each, for 40 s;
 * meanwhile 20 communes publish and one schedules a page. Errors: a socket closed or refused, an
 * edit not acknowledged, a publication refused, the scheduled page not online.
 */
async function morning(): Promise<Record<string, number>> {
  const cluster = await startCluster(2);
  const clients: ClusterClient[] = [];
  try {
    // The demo référent made administrator by the CLI, as an operator would.
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'sync-server/app/admin.ts', 'set-admin', '--email', cluster.credentials.email],
      {
        cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
        env: { ...process.env, DATA_DIR: cluster.firstDataDir, DATABASE_URL: cluster.databaseUrl },
      },
    );
    const [portA, portB] = cluster.ports as [number, number];
    const admin = (await api(portA, 'POST', '/api/auth/login', undefined, cluster.credentials).then(
      (a) => a.json,
    )) as LoginResponse;
    const communes = (
      (await api(portA, 'GET', '/api/admin/communes', admin.accessToken)).json as {
        communes: Array<{ insee: string }>;
      }
    ).communes.map((c) => c.insee);
    let errors = 0;
    const agents: Array<{ insee: string; k: number; email: string; port: number; token: string }> = [];
    for (const insee of communes) {
      for (let k = 0; k < 4; k++) {
        const email = `agent${k + 1}@${insee}.matin`;
        const role = k === 0 ? 'referent' : 'agent';
        const added = await api(portA, 'POST', `/api/communes/${insee}/agents`, admin.accessToken, {
          email,
          role,
          password: MORNING_PASSWORD,
        });
        if (added.status >= 300)
          throw new Error(`add ${email}: ${added.status} ${JSON.stringify(added.json)}`);
        const port = k % 2 === 0 ? portA : portB;
        agents.push({ insee, k, email, port, token: await signIn(port, email) });
      }
    }
    // Each référent creates the commune's two pages (published) in its manifest.
    const pagesOf = new Map<string, string[]>();
    for (const agent of agents.filter((a) => a.k === 0)) {
      const manifest = openClusterClient(agent.port, siteRoom(agent.insee), agent.token);
      clients.push(manifest);
      await until(() => manifest.provider.synced, 30_000);
      const ids = ['Horaires', 'Conseil municipal'].map((title) => {
        const page = createPage(manifest.doc, { title, updatedBy: 'banc' });
        updatePage(manifest.doc, page.id, { status: 'published' }, 'banc');
        return page.id;
      });
      pagesOf.set(agent.insee, ids);
    }
    // Four agents, two per page, one on each node.
    const editors = agents.map((agent) => {
      const pageId = pagesOf.get(agent.insee)![agent.k < 2 ? 0 : 1]!;
      return openClusterClient(agent.port, pageRoom(agent.insee, pageId), agent.token);
    });
    clients.push(...editors);
    await until(() => editors.every((e) => e.provider.synced), 60_000);
    const started = performance.now();
    let sent = 0;
    const typing = editors.map(async (editor, n) => {
      await new Promise((resolve) => setTimeout(resolve, (n * 37) % 500));
      for (let i = 0; performance.now() - started < 40_000; i++) {
        editor.doc.getArray<string>('matin').push([`${n}:${i}`]);
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });
    // 20 publications, one every 1.5 s from t = 5 s; one schedule at t = 3 s for t + 10 s.
    const referents = agents.filter((a) => a.k === 0);
    const scheduler = referents[20]!;
    const scheduledPage = pagesOf.get(scheduler.insee)![0]!;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const scheduled = await api(
      scheduler.port,
      'POST',
      `/api/communes/${scheduler.insee}/schedule`,
      scheduler.token,
      {
        pageId: scheduledPage,
        at: Date.now() + 10_000,
      },
    );
    if (scheduled.status >= 300) errors++;
    let published = 0;
    for (const referent of referents.slice(0, 20)) {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const answer = await api(
        referent.port,
        'POST',
        `/api/communes/${referent.insee}/publish`,
        referent.token,
      );
      if (answer.status === 200) published++;
      else errors++;
    }
    await Promise.all(typing);
    const saved = await until(() => editors.every(savedAll), 60_000);
    const acked = editors.filter(savedAll).length;
    // The scheduled page: online once, by the schedule.
    const scheduledRan = await until(async () => {
      const log = await api(
        scheduler.port,
        'GET',
        `/api/communes/${scheduler.insee}/publications`,
        scheduler.token,
      );
      return (
        ((log.json as PublicationsResponse).publications ?? []).filter(
          (p) => p.publishedBy === 'programmation',
        ).length === 1
      );
    }, 30_000);
    errors += clients.reduce((n, c) => n + c.errors, 0) + (saved ? 0 : 1) + (scheduledRan ? 0 : 1);
    return {
      agents: agents.length,
      editsSent: sent,
      editsPerSecond: sent / 40,
      editorsSaved: acked,
      publications: published,
      scheduledPublications: scheduledRan ? 1 : 0,
      errors,
    };
  } finally {
    for (const c of clients) c.provider.destroy();
    await cluster.stop();
  }
}

interface ClusterClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  acks: Uint8Array[];
  /** What the server sent on the current connection (others' edits, acknowledged to them). */
  received: ReceivedState;
  errors: number;
}

const closingClients = new WeakSet<WebsocketProvider>();

function openClusterClient(port: number, room: string, token: string): ClusterClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, room, doc, {
    protocols: [SUBPROTOCOL, token],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const client: ClusterClient = {
    doc,
    provider,
    acks: [],
    received: trackProviderReceived(provider),
    errors: 0,
  };
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) =>
    void client.acks.push(readPersistedAck(decoder));
  provider.on('connection-error', () => (client.errors += 1));
  provider.on('connection-close', () => {
    if (!closingClients.has(provider)) client.errors += 1;
  });
  const destroy = provider.destroy.bind(provider);
  provider.destroy = () => {
    closingClients.add(provider);
    destroy();
  };
  return client;
}

const savedAll = (c: ClusterClient) =>
  c.acks.some((ack) => isCoveredBy(encodeDocState(c.doc), ack, c.received));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The morning (BENCH_ONLY=morning): one run, figures and errors. */
export async function benchMorning(): Promise<string[]> {
  const load = machine();
  const figures = await morning();
  const file = await writeResult('cluster-morning', load, {
    what: '92 communes × 4 agents on two nodes (PostgreSQL + Redis): 40 s of co-editing at 2 edits/s per agent, 20 publications, 1 scheduled publication',
    figures,
  });
  return [
    `cluster morning (${path.relative(process.cwd(), file)}): ${figures.agents} agents on two nodes, ${figures.editsSent} edits (${figures.editsPerSecond!.toFixed(0)}/s), ${figures.editorsSaved}/${figures.agents} editors all saved, ${figures.publications}/20 publications, ${figures.scheduledPublications}/1 scheduled, ${figures.errors} errors`,
  ];
}
