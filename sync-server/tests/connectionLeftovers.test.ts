// [CONN-1] Nothing of the upgrade request outlives the upgrade: once a sync connection is open,
// the HTTP request it came from (its headers, its URL, the head buffer, the token among its
// subprotocols) can be garbage-collected. A listener left on the socket that closes over the
// upgrade handler's scope would keep ~3 KiB per connection alive for the connection's lifetime.
// [CONN-5] What stays per connection is one socket object: its listeners are the same functions
// for every socket (no closure each), and the connections of one login session share one
// identity object (the same six values were copied from the agent's row at every upgrade).
// Real server on loopback, real y-websocket clients; the requests are followed with WeakRefs
// and the collector is forced (gc exposed at run time through v8 flags).
import http from 'node:http';
import type { Socket } from 'node:net';
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
/** The TCP sockets of the upgrades, once a test asks for them ([CONN-5]). */
let upgradeSockets: Socket[] | null = null;
const originalEmit = http.Server.prototype.emit;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
const clients: TestClient[] = [];

beforeAll(async () => {
  // Follows every upgrade request the server receives, without holding it.
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'upgrade') upgradeRequests.push(new WeakRef(args[0] as http.IncomingMessage));
    if (event === 'upgrade') upgradeSockets?.push(args[1] as Socket);
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

/** The server's sync socket over a TCP socket (kept under its symbol `syncSocket`). */
function syncSocketOf(socket: Socket): Record<string, unknown> {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'syncSocket')!;
  return Reflect.get(socket, symbol) as Record<string, unknown>;
}

describe('what a connection keeps', () => {
  it('[CONN-5] the same listeners for every socket, one identity per login session', async () => {
    upgradeSockets = [];
    const demo = server.demoAccount!;
    const sessions = [
      await login(server, demo.email, demo.password),
      await login(server, demo.email, demo.password),
    ];
    const opened = Array.from({ length: 12 }, (_, i) =>
      openClient(server, `13001/page/shared-${i % 3}`, sessions[i % 2]!.accessToken),
    );
    clients.push(...opened);
    await waitFor(() => opened.every((c) => c.provider.synced), 'all clients synced', 20_000);
    const tcpSockets = upgradeSockets;
    const sockets = tcpSockets.map(syncSocketOf);
    upgradeSockets = null;
    expect(sockets).toHaveLength(12);
    expect(sockets.every((ws) => ws !== undefined)).toBe(true);
    for (const event of ['data', 'end', 'close', 'error']) {
      // Every TCP socket has the same listeners (Node's own and ours): no closure per socket.
      const listeners = new Set(tcpSockets.flatMap((tcp) => tcp.listeners(event)));
      const perSocket = tcpSockets[0]!.listeners(event).length;
      expect(perSocket).toBeGreaterThan(0);
      expect({ event, functions: listeners.size }).toEqual({ event, functions: perSocket });
    }
    const identities = sockets.map((ws) => (ws.connection as { identity: object }).identity);
    // Two login sessions, twelve connections: two identity objects, frozen.
    expect(new Set(identities).size).toBe(2);
    expect(identities.every((identity) => Object.isFrozen(identity))).toBe(true);
    expect(new Set(identities.map((i) => (i as { sessionId: string }).sessionId)).size).toBe(2);
  });
});
