// [HOT-1] What the server sends one socket during one turn of its event loop leaves in one
// write: a writer's burst of updates reaches the reader in a few writes, not one per update.
// Real server on loopback, real y-websocket clients; the server's socket writes are counted at
// the stream layer (each call of a net.Socket's _write or _writev is one write to the kernel).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';
import type { RunningServer } from '../app/server';

type WriteMethod = (this: net.Socket, ...args: unknown[]) => unknown;
const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', WriteMethod>;
const original = { _write: proto._write, _writev: proto._writev };
let serverWrites = 0;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
const clients: TestClient[] = [];

beforeAll(async () => {
  for (const method of ['_write', '_writev'] as const) {
    const write = original[method];
    proto[method] = function (this: net.Socket, ...args: unknown[]) {
      // Sockets the server accepted have `server` set; the clients' own do not.
      if ((this as { server?: unknown }).server) serverWrites += 1;
      return Reflect.apply(write, this, args);
    };
  }
  data = await tempDataDir();
  server = await startTestServer(data.dir);
});

afterAll(async () => {
  Object.assign(proto, original);
  for (const client of clients) client.destroy();
  await server?.close();
  await data?.remove();
});

describe('writes per socket and turn', () => {
  it('[HOT-1] four writers bursting into one room reach each peer in fewer writes than messages', async () => {
    const demo = server.demoAccount!;
    const { accessToken } = await login(server, demo.email, demo.password);
    const peers = Array.from({ length: 5 }, () => openClient(server, '13001/page/turnwrites', accessToken));
    clients.push(...peers);
    await Promise.all(peers.map(waitSynced));
    await waitFor(() => peers.every((p) => p.acks.length > 0), 'initial acks');
    const [reader, ...writers] = peers as [TestClient, ...TestClient[]];
    let messages = 0;
    for (const peer of peers)
      peer.doc.on('update', (_: Uint8Array, origin: unknown) => {
        if (origin !== null) messages += 1; // a relayed update (the peer's own edits have origin null)
      });
    const acksBefore = peers.reduce((n, p) => n + p.acks.length, 0);
    serverWrites = 0;
    // 400 updates of one agent: within its burst of 500 (Limits.ts).
    const BURSTS = 5;
    for (let burst = 0; burst < BURSTS; burst++) {
      // Each writer's burst is one TCP read on the server ([HOT-5]): the four of one turn, and
      // the acks, go to each peer in one write.
      for (const [w, writer] of writers.entries())
        for (let i = 0; i < 20; i++) writer.doc.getArray(`t${w}`).push([burst * 20 + i]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const total = BURSTS * 20;
    const complete = (p: TestClient) => writers.every((_, w) => p.doc.getArray(`t${w}`).length === total);
    await waitFor(() => peers.every(complete), 'every update relayed to every peer', 20_000);
    const sent = messages + peers.reduce((n, p) => n + p.acks.length, 0) - acksBefore;
    console.log(`[HOT-1] ${sent} messages sent by the server in ${serverWrites} writes`);
    expect(reader.doc.getArray('t0').toArray()).toEqual(Array.from({ length: total }, (_, i) => i));
    // One write per message before (writes = messages); what a turn sends a socket now leaves
    // in one write.
    expect(serverWrites).toBeLessThan(sent);
  });
});
