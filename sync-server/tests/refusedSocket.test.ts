// [HOS-13] A refused sync upgrade is answered with its close code, then `ws` reads on until the
// client's close frame: a malformed frame sent meanwhile (unmasked, as no browser sends) is an
// error of that socket only. It once had no listener there, and the process ended. Real server
// on loopback, a raw TCP client speaking the handshake itself.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '../../site/syncProtocol';
import { startTestServer, tempDataDir } from '../app/testHarness';
import type { RunningServer } from '../app/server';

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir);
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

/** Opens a raw WebSocket handshake with a token the server refuses; resolves once answered 101. */
function refusedUpgrade(): Promise<{ socket: net.Socket; received: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let bytes = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const first = bytes.length === 0;
      bytes = Buffer.concat([bytes, chunk]);
      if (first) resolve({ socket, received: () => bytes });
    });
    socket.write(
      [
        'GET /sync/13001/page/refusedsock HTTP/1.1',
        `Host: 127.0.0.1:${server.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        `Sec-WebSocket-Protocol: ${SUBPROTOCOL}, jeton-invalide`,
        '',
        '',
      ].join('\r\n'),
    );
  });
}

describe('a refused socket', () => {
  it('[HOS-13] a malformed frame after the refusal closes that socket; the server goes on', async () => {
    const { socket, received } = await refusedUpgrade();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received().toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    // The close frame of the refusal (opcode 8) came after the handshake, code 4401.
    expect(received().includes(Buffer.from([0x88]))).toBe(true);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // A binary frame without the mask bit: a protocol error on the server's side.
    socket.write(Buffer.from([0x82, 0x03, 1, 2, 3]));
    await closed;
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
