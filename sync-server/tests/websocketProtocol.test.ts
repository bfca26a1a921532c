// [WS-1..WS-11] The server's own RFC 6455 layer (transport/websocket/, transport/syncSocket.ts)
// as a peer sees it: fragmented messages and control frames between their fragments, frames
// split across TCP reads, every protocol error answered by a close frame with its code and the
// end of the TCP connection, the close handshake, header-only frames that reserve nothing, ping
// floods, refused opening handshakes, clients that never answer the close. Real server on
// loopback (port 0, in this process), a raw TCP client speaking the protocol by hand
// (rawWebSocket.ts): masked frames, exact bytes, no `ws` and no mocks.
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CLOSE, MESSAGE_SYNC } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import { login, startTestServer, tempDataDir } from '../app/testHarness';
import {
  OP,
  clientFrame,
  closePayload,
  handshakeRequest,
  openRawWebSocket,
  rawHttp,
  sleep,
  within,
  type RawHttpAnswer,
  RawWebSocket,
  type RawWebSocketOptions,
} from './rawWebSocket';

/** maxMessageBytes of the main server: its frame bound is twice this (syncSockets.ts). */
const MAX_MESSAGE = 64 * 1024;
const FRAME_BOUND = MAX_MESSAGE * 2;
/** The server cuts a client that does not answer its close after this (syncSocket.ts). */
const CLOSE_GRACE_MS = 3_000;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let token: string;
let roomCounter = 0;
const sockets: RawWebSocket[] = [];

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { maxMessageBytes: MAX_MESSAGE });
  const demo = server.demoAccount!;
  token = (await login(server, demo.email, demo.password)).accessToken;
});

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.destroy();
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

function freshRoom(): string {
  roomCounter += 1;
  return `13001/page/wsproto${String(roomCounter).padStart(4, '0')}`;
}

/** A raw WebSocket joined to a fresh room (its first sync message received). */
async function joined(options: RawWebSocketOptions = {}, on = server, as = token): Promise<RawWebSocket> {
  const ws = await openRawWebSocket(on, freshRoom(), as, options);
  sockets.push(ws);
  return ws;
}

function syncStep1(doc = new Y.Doc()): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** A sync update message inserting `text` in the text `t` of a fresh doc. */
function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsUpdate);
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(doc));
  return encoding.toUint8Array(encoder);
}

const isStep2 = (payload: Buffer) =>
  payload[0] === MESSAGE_SYNC && payload[1] === syncProtocol.messageYjsSyncStep2;

/** The text `t` of the doc a sync step 2 carries. */
function textOfStep2(payload: Buffer): string {
  const decoder = decoding.createDecoder(payload);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  return doc.getText('t').toString();
}

/** Asks for the room's whole doc (step 1 of an empty doc) and returns its text `t`. */
async function roomText(ws: RawWebSocket): Promise<string> {
  const from = ws.frames.length;
  await ws.send(OP.BINARY, syncStep1());
  const step2 = await ws.frame(
    (f) => f.opcode === OP.BINARY && isStep2(f.payload),
    3_000,
    from,
    'sync step 2',
  );
  return textOfStep2(step2.payload);
}

/** /healthz answers 200; returns how long it took. */
async function healthy(on = server): Promise<number> {
  const started = performance.now();
  const response = await within(fetch(`${on.url}/healthz`), 5_000, '/healthz');
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return performance.now() - started;
}

/** Waits until nothing has been received for 300 ms (or the socket closed). */
async function quiet(ws: RawWebSocket): Promise<void> {
  let count = -1;
  while (count !== ws.frames.length && !ws.isClosed) {
    count = ws.frames.length;
    await sleep(300);
  }
}

/** Live memory of this process (the server runs in it): heap and array buffers after a full GC. */
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function settledMemory(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** The server's close frame carries `code`, then the server ends the TCP connection. */
async function expectFailed(ws: RawWebSocket, code: number): Promise<void> {
  const close = await ws.closeFrame(2_000);
  expect(close.code).toBe(code);
  await within(ws.ended, 2_000, 'the server ending the TCP connection');
  expect(ws.isEnded).toBe(true);
}

describe('fragmented messages and split frames', () => {
  it('[WS-1] a fragmented message with pings between its fragments is reassembled; each ping gets its pong at once', async () => {
    const ws = await joined();
    // The message: an update of 300 characters in three fragments (the middle one empty), a
    // ping after the first and after the second.
    const update = textUpdate('fragments réassemblés '.repeat(14));
    const cut = Math.floor(update.length / 2);
    const from = ws.frames.length;
    await ws.send(OP.BINARY, update.subarray(0, cut), { fin: false });
    await ws.send(OP.PING, Buffer.from('ping-1'));
    const pong1 = await ws.frame((f) => f.opcode === OP.PONG, 2_000, from, 'pong 1');
    expect(pong1.payload.toString()).toBe('ping-1');
    expect(pong1.fin).toBe(true);
    await ws.send(OP.CONTINUATION, new Uint8Array(0), { fin: false });
    await ws.send(OP.PING, Buffer.from('ping-2'));
    await ws.frame((f) => f.opcode === OP.PONG && f.payload.toString() === 'ping-2', 2_000, from, 'pong 2');
    await ws.send(OP.CONTINUATION, update.subarray(cut), { fin: true });
    // Now a fragmented sync step 1 (with a ping between its two fragments): the step 2 answer
    // holds the update above, so both messages were reassembled and processed.
    const step1 = syncStep1();
    const beforeStep1 = ws.frames.length;
    await ws.send(OP.BINARY, step1.subarray(0, 1), { fin: false });
    await ws.send(OP.PING, Buffer.from([0, 1, 2, 255]));
    const pong3 = await ws.frame((f) => f.opcode === OP.PONG, 2_000, beforeStep1, 'pong 3');
    expect([...pong3.payload]).toEqual([0, 1, 2, 255]);
    // The message is incomplete: no answer yet.
    expect(ws.frames.slice(beforeStep1).some((f) => f.opcode === OP.BINARY && isStep2(f.payload))).toBe(
      false,
    );
    await ws.send(OP.CONTINUATION, step1.subarray(1), { fin: true });
    const step2 = await ws.frame(
      (f) => f.opcode === OP.BINARY && isStep2(f.payload),
      3_000,
      beforeStep1,
      'step 2',
    );
    expect(textOfStep2(step2.payload)).toBe('fragments réassemblés '.repeat(14));
    expect(ws.frames.some((f) => f.opcode === OP.CLOSE)).toBe(false);
    expect(ws.isEnded).toBe(false);
  }, 15_000);

  it('[WS-2] frames written one byte per TCP write (header, extended length, mask, payload) are still processed', async () => {
    const ws = await joined();
    ws.socket.setNoDelay(true);
    const text = 'un octet à la fois '.repeat(12);
    // 16-bit extended length (> 125 bytes), then a short frame: both cut at every byte.
    const bytes = Buffer.concat([
      clientFrame(OP.BINARY, textUpdate(text)),
      clientFrame(OP.PING, Buffer.from('p')),
    ]);
    expect(bytes[1]! & 0x7f).toBe(126);
    const from = ws.frames.length;
    for (const byte of bytes) {
      await ws.write(Buffer.from([byte]));
      await sleep(1);
    }
    await ws.frame((f) => f.opcode === OP.PONG && f.payload.toString() === 'p', 2_000, from, 'pong');
    expect(await roomText(ws)).toBe(text);
    expect(ws.frames.some((f) => f.opcode === OP.CLOSE)).toBe(false);
  }, 15_000);
});

describe('protocol errors: a close frame with the code, then the end of the TCP connection', () => {
  const mask = [0x11, 0x22, 0x33, 0x44];
  const cases: Array<{ name: string; bytes: () => Buffer; code: number }> = [
    {
      name: 'an unmasked frame',
      bytes: () => clientFrame(OP.BINARY, Buffer.from([0, 0, 1, 0]), { masked: false }),
      code: 1002,
    },
    {
      name: 'a frame with RSV1 set',
      bytes: () => clientFrame(OP.BINARY, syncStep1(), { rsv: 0x40 }),
      code: 1002,
    },
    {
      name: 'a frame with RSV3 set',
      bytes: () => clientFrame(OP.PING, Buffer.alloc(0), { rsv: 0x10 }),
      code: 1002,
    },
    { name: 'opcode 3 (reserved data opcode)', bytes: () => clientFrame(3, Buffer.from('x')), code: 1002 },
    {
      name: 'opcode 11 (reserved control opcode)',
      bytes: () => clientFrame(11, Buffer.alloc(0)),
      code: 1002,
    },
    {
      name: 'a continuation without a message under way',
      bytes: () => clientFrame(OP.CONTINUATION, Buffer.from([0])),
      code: 1002,
    },
    {
      name: 'a new binary frame inside a fragmented message',
      bytes: () =>
        Buffer.concat([
          clientFrame(OP.BINARY, Buffer.from([0]), { fin: false }),
          clientFrame(OP.BINARY, Buffer.from([0])),
        ]),
      code: 1002,
    },
    {
      name: 'a new text frame inside a fragmented message',
      bytes: () =>
        Buffer.concat([
          clientFrame(OP.BINARY, Buffer.from([0]), { fin: false }),
          clientFrame(OP.TEXT, Buffer.from('a'), { fin: false }),
        ]),
      code: 1002,
    },
    {
      name: 'a fragmented ping',
      bytes: () => clientFrame(OP.PING, Buffer.from('a'), { fin: false }),
      code: 1002,
    },
    { name: 'a ping of 126 bytes', bytes: () => clientFrame(OP.PING, Buffer.alloc(126, 1)), code: 1002 },
    { name: 'a close frame of 1 byte', bytes: () => clientFrame(OP.CLOSE, Buffer.from([3])), code: 1002 },
    { name: 'close code 1005', bytes: () => clientFrame(OP.CLOSE, closePayload(1005)), code: 1002 },
    { name: 'close code 1006', bytes: () => clientFrame(OP.CLOSE, closePayload(1006)), code: 1002 },
    { name: 'close code 999', bytes: () => clientFrame(OP.CLOSE, closePayload(999)), code: 1002 },
    { name: 'close code 1015', bytes: () => clientFrame(OP.CLOSE, closePayload(1015)), code: 1002 },
    { name: 'close code 5000', bytes: () => clientFrame(OP.CLOSE, closePayload(5000)), code: 1002 },
    {
      name: 'a close reason that is not UTF-8',
      bytes: () => clientFrame(OP.CLOSE, closePayload(1000, Buffer.from([0x61, 0xff, 0xfe]))),
      code: 1007,
    },
    {
      name: 'a close reason with a truncated UTF-8 sequence',
      bytes: () => clientFrame(OP.CLOSE, closePayload(4000, Buffer.from([0xc3]))),
      code: 1007,
    },
    {
      name: 'a 64-bit length with its high bit set (header and mask only)',
      bytes: () => Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, ...mask]),
      code: 1009,
    },
    {
      name: 'a 64-bit length beyond 2^53 (header and mask only)',
      bytes: () => clientFrame(OP.BINARY, new Uint8Array(0), { announcedLength: 1n << 53n }),
      code: 1009,
    },
    {
      name: `a frame announcing bound + 1 = ${FRAME_BOUND + 1} bytes (header and mask only)`,
      bytes: () => clientFrame(OP.BINARY, new Uint8Array(0), { announcedLength: FRAME_BOUND + 1 }),
      code: 1009,
    },
    {
      name: 'a fragmented message whose second fragment takes it over the bound (its header only)',
      bytes: () =>
        Buffer.concat([
          clientFrame(OP.BINARY, Buffer.alloc(FRAME_BOUND / 2 + 10), { fin: false }),
          clientFrame(OP.CONTINUATION, new Uint8Array(0), { announcedLength: FRAME_BOUND / 2 }),
        ]),
      code: 1009,
    },
  ];

  it.each(cases)(
    '[WS-3] $name → close $code, then the TCP end',
    async ({ bytes, code }) => {
      const ws = await joined();
      await ws.write(bytes());
      await expectFailed(ws, code);
      // The close frame is the last frame the server sent.
      expect(ws.frames.at(-1)!.opcode).toBe(OP.CLOSE);
      expect(await healthy()).toBeLessThan(1_000);
    },
    15_000,
  );

  it('[WS-4] a frame over the bound is refused with 1009 from its header alone: no payload byte is sent', async () => {
    const ws = await joined();
    const header = clientFrame(OP.BINARY, new Uint8Array(0), {
      announcedLength: FRAME_BOUND + 1,
      lengthForm: 64,
    });
    expect(header.length).toBe(14);
    const sentAt = performance.now();
    await ws.write(header);
    await expectFailed(ws, 1009);
    expect(performance.now() - sentAt).toBeLessThan(1_000);
  }, 15_000);

  it('[WS-4] a message within the frame bound but over maxMessageBytes reaches the room, which closes with 4413', async () => {
    const ws = await joined();
    const message = Buffer.concat([Buffer.from(syncStep1()), Buffer.alloc(MAX_MESSAGE + 1024)]);
    expect(message.length).toBeLessThan(FRAME_BOUND);
    await ws.send(OP.BINARY, message);
    const close = await ws.closeFrame(3_000);
    expect(close.code).toBe(CLOSE.TOO_LARGE.code);
    expect(close.reason).toBe(CLOSE.TOO_LARGE.reason);
  }, 15_000);
});

describe('the close handshake', () => {
  it('[WS-5] a close frame 1000 from the client is answered with a close 1000, then the server ends TCP', async () => {
    const ws = await joined();
    await ws.send(OP.CLOSE, closePayload(1000, 'au revoir'));
    await expectFailed(ws, 1000);
    await within(ws.closed, 2_000, 'the TCP connection closed');
  }, 15_000);

  it('[WS-5] an empty close frame is answered with an empty close frame, then the TCP end', async () => {
    const ws = await joined();
    await ws.send(OP.CLOSE);
    const close = await ws.closeFrame(2_000);
    expect(close.payload.length).toBe(0);
    await within(ws.ended, 2_000, 'the TCP end');
  }, 15_000);

  it('[WS-5] a close with an application code (4000) is echoed with that code', async () => {
    const ws = await joined();
    await ws.send(OP.CLOSE, closePayload(4000, 'fin'));
    await expectFailed(ws, 4000);
  }, 15_000);

  it('[WS-6] a text frame from a joined client closes with 4400; once the client answers, the TCP end follows at once', async () => {
    const ws = await joined();
    await ws.send(OP.TEXT, Buffer.from('{"type":"hello"}'));
    const close = await ws.closeFrame(2_000);
    expect(close.code).toBe(CLOSE.MALFORMED.code);
    expect(close.reason).toBe(CLOSE.MALFORMED.reason);
    // The server waits for our close frame: the connection is still there.
    await sleep(200);
    expect(ws.isEnded).toBe(false);
    const answeredAt = performance.now();
    await ws.send(OP.CLOSE, closePayload(CLOSE.MALFORMED.code));
    await within(ws.ended, 1_000, 'the TCP end after our close');
    expect(performance.now() - answeredAt).toBeLessThan(1_000);
    // The server sends nothing after its close frame (in particular no second close).
    expect(ws.frames.filter((f) => f.opcode === OP.CLOSE)).toHaveLength(1);
  }, 15_000);
});

describe('clients that never answer the close', () => {
  it('[WS-11] after the server closes (4400), a client that never answers is cut within the close grace', async () => {
    const ws = await joined();
    await ws.send(OP.TEXT, Buffer.from('x'));
    await ws.closeFrame(2_000);
    const closedAt = performance.now();
    await within(ws.ended, CLOSE_GRACE_MS + 1_500, 'the server cutting the connection');
    const elapsed = performance.now() - closedAt;
    expect(elapsed).toBeLessThan(CLOSE_GRACE_MS + 1_500);
  }, 15_000);

  it('[WS-11] after a protocol error, a client that keeps its side open is cut within the close grace', async () => {
    const ws = await joined({ allowHalfOpen: true });
    await ws.write(clientFrame(OP.BINARY, Buffer.from([1, 2, 3]), { masked: false }));
    expect((await ws.closeFrame(2_000)).code).toBe(1002);
    const closedAt = performance.now();
    // The server's FIN came at once; our side stays open and sends nothing for 2.5 s.
    await within(ws.ended, 1_000, 'the FIN after the close frame');
    expect(ws.socket.writable).toBe(true);
    await sleep(2_500);
    // Then a byte every 100 ms: the server ignores them while it keeps the connection, and its
    // kernel answers RST once the server has cut it.
    while (!ws.isClosed && performance.now() - closedAt < CLOSE_GRACE_MS + 2_000) {
      ws.socket.write(Buffer.from([0]), () => undefined);
      await sleep(100);
    }
    expect(ws.isClosed).toBe(true);
    expect(performance.now() - closedAt).toBeLessThan(CLOSE_GRACE_MS + 1_500);
  }, 15_000);
});

describe('pings', () => {
  it('[WS-8] 5,000 pings in one write from a client that does not read: the server stays responsive, answers in order, stays open', async () => {
    const ws = await joined();
    const PINGS = 5_000;
    const flood = Buffer.concat(
      Array.from({ length: PINGS }, (_, i) => {
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(i, 0);
        return clientFrame(OP.PING, payload);
      }),
    );
    const from = ws.frames.length;
    ws.socket.pause();
    await ws.write(flood);
    expect(await healthy()).toBeLessThan(1_000);
    await sleep(300);
    expect(await healthy()).toBeLessThan(1_000);
    ws.socket.resume();
    await quiet(ws);
    // Each pong answers one ping with its payload, in the pings' order, none twice; pings past
    // the server's pong backlog bound (16 KiB unread, syncSocket.ts) may go unanswered.
    const pongs = ws.frames.slice(from).filter((f) => f.opcode === OP.PONG);
    const answered = pongs.map((f) => (f.payload.length === 4 ? f.payload.readUInt32BE(0) : -1));
    console.log(
      `[WS-8] ${answered.length} of ${PINGS} pings answered, the last one answered: #${answered.at(-1)}`,
    );
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.length).toBeLessThanOrEqual(PINGS);
    // The latest ping is answered once the backlog is read (§5.5.3), never left without a pong.
    expect(answered.at(-1)).toBe(PINGS - 1);
    expect(
      answered.every((index, i) => index >= 0 && index < PINGS && (i === 0 || index > answered[i - 1]!)),
    ).toBe(true);
    expect(ws.frames.slice(from).every((f) => f.opcode === OP.PONG)).toBe(true);
    // The connection is still open and, its backlog read, a new ping is answered again.
    expect(ws.isEnded).toBe(false);
    const after = ws.frames.length;
    await ws.send(OP.PING, Buffer.from('encore'));
    await ws.frame(
      (f) => f.opcode === OP.PONG && f.payload.toString() === 'encore',
      2_000,
      after,
      'pong after the flood',
    );
    expect(await roomText(ws)).toBe('');
  }, 15_000);

  it('[WS-9] pongs owed to a client that does not read are bounded: 64 MiB of pings grow neither the server nor what it sends', async () => {
    // A client that sends pings and never reads its pongs: the server must not queue a pong per
    // ping without end (it may drop pongs, stop reading or close the connection).
    const ws = await joined();
    const TOTAL = 64 * 1024 * 1024;
    const pingFrame = clientFrame(OP.PING, Buffer.alloc(125, 0x61));
    const chunk = Buffer.concat(
      Array.from({ length: Math.floor((1024 * 1024) / pingFrame.length) }, () => pingFrame),
    );
    const from = ws.frames.length;
    ws.socket.pause();
    const before = settledMemory();
    let accepted = 0;
    let stalled = false;
    while (accepted < TOTAL && !ws.isEnded) {
      const written = ws.write(chunk).then(() => true);
      // A write not taken within 2 s: the server stopped reading us (bounded too).
      const outcome = await Promise.race([
        written,
        ws.ended.then(() => false),
        sleep(2_000).then(() => null),
      ]);
      if (outcome === null) stalled = true;
      if (outcome !== true) break;
      accepted += chunk.length;
    }
    await sleep(200);
    const growth = settledMemory() - before;
    expect(await healthy()).toBeLessThan(1_000);
    ws.socket.resume();
    await quiet(ws);
    const pongBytes = ws.frames
      .slice(from)
      .filter((f) => f.opcode === OP.PONG)
      .reduce((sum, f) => sum + f.payload.length + 2, 0);
    console.log(
      `[WS-9] pings accepted ${(accepted / 2 ** 20).toFixed(1)} MiB, stalled ${stalled}, ended ${ws.isEnded}, ` +
        `pongs received ${(pongBytes / 2 ** 20).toFixed(1)} MiB, server memory growth ${(growth / 2 ** 20).toFixed(1)} MiB`,
    );
    // Unbounded, the server would hold ~62 MiB of pongs (what the kernels do not) and send them
    // all once read.
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    expect(pongBytes).toBeLessThan(accepted / 4 + 1);
  }, 15_000);
});

describe('frames sent with the handshake', () => {
  it('[WS-12] a message written in the same packet as the upgrade request is processed once joined', async () => {
    const { request } = handshakeRequest(server, freshRoom(), token);
    const update = textUpdate('avec la poignée de main');
    const bytes = Buffer.concat([Buffer.from(request, 'latin1'), clientFrame(OP.BINARY, update)]);
    const answer = await within(rawHttp(server, bytes), 5_000, 'the handshake');
    expect(answer.status).toBe(101);
    const ws = new RawWebSocket(answer.socket, answer.body);
    sockets.push(ws);
    answer.socket.resume();
    await ws.frame((f) => f.opcode === OP.BINARY, 5_000, 0, 'first sync message');
    expect(await roomText(ws)).toBe('avec la poignée de main');
  }, 15_000);
});

describe('opening handshakes refused with an HTTP error', () => {
  /** Sends the head and resolves with the answer once the server closed the connection. */
  async function answerTo(request: string): Promise<RawHttpAnswer> {
    const answer = await within(rawHttp(server, request), 3_000, 'the HTTP answer');
    const ended = new Promise<void>((resolve) => {
      answer.socket.on('close', () => resolve());
      answer.socket.on('end', () => resolve());
    });
    answer.socket.resume();
    await within(ended, 2_000, 'the server closing the connection after its answer');
    return answer;
  }

  const room = () => freshRoom();
  const cases: Array<{ name: string; request: () => string; status: number }> = [
    {
      name: 'no Sec-WebSocket-Key',
      request: () => handshakeRequest(server, room(), token, { 'Sec-WebSocket-Key': null }).request,
      status: 400,
    },
    {
      name: 'a Sec-WebSocket-Key that is not 16 bytes of base64',
      request: () => handshakeRequest(server, room(), token, { 'Sec-WebSocket-Key': 'c2hvcnQ=' }).request,
      status: 400,
    },
    {
      name: 'a Sec-WebSocket-Key with a character outside base64',
      request: () =>
        handshakeRequest(server, room(), token, { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ!=' }).request,
      status: 400,
    },
    {
      name: 'no Sec-WebSocket-Version',
      request: () => handshakeRequest(server, room(), token, { 'Sec-WebSocket-Version': null }).request,
      status: 400,
    },
    {
      name: 'POST instead of GET',
      request: () => handshakeRequest(server, room(), token, { 'Content-Length': '0' }, 'POST').request,
      status: 405,
    },
    {
      name: 'the same subprotocol offered twice',
      request: () =>
        handshakeRequest(server, room(), token, { 'Sec-WebSocket-Protocol': `usine.v1, usine.v1` }).request,
      status: 400,
    },
    {
      name: 'an empty subprotocol in the list',
      request: () =>
        handshakeRequest(server, room(), token, { 'Sec-WebSocket-Protocol': `usine.v1,, ${token}` }).request,
      status: 400,
    },
    {
      name: 'a subprotocol that is not a token',
      request: () =>
        handshakeRequest(server, room(), token, { 'Sec-WebSocket-Protocol': `usine.v1, a b` }).request,
      status: 400,
    },
    {
      name: 'nine subprotocols',
      request: () =>
        handshakeRequest(server, room(), token, {
          'Sec-WebSocket-Protocol': ['usine.v1', ...Array.from({ length: 8 }, (_, i) => `p${i}`)].join(', '),
        }).request,
      status: 400,
    },
  ];

  it.each(cases)(
    '[WS-10] $name → HTTP $status, then the connection closes',
    async ({ request, status }) => {
      const answer = await answerTo(request());
      expect(answer.status).toBe(status);
      expect(answer.headers['sec-websocket-accept']).toBeUndefined();
      expect(answer.headers['connection']?.toLowerCase()).toBe('close');
    },
    15_000,
  );

  it('[WS-10] version 12 → HTTP 400 naming the versions the server speaks (Sec-WebSocket-Version: 13, 8)', async () => {
    const answer = await answerTo(
      handshakeRequest(server, room(), token, { 'Sec-WebSocket-Version': '12' }).request,
    );
    expect(answer.status).toBe(400);
    expect(answer.headers['sec-websocket-version']).toBe('13, 8');
    expect(answer.body.toString()).toMatch(/Sec-WebSocket-Version/);
  }, 15_000);

  it('[WS-10] a valid handshake is answered 101 with the accept of its key and the subprotocol offered (usine.v2)', async () => {
    // openRawWebSocket checks the 101, the Sec-WebSocket-Accept and the subprotocol.
    const ws = await joined();
    expect(ws.binaryMessages()[0]![0]).toBe(MESSAGE_SYNC);
    expect(await healthy()).toBeLessThan(1_000);
  }, 15_000);
});

describe('header-only frames reserve nothing (server with the default 10 MiB maxMessageBytes)', () => {
  let big: RunningServer;
  let bigData: { dir: string; remove: () => Promise<void> };
  let bigToken: string;

  beforeAll(async () => {
    bigData = await tempDataDir();
    big = await startTestServer(bigData.dir);
    const demo = big.demoAccount!;
    bigToken = (await login(big, demo.email, demo.password)).accessToken;
  });

  afterAll(async () => {
    await big?.close();
    await bigData?.remove();
  });

  it('[WS-7] 200 clients announcing ~20 MiB frames and sending only their header: no growth by the announced size', async () => {
    const CLIENTS = 200;
    // Within the bound (2 × 10 MiB = 20 MiB): the server must wait for the payload, not refuse.
    const ANNOUNCED = 20_000_000;
    const clients: RawWebSocket[] = [];
    for (let i = 0; i < CLIENTS; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => joined({}, big, bigToken)));
      clients.push(...batch);
    }
    const before = settledMemory();
    // The header and 1 KiB of the payload, then nothing.
    await Promise.all(
      clients.map((ws) =>
        ws
          .write(clientFrame(OP.BINARY, new Uint8Array(0), { announcedLength: ANNOUNCED }).subarray(0, 14))
          .then(() => ws.write(Buffer.alloc(1024, 7))),
      ),
    );
    await sleep(500);
    const growth = settledMemory() - before;
    console.log(
      `[WS-7] memory growth ${(growth / 2 ** 20).toFixed(1)} MiB for ${CLIENTS} × ${ANNOUNCED} bytes announced`,
    );
    // 200 × 20 MB announced = 4 GB; what arrived is 200 × ~1 KiB.
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    // No refusal (within the bound): the sockets wait for their payload.
    expect(clients.every((ws) => !ws.isEnded && !ws.frames.some((f) => f.opcode === OP.CLOSE))).toBe(true);
    expect(await healthy(big)).toBeLessThan(1_000);
    // And the server still serves a new client.
    const fresh = await joined({}, big, bigToken);
    expect(await roomText(fresh)).toBe('');
  }, 15_000);
});

describe('upgrades racing the shutdown', () => {
  it('[WS-13] a server closing while 40 upgrades are in flight closes within seconds; every client is answered or cut', async () => {
    const own = await tempDataDir();
    const closing = await startTestServer(own.dir);
    try {
      const demo = closing.demoAccount!;
      const ownToken = (await login(closing, demo.email, demo.password)).accessToken;
      const clients = Array.from({ length: 40 }, (_, i) => {
        const socket = net.connect({ port: closing.port, host: '127.0.0.1' });
        socket.on('error', () => undefined);
        const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        socket.write(handshakeRequest(closing, `13001/page/shutdown${i % 8}`, ownToken).request);
        // The client reads, and answers a close frame as a browser would, by closing.
        socket.on('data', (chunk: Buffer) => {
          if (chunk.includes(Buffer.from([0x88]))) socket.end();
        });
        return ended;
      });
      // Some upgrades are between their checks and their room when the server starts closing.
      await sleep(5);
      const started = performance.now();
      await within(closing.close(), 8_000, 'the server closing');
      console.log(
        `[WS-13] closed in ${Math.round(performance.now() - started)} ms with 40 upgrades in flight`,
      );
      await within(Promise.all(clients), 5_000, 'every client answered or cut');
    } finally {
      await closing.close();
      await own.remove();
    }
  }, 20_000);
});
