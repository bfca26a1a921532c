// [CONN-1] Nothing of the upgrade request outlives the upgrade: once a sync connection is open,
// the HTTP request it came from (its headers, its URL, the head buffer, the token among its
// subprotocols) can be garbage-collected. A listener left on the socket that closes over the
// upgrade handler's scope would keep ~3 KiB per connection alive for the connection's lifetime.
// Real server on loopback, real y-websocket clients; the requests are followed with WeakRefs
// and the collector is forced (gc exposed at run time through v8 flags).
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  type TestClient,
} from '../app/testHarness';
import type { RunningServer } from '../app/server';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CONNECTIONS = 20;
const upgradeRequests: Array<WeakRef<http.IncomingMessage>> = [];
const originalEmit = http.Server.prototype.emit;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
const clients: TestClient[] = [];

beforeAll(async () => {
  // Follows every upgrade request the server receives, without holding it.
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'upgrade') upgradeRequests.push(new WeakRef(args[0] as http.IncomingMessage));
    return Reflect.apply(originalEmit, this, [event, ...args]) as boolean;
  } as typeof originalEmit;
  data = await tempDataDir();
  server = await startTestServer(data.dir);
});

afterAll(async () => {
  http.Server.prototype.emit = originalEmit;
  for (const client of clients) client.destroy();
  await server?.close();
  await data?.remove();
});

async function collect(): Promise<void> {
  // Several rounds: finalization of weak references happens between turns of the event loop.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('connections keep nothing of their upgrade request', () => {
  it('[CONN-1] every upgrade request of a live connection is collectable', async () => {
    const demo = server.demoAccount!;
    const { accessToken } = await login(server, demo.email, demo.password);
    for (let i = 0; i < CONNECTIONS; i++) {
      clients.push(openClient(server, `13001/page/leftovers-${i % 4}`, accessToken));
    }
    await waitFor(() => clients.every((c) => c.provider.synced), 'all clients synced', 20_000);
    expect(upgradeRequests.length).toBe(CONNECTIONS);
    await collect();
    const retained = upgradeRequests.filter((ref) => ref.deref() !== undefined).length;
    // The connections are still open and syncing: only their requests must be gone.
    expect(clients.every((c) => c.provider.wsconnected)).toBe(true);
    expect(retained).toBe(0);
  });
});
