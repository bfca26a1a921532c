/**
 * The top functions by self time of the CPU profiles `BENCH_CPU_PROF=dir` left (bench/server.ts):
 * `tsx bench/serverProfile.ts dir [count]`. Only main-thread profiles are read (Node names a
 * worker's `….<thread>.<n>.cpuprofile` with a thread id above 0), summed over every run; a
 * function is its name, file and line. Each profile is read from its first sample inside
 * `updateProblem` (the first client update checked) to its last, so that the server's start-up
 * (module loading, the password policy's dictionaries), the clients' connections and what
 * follows their departure (session snapshots) are left out. Shares are of the busy samples (idle excluded); garbage collection is its own line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const NOT_BUSY = new Set(['(idle)', '(root)']);
/** The frame whose first and last samples bound the measured window. */
const WINDOW_FRAME = 'updateProblem';

/** Indexes of the first and last samples whose stack holds a frame named `frame`. */
function samplesUnder(profile: Profile, frame: string): { from: number; to: number } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const under = (id: number | undefined): boolean => {
    for (; id !== undefined; id = parent.get(id))
      if (byId.get(id)?.callFrame.functionName === frame) return true;
    return false;
  };
  const from = profile.samples.findIndex((id) => under(id));
  const to = profile.samples.findLastIndex((id) => under(id));
  return from === -1 ? { from: 0, to: profile.samples.length - 1 } : { from, to };
}

/** Self time in µs per function, over the main-thread profiles of `dir`. */
export function selfTimes(dir: string): Map<string, number> {
  const totals = new Map<string, number>();
  const mainThread = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  for (const file of mainThread) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const names = new Map<number, string>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? ` ${path.basename(url)}:${lineNumber + 1}` : '';
      names.set(node.id, `${functionName || '(anonymous)'}${where}`);
    }
    const { from, to } = samplesUnder(profile, WINDOW_FRAME);
    profile.samples.forEach((id, i) => {
      if (i < from || i > to) return;
      const name = names.get(id) ?? '?';
      totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

export function topFunctions(dir: string, count = 10): Array<{ name: string; share: number; ms: number }> {
  const busy = [...selfTimes(dir)].filter(([name]) => !NOT_BUSY.has(name.split(' ')[0]!));
  const total = busy.reduce((sum, [, us]) => sum + us, 0);
  return busy
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, share: us / total, ms: us / 1000 }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tsx bench/serverProfile.ts <dossier des profils> [nombre]');
    process.exit(2);
  }
  const busyMs = [...selfTimes(dir)]
    .filter(([name]) => !NOT_BUSY.has(name.split(' ')[0]!))
    .reduce((sum, [, us]) => sum + us / 1000, 0);
  console.log(`busy CPU in the measured windows: ${busyMs.toFixed(0)} ms`);
  console.log('| # | function (self time) | share of busy CPU | ms |');
  console.log('|---|---|---|---|');
  topFunctions(dir, Number(process.argv[3] ?? 10)).forEach((f, i) =>
    console.log(`| ${i + 1} | \`${f.name}\` | ${(f.share * 100).toFixed(1)} % | ${f.ms.toFixed(0)} |`),
  );
}
