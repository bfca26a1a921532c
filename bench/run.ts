/**
 * `npm run bench`: measures the budgets of DESIGN.md and prints a table. A benchmark reports;
 * it never fails CI (there are no timed assertions in tests). BENCH_ONLY=flood,server (names
 * below) runs only those.
 */
import os from 'node:os';
import { benchEditor, formatEditorBench } from './editor';
import { benchFanout } from './fanout';
import { benchFlood, formatFloodBench } from './flood';
import { benchPublish, formatPublishBench } from './publish';
import { benchSiteQuality, formatSiteQuality } from './siteQuality';
import { benchServer, formatServerBench } from './server';
import { benchCluster, formatClusterBench } from './cluster';
import { benchStartup, formatStartupBench } from './startup';

const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`Usine à sites — benchmarks on ${machine}`);

if (wanted('fanout')) {
  const fanout = await benchFanout();
  console.log(
    `sync fan-out, ${fanout.clients} clients in one room, ${fanout.updates} updates: ` +
      `p50 ${fanout.p50.toFixed(1)} ms, p99 ${fanout.p99.toFixed(1)} ms, max ${fanout.max.toFixed(1)} ms (budget p99 ≤ 50 ms)`,
  );
}
if (wanted('publish')) for (const line of formatPublishBench(await benchPublish())) console.log(line);
if (wanted('siteQuality')) for (const line of formatSiteQuality(await benchSiteQuality())) console.log(line);
// Start-up of the compiled server vs the sources through tsx (bench/startup.ts).
if (wanted('startup')) for (const line of formatStartupBench(await benchStartup())) console.log(line);
// Sync server vs the reference y-websocket 2.1.0 server, same load (bench/server.ts).
if (wanted('server')) for (const line of formatServerBench(await benchServer())) console.log(line);
// The cluster mode: one node and two nodes on PostgreSQL + Redis, vs the reference (bench/cluster.ts).
if (wanted('cluster')) for (const line of formatClusterBench(await benchCluster())) console.log(line);
// A relecteur whose socket never reads floods sync step 1 on a large page (bench/flood.ts).
if (wanted('flood')) for (const line of formatFloodBench(await benchFlood())) console.log(line);
// Editor budgets in Chromium through the real UI (bench/editor.ts; needs `npm run build`).
if (wanted('editor')) for (const line of formatEditorBench(await benchEditor())) console.log(line);
process.exit(0);
