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
  it('[HOT-1] bursts of 20 updates reach the reader in far fewer writes than messages', async () => {
    const demo = server.demoAccount!;
    const { accessToken } = await login(server, demo.email, demo.password);
    const writer = openClient(server, '13001/page/turnwrites', accessToken);
    const reader = openClient(server, '13001/page/turnwrites', accessToken);
    clients.push(writer, reader);
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    await waitFor(() => writer.acks.length > 0 && reader.acks.length > 0, 'initial acks');
    let relayed = 0;
    reader.doc.on('update', () => (relayed += 1));
    const acksBefore = writer.acks.length + reader.acks.length;
    serverWrites = 0;
    const BURSTS = 10;
    for (let burst = 0; burst < BURSTS; burst++) {
      for (let i = 0; i < 20; i++) writer.doc.getArray('t').push([burst * 20 + i]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => relayed >= BURSTS * 20, 'every update relayed', 20_000);
    const sent = relayed + writer.acks.length + reader.acks.length - acksBefore;
    console.log(`[HOT-1] ${sent} messages sent by the server in ${serverWrites} writes`);
    expect(reader.doc.getArray('t').length).toBe(BURSTS * 20);
    // One write per message before; a burst arrives in a few reads, each answered in one write.
    expect(serverWrites * 3).toBeLessThanOrEqual(sent);
  });
});
