/**
 * `npm run bench`: measures the budgets of DESIGN.md and prints a table. A benchmark reports;
 * it never fails CI (there are no timed assertions in tests).
 */
import os from 'node:os';
import { benchEditor, formatEditorBench } from './editor';
import { benchFanout } from './fanout';
import { benchPublish, formatPublishBench } from './publish';
import { benchSiteQuality, formatSiteQuality } from './siteQuality';
import { benchServer, formatServerBench } from './server';

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`Usine à sites — benchmarks on ${machine}`);

const fanout = await benchFanout();
console.log(
  `sync fan-out, ${fanout.clients} clients in one room, ${fanout.updates} updates: ` +
    `p50 ${fanout.p50.toFixed(1)} ms, p99 ${fanout.p99.toFixed(1)} ms, max ${fanout.max.toFixed(1)} ms (budget p99 ≤ 50 ms)`,
);
const publish = await benchPublish();
for (const line of formatPublishBench(publish)) console.log(line);
for (const line of formatSiteQuality(await benchSiteQuality())) console.log(line);
// Sync server vs the reference y-websocket 2.1.0 server, same load (bench/server.ts).
for (const line of formatServerBench(await benchServer())) console.log(line);
// Editor budgets in Chromium through the real UI (bench/editor.ts; needs `npm run build`).
for (const line of formatEditorBench(await benchEditor())) console.log(line);
process.exit(0);
