// [WS-13] An upgrade whose checks end after the sockets closed (a shutdown under way) is answered
// 503 and joins no room: it once got 101, joined a room being closed, and — outside the set the
// shutdown had just emptied, with the heartbeat stopped — kept the HTTP server from closing for
// as long as its client stayed. Deterministic: the real services of a temporary DATA_DIR, the
// real `syncSockets` behind a real HTTP server on loopback; the accounts' last check before
// joining (`connectionAllowed`, the real one) is held until the sockets are closed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices, type Services } from '../app/composition';
import { tempDataDir, testLogger } from '../app/testHarness';
import { syncSockets } from '../transport/syncSockets';
import { handshakeRequest, rawHttp, within } from './rawWebSocket';

let data: { dir: string; remove: () => Promise<void> };
let services: Services;

beforeAll(async () => {
  data = await tempDataDir();
  services = await composeServices({ dataDir: data.dir, logger: testLogger, demoCommune: '13001' });
});

afterAll(async () => {
  await services?.dispose();
  await data?.remove();
});

describe('an upgrade racing the shutdown', () => {
  it('[WS-13] checked after the sockets closed: 503, no room joined, the HTTP server closes', async () => {
    const demo = services.demoAccount!;
    const login = await services.accounts.login(demo.email, demo.password, '127.0.0.1');
    if (!login.ok) throw new Error(`login refused: ${login.reason}`);
    const token = login.response.accessToken;

    // Hold the last check until the test lets it go.
    const accounts = services.accounts;
    const check = accounts.connectionAllowed.bind(accounts);
    let reached!: () => void;
    const atLastCheck = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    accounts.connectionAllowed = async (...args: Parameters<typeof check>) => {
      reached();
      await released;
      return check(...args);
    };

    const sockets = syncSockets({
      ...services,
      logger: testLogger,
      clientAddress: () => '127.0.0.1',
      maxMessageBytes: 1024 * 1024,
    });
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', sockets.onUpgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const target = { port, url: `http://127.0.0.1:${port}` } as Parameters<typeof handshakeRequest>[0];

    const answer = rawHttp(target, handshakeRequest(target, '13001/page/shutdown0001', token).request);
    await within(atLastCheck, 5_000, 'the upgrade at its last check');
    // The room is loaded and leased for this upgrade; the shutdown closes the sockets now.
    sockets.close();
    release();
    const { status, socket } = await within(answer, 5_000, 'the answer to the upgrade');
    expect(status).toBe(503);
    socket.destroy();
    // No connection joined, and the room's lease went back (it may be unloaded).
    expect(services.rooms.connectionCount).toBe(0);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await within(closed, 3_000, 'the HTTP server closing');
    accounts.connectionAllowed = check;
  }, 15_000);
});
