// [HOT-5] The messages of one TCP read are applied in one transaction of the room's doc: a
// client's burst reaches its peers as one relayed update, is persisted, and is acknowledged
// once — and each update is still checked on its own: a malformed one in the middle closes the
// connection with what came before it kept (durable, relayed) and nothing after it applied; a
// burst that would take the document past its bound is cut at the update that crosses it.
// Real server on loopback, raw TCP clients (rawWebSocket.ts) so that a burst is one TCP write.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CLOSE, MESSAGE_SYNC } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import { login, startTestServer, tempDataDir } from '../app/testHarness';
import { OP, clientFrame, openRawWebSocket, sleep, type RawWebSocket } from './rawWebSocket';

const MAX_DOC = 8 * 1024;

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let token: string;
let demo: { email: string; password: string };
let roomCounter = 0;
const sockets: RawWebSocket[] = [];

async function start(): Promise<void> {
  server = await startTestServer(data.dir, { maxDocBytes: MAX_DOC });
  // The demo account is made at the first start only.
  demo ??= server.demoAccount!;
  token = (await login(server, demo.email, demo.password)).accessToken;
}

beforeAll(async () => {
  data = await tempDataDir();
  await start();
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
  return `13001/page/readbatch${String(roomCounter).padStart(3, '0')}`;
}

async function open(room: string): Promise<RawWebSocket> {
  const ws = await openRawWebSocket(server, room, token);
  sockets.push(ws);
  return ws;
}

function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, subtype);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** `count` updates of one client, each pushing `item(i)` to the array `t`, as sync messages. */
function burst(count: number, item: (i: number) => string): Uint8Array[] {
  const doc = new Y.Doc();
  const messages: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => messages.push(syncMessage(syncProtocol.messageYjsUpdate, update)));
  for (let i = 0; i < count; i++) doc.getArray<string>('t').push([item(i)]);
  return messages;
}

/** One TCP write holding every message as its own masked frame. */
function oneWrite(messages: Uint8Array[]): Buffer {
  return Buffer.concat(messages.map((m) => clientFrame(OP.BINARY, m)));
}

/** The sync updates (subtype 2) a socket received, each as its update bytes. */
function relayedUpdates(ws: RawWebSocket): Uint8Array[] {
  return ws
    .binaryMessages()
    .filter((m) => m[0] === MESSAGE_SYNC && m[1] === syncProtocol.messageYjsUpdate)
    .map((m) => {
      const decoder = decoding.createDecoder(m);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      return decoding.readVarUint8Array(decoder);
    });
}

function arrayOf(updates: Uint8Array[]): string[] {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getArray<string>('t').toArray();
}

/** The room's array `t` as the server holds it: a fresh socket asks for the whole doc. */
async function stored(room: string): Promise<string[]> {
  const ws = await open(room);
  const from = ws.frames.length;
  await ws.send(OP.BINARY, syncMessage(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(new Y.Doc())));
  const step2 = await ws.frame(
    (f) =>
      f.opcode === OP.BINARY &&
      f.payload[0] === MESSAGE_SYNC &&
      f.payload[1] === syncProtocol.messageYjsSyncStep2,
    3_000,
    from,
    'sync step 2',
  );
  const decoder = decoding.createDecoder(step2.payload);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  const array = arrayOf([decoding.readVarUint8Array(decoder)]);
  ws.destroy();
  return array;
}

/** Restarts the server on the same data directory: what it serves next comes from the disk. */
async function restart(): Promise<void> {
  for (const ws of sockets.splice(0)) ws.destroy();
  await server.close();
  await start();
}

async function until(condition: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const numbers = (count: number) => Array.from({ length: count }, (_, i) => `n${i}`);

describe('the messages of one read, one batch', () => {
  it('[HOT-5] 20 updates in one TCP write reach the peer as one update, persisted and acknowledged', async () => {
    const room = freshRoom();
    const writer = await open(room);
    const reader = await open(room);
    const ackedBefore = writer.binaryMessages().length;
    await writer.write(oneWrite(burst(20, (i) => `n${i}`)));
    await until(() => arrayOf(relayedUpdates(reader)).length === 20, 'the burst at the reader');
    // One relayed message for the twenty (one per update before).
    expect(relayedUpdates(reader)).toHaveLength(1);
    expect(arrayOf(relayedUpdates(reader))).toEqual(numbers(20));
    // The writer is told it is durable (a persisted ack, type 100).
    await until(
      () =>
        writer
          .binaryMessages()
          .slice(ackedBefore)
          .some((m) => m[0] === 100),
      'an ack',
    );
    await restart();
    expect(await stored(room)).toEqual(numbers(20));
  });

  it('[HOT-5] a malformed update in the middle of a burst: what came before is kept, nothing after it applied', async () => {
    const room = freshRoom();
    const writer = await open(room);
    const reader = await open(room);
    const messages = burst(20, (i) => `n${i}`);
    // The 11th message claims an update of 40 bytes of garbage.
    const garbage = syncMessage(syncProtocol.messageYjsUpdate, new Uint8Array(40).fill(0xff));
    await writer.write(oneWrite([...messages.slice(0, 10), garbage, ...messages.slice(10)]));
    const close = await writer.closeFrame(3_000);
    expect(close.code).toBe(CLOSE.MALFORMED.code);
    await until(() => arrayOf(relayedUpdates(reader)).length === 10, 'the first ten at the reader');
    await sleep(200);
    expect(arrayOf(relayedUpdates(reader))).toEqual(numbers(10));
    await restart();
    expect(await stored(room)).toEqual(numbers(10));
  });

  it('[HOT-5] a burst that would take the document past its bound is cut at the update that crosses it', async () => {
    const room = freshRoom();
    const writer = await open(room);
    const reader = await open(room);
    // 20 updates of ~1 KB: 8 fit under MAX_DOC (8 KiB), the whole burst would be 20 KB.
    const item = (i: number) => `${i}:`.padEnd(1000, 'x');
    await writer.write(oneWrite(burst(20, item)));
    const close = await writer.closeFrame(3_000);
    expect(close.code).toBe(CLOSE.TOO_LARGE.code);
    await sleep(300);
    const relayed = arrayOf(relayedUpdates(reader));
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.length).toBeLessThanOrEqual(8);
    expect(relayed).toEqual(Array.from({ length: relayed.length }, (_, i) => item(i)));
    await restart();
    expect(await stored(room)).toEqual(relayed);
  });
});
