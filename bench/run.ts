/**
 * `npm run bench`: measures the budgets of DESIGN.md and prints a table. A benchmark reports;
 * it never fails CI (there are no timed assertions in tests).
 */
import os from 'node:os';
import { benchFanout } from './fanout';
import { benchPublish } from './publish';
import { benchServer, formatServerBench } from './server';

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`Usine à sites — benchmarks on ${machine}`);

const fanout = await benchFanout();
console.log(
  `sync fan-out, ${fanout.clients} clients in one room, ${fanout.updates} updates: ` +
    `p50 ${fanout.p50.toFixed(1)} ms, p99 ${fanout.p99.toFixed(1)} ms, max ${fanout.max.toFixed(1)} ms (budget p99 ≤ 50 ms)`,
);
const publish = await benchPublish();
console.log(
  `publish, ${publish.pages} pages: full ${publish.fullMs.toFixed(0)} ms (budget ≤ 2000 ms), ` +
    `republish with no change ${publish.republishMs.toFixed(0)} ms (budget after one change ≤ 100 ms; ` +
    `not incremental yet, so this is a full publish)`,
);
// Sync server vs the reference y-websocket 2.1.0 server, same load (bench/server.ts).
for (const line of formatServerBench(await benchServer())) console.log(line);
process.exit(0);
