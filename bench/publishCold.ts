/**
 * One full publication in a new process (bench/publish.ts runs it several times): the real
 * server starts on a copy of the seeded store given as argument, a référent logs in, and the
 * site is published through the HTTP API — with empty caches and code never run before in this
 * process. Prints `{"ms": …, "serverMs": …, "pages": …}`. The start of Node and of the server is
 * not timed (the server runs for months; a publication is one request to it).
 */
import { performance } from 'node:perf_hooks';
import type { PublishResponse } from '../site/apiContract';
import { login, startTestServer } from '../sync-server/app/testHarness';

const [dataDir, insee] = process.argv.slice(2);
if (!dataDir || !insee) throw new Error('usage: publishCold.ts <dataDir> <insee>');

const server = await startTestServer(dataDir, { createDemoAccount: false, scheduleIntervalMs: 0 });
try {
  await server.admin.addAgent({
    commune: insee,
    email: 'referent@bench.fr',
    password: 'Banc-de-mesure-2026!',
    role: 'referent',
    displayName: 'Banc de mesure',
  });
  const { accessToken } = await login(server, 'referent@bench.fr', 'Banc-de-mesure-2026!');
  const start = performance.now();
  const response = await fetch(`${server.url}/api/communes/${insee}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const ms = performance.now() - start;
  if (response.status !== 200) throw new Error(`publish failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as PublishResponse;
  console.log(JSON.stringify({ ms, serverMs: body.ms ?? -1, pages: body.pages }));
} finally {
  await server.close();
}
process.exit(0);
