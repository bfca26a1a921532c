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
import type { LoginResponse } from '../site/apiContract';
import { SUBPROTOCOL } from '../site/syncProtocol';
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

/** `nodes` nodes of ours on a fresh PostgreSQL and Redis, each client logged in on its node. */
async function startCluster(nodes: number): Promise<Target> {
  const [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
  const shared = await mkdtemp(path.join(tmpdir(), 'usine-cluster-'));
  const entry = await serverChildPath();
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const tokens: string[] = [];
  try {
    let credentials: { email: string; password: string } | null = null;
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
