/**
 * Start-up of the server as production runs it (`node dist/server/main.mjs`, built by
 * `npm run build:server`) against the TypeScript sources run through tsx (`node --import tsx
 * sync-server/app/main.ts`, the server process of the former `npm run server`; tsx's CLI also
 * kept a parent process of its own, not counted here). Runs alternate (built, tsx, built…) on
 * the same DATA_DIR, already initialized by a first start (not timed: the 92 communes, the demo
 * account and its scrypt hash are a one-time cost). Timed from spawn to the first 200 of
 * /healthz; RSS read then and 2 s later.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../sync-server/app/serverProcess';
import { formatSummary, pairedRatio, summarize, type Summary } from './stats';
import { machine, writeResult } from './resultFiles';
import { rssBytes } from './server';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type Variant = 'built' | 'tsx';
const ARGS: Record<Variant, string[]> = {
  built: [path.join(repoRoot, 'dist', 'server', 'main.mjs')],
  tsx: ['--import', 'tsx', path.join(repoRoot, 'sync-server', 'app', 'main.ts')],
};

interface StartRun {
  startMs: number;
  rssReadyBytes: number;
  rssSettledBytes: number;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function startOnce(variant: Variant, dataDir: string): Promise<StartRun> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ARGS[variant], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant} server exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error(`${variant} server not healthy after 60 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const startMs = performance.now() - started;
    const rssReadyBytes = rssBytes(child.pid);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { startMs, rssReadyBytes, rssSettledBytes: rssBytes(child.pid) };
  } finally {
    await stop(child);
  }
}

export interface StartupResult {
  runs: number;
  buildMs: number;
  built: Record<keyof StartRun, Summary>;
  tsx: Record<keyof StartRun, Summary>;
  ratio: Record<keyof StartRun, Summary>;
}

export async function benchStartup(runs = Number(process.env.BENCH_RUNS ?? 5)): Promise<StartupResult> {
  const load = machine();
  const buildStarted = performance.now();
  execFileSync(process.execPath, [path.join(repoRoot, 'sync-server', 'app', 'build.mjs')], {
    stdio: 'ignore',
  });
  const buildMs = performance.now() - buildStarted;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'usine-bench-startup-'));
  try {
    await startOnce('built', dataDir); // first start: migrations, communes, demo account
    const measured: Record<Variant, StartRun[]> = { built: [], tsx: [] };
    for (let i = 0; i < runs; i++) {
      for (const variant of ['built', 'tsx'] as const)
        measured[variant].push(await startOnce(variant, dataDir));
    }
    const keys = ['startMs', 'rssReadyBytes', 'rssSettledBytes'] as const;
    const of = (variant: Variant, key: keyof StartRun) => measured[variant].map((r) => r[key]);
    const per = (variant: Variant) =>
      Object.fromEntries(keys.map((k) => [k, summarize(of(variant, k))])) as Record<keyof StartRun, Summary>;
    const result: StartupResult = {
      runs,
      buildMs: Math.round(buildMs),
      built: per('built'),
      tsx: per('tsx'),
      ratio: Object.fromEntries(keys.map((k) => [k, pairedRatio(of('built', k), of('tsx', k))])) as Record<
        keyof StartRun,
        Summary
      >,
    };
    await writeResult('startup', load, {
      what: 'spawn to first /healthz 200 on an initialized DATA_DIR; RSS at that moment and 2 s later; ratio = built / tsx per pair of runs',
      ...result,
    });
    return result;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatStartupBench(r: StartupResult): string[] {
  const mib = (s: Summary) =>
    formatSummary(
      { ...s, median: s.median / 2 ** 20, min: s.min / 2 ** 20, max: s.max / 2 ** 20, runs: [] },
      ' MiB',
    );
  return [
    `server start-up, ${r.runs} runs each, alternating (build ${r.buildMs} ms, once):`,
    `  to /healthz: built ${formatSummary(r.built.startMs, ' ms', 0)} | tsx ${formatSummary(r.tsx.startMs, ' ms', 0)} | built/tsx ${formatSummary(r.ratio.startMs, '×', 2)}`,
    `  RSS when ready: built ${mib(r.built.rssReadyBytes)} | tsx ${mib(r.tsx.rssReadyBytes)} | built/tsx ${formatSummary(r.ratio.rssReadyBytes, '×', 2)}`,
    `  RSS 2 s later: built ${mib(r.built.rssSettledBytes)} | tsx ${mib(r.tsx.rssSettledBytes)} | built/tsx ${formatSummary(r.ratio.rssSettledBytes, '×', 2)}`,
  ];
}
