// [HOT-5] A read holding one presence message alone opens no transaction of the room's doc (a
// client renews its presence every 15 s: a hundred reads a second for 1,500 clients, each an
// empty transaction with its cleanup); it is still relayed. A read holding an update, or a
// presence message and an update, is applied as one transaction as before. The real services
// of a temporary DATA_DIR, the real `syncSockets` behind a real HTTP server on loopback, raw TCP
// clients (rawWebSocket.ts) so that what the test writes at once is one read on the server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MESSAGE_AWARENESS, MESSAGE_SYNC } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import { composeServices, type Services } from '../app/composition';
import { tempDataDir, testLogger } from '../app/testHarness';
import { syncSockets } from '../transport/syncSockets';
import { OP, clientFrame, openRawWebSocket, sleep, type RawWebSocket } from './rawWebSocket';

let data: { dir: string; remove: () => Promise<void> };
let services: Services;
let server: http.Server;
let target: RunningServer;
let token: string;

beforeAll(async () => {
  data = await tempDataDir();
  services = await composeServices({ dataDir: data.dir, logger: testLogger, demoCommune: '13001' });
  const demo = services.demoAccount!;
  const login = await services.accounts.login(demo.email, demo.password, '127.0.0.1');
  if (!login.ok) throw new Error(`login refused: ${login.reason}`);
  token = login.response.accessToken;
  const sockets = syncSockets({
    ...services,
    logger: testLogger,
    clientAddress: () => '127.0.0.1',
    maxMessageBytes: 1024 * 1024,
  });
  server = http.createServer((_req, res) => res.end());
  server.on('upgrade', sockets.onUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  target = { port, url: `http://127.0.0.1:${port}` } as RunningServer;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await services?.dispose();
  await data?.remove();
});

function presenceMessage(aw: awarenessProtocol.Awareness): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(aw, [aw.clientID]));
  return encoding.toUint8Array(encoder);
}

function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsUpdate);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

async function until(condition: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const received = (ws: RawWebSocket, type: number) => ws.binaryMessages().filter((m) => m[0] === type).length;
const relayedUpdates = (ws: RawWebSocket) =>
  ws.binaryMessages().filter((m) => m[0] === MESSAGE_SYNC && m[1] === syncProtocol.messageYjsUpdate).length;

describe('a read of presence alone', () => {
  it('[HOT-5] opens no transaction of the doc and is relayed; a read with an update is one transaction', async () => {
    const name = '13001/page/presenceread1';
    const writer = await openRawWebSocket(target, name, token);
    const peer = await openRawWebSocket(target, name, token);
    const room = services.rooms.get(name)!;
    let transactions = 0;
    room.doc.on('beforeTransaction', () => (transactions += 1));
    const client = new Y.Doc();
    const presence = new awarenessProtocol.Awareness(client);
    try {
      // Presence alone, three times (set, then renewed twice): relayed each time, no transaction.
      for (let i = 1; i <= 3; i++) {
        presence.setLocalState({ cursor: i });
        await writer.write(clientFrame(OP.BINARY, presenceMessage(presence)));
        await until(() => received(peer, MESSAGE_AWARENESS) >= i, `presence ${i} at the peer`);
      }
      expect(room.awareness.getStates().get(client.clientID)).toMatchObject({ cursor: 3 });
      expect(transactions).toBe(0);

      // An update alone: one transaction, relayed.
      const updates: Uint8Array[] = [];
      client.on('update', (update: Uint8Array) => updates.push(update));
      client.getText('t').insert(0, 'Bonjour');
      await writer.write(clientFrame(OP.BINARY, updateMessage(updates[0]!)));
      await until(() => relayedUpdates(peer) === 1, 'the update at the peer');
      expect(transactions).toBe(1);

      // Presence and an update in one read: one transaction for the read, both relayed.
      presence.setLocalState({ cursor: 4 });
      client.getText('t').insert(7, ' à tous');
      await writer.write(
        Buffer.concat([
          clientFrame(OP.BINARY, presenceMessage(presence)),
          clientFrame(OP.BINARY, updateMessage(updates[1]!)),
        ]),
      );
      await until(() => relayedUpdates(peer) === 2, 'the second update at the peer');
      expect(room.doc.getText('t').toString()).toBe('Bonjour à tous');
      await until(() => received(peer, MESSAGE_AWARENESS) >= 4, 'presence 4 at the peer');
      expect(transactions).toBe(2);
    } finally {
      presence.destroy();
      writer.destroy();
      peer.destroy();
    }
  });
});
