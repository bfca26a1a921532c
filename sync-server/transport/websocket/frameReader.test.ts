// [WS-2] [WS-7] The frame reader delivers every message a client sends, whatever the reads it arrives
// in: seeded streams of masked frames (every length class, fragmented or not, pings between
// fragments) cut at random points are read back whole and in order; and what it keeps between
// two reads grows with what arrived, not with what a header announces.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Random } from '../../sync/fuzz/Random';
import { OPCODE } from './frames';
import {
  Accumulator,
  readFrames,
  soleMessageFirstByte,
  type FrameReaderState,
  type FrameSink,
} from './frameReader';

/** A frame as a client writes it: masked with `mask`. */
function clientFrame(opcode: number, payload: Uint8Array, fin: boolean, mask: number[]): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const frame = Buffer.alloc(2 + extended + 4 + length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  frame[1] = 0x80 | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) frame.writeUInt16BE(length, 2);
  if (extended === 8) frame.writeBigUInt64BE(BigInt(length), 2);
  const maskAt = 2 + extended;
  for (let i = 0; i < 4; i++) frame[maskAt + i] = mask[i]!;
  for (let i = 0; i < length; i++) frame[maskAt + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

interface Received {
  messages: Buffer[];
  pings: Buffer[];
  failures: Array<{ code: number; detail: string }>;
}

function sink(received: Received): FrameSink<FrameReaderState> {
  return {
    message(_socket, opcode, payload) {
      expect(opcode).toBe(OPCODE.BINARY);
      received.messages.push(Buffer.from(payload));
      return true;
    },
    control(_socket, opcode, payload) {
      if (opcode === OPCODE.PING) received.pings.push(Buffer.from(payload));
      return true;
    },
    fail(_socket, code, detail) {
      received.failures.push({ code, detail });
    },
  };
}

const LENGTHS = [0, 1, 3, 125, 126, 127, 4_000, 65_535, 65_536, 200_000];

describe('reading frames across reads', () => {
  it('[WS-2] seeded streams cut at random points give back every message, in order', () => {
    const seed = Number(process.env.WS_SEED ?? Date.now() % 1_000_000);
    console.log(`[WS-2] seed ${seed} (WS_SEED=${seed} replays it)`);
    const rng = new Random(seed);
    const next = () => rng.next();
    for (let round = 0; round < 40; round++) {
      const sent: Buffer[] = [];
      const pings: Buffer[] = [];
      const frames: Buffer[] = [];
      for (let m = 0; m < 12; m++) {
        const length = LENGTHS[Math.floor(next() * LENGTHS.length)]!;
        const payload = Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
        sent.push(payload);
        const mask = Array.from({ length: 4 }, () => Math.floor(next() * 256));
        const parts = 1 + Math.floor(next() * 3);
        const cuts = [
          0,
          ...Array.from({ length: parts - 1 }, () => Math.floor(next() * length)).sort((a, b) => a - b),
          length,
        ];
        for (let p = 0; p < parts; p++) {
          const opcode = p === 0 ? OPCODE.BINARY : OPCODE.CONTINUATION;
          frames.push(clientFrame(opcode, payload.subarray(cuts[p], cuts[p + 1]), p === parts - 1, mask));
          if (p < parts - 1 && next() < 0.5) {
            const ping = Buffer.from([m, p]);
            pings.push(ping);
            frames.push(clientFrame(OPCODE.PING, ping, true, mask));
          }
        }
      }
      const stream = Buffer.concat(frames);
      const received: Received = { messages: [], pings: [], failures: [] };
      const state: FrameReaderState = { pending: null };
      let at = 0;
      while (at < stream.length) {
        // Reads of 1 byte to 70 KiB, as TCP may cut them.
        const size = next() < 0.2 ? 1 + Math.floor(next() * 16) : 1 + Math.floor(next() * 70_000);
        // Each read is its own buffer, as Node gives them.
        readFrames(state, Buffer.from(stream.subarray(at, at + size)), 1_000_000, sink(received));
        at += size;
      }
      expect(received.failures).toEqual([]);
      expect(received.messages.length).toBe(sent.length);
      received.messages.forEach((message, i) => expect(message.equals(sent[i]!)).toBe(true));
      expect(received.pings).toEqual(pings);
      // Nothing pending once the stream ended on a frame's end.
      expect(state.pending).toBeNull();
    }
  });

  it('[WS-7] a header announcing a large frame reserves only what arrived', () => {
    const state: FrameReaderState = { pending: null };
    const received: Received = { messages: [], pings: [], failures: [] };
    const header = clientFrame(OPCODE.BINARY, new Uint8Array(900_000), true, [1, 2, 3, 4]).subarray(
      0,
      14 + 100,
    );
    readFrames(state, Buffer.from(header), 1_000_000, sink(received));
    const kept = state.pending!.frame!;
    expect(kept.length).toBe(114);
    expect(kept.view().buffer.byteLength).toBeLessThanOrEqual(256);
    expect(received.messages).toEqual([]);
  });

  it('[WS-7] an accumulator doubles with the bytes, up to its cap', () => {
    const accumulator = new Accumulator(new Uint8Array(10), 16);
    accumulator.append(new Uint8Array(10), 1_000);
    expect(accumulator.view().buffer.byteLength).toBe(32);
    accumulator.append(new Uint8Array(100), 1_000);
    expect(accumulator.length).toBe(120);
    expect(accumulator.view().buffer.byteLength).toBe(120);
    accumulator.append(new Uint8Array(1), 130);
    expect(accumulator.view().buffer.byteLength).toBe(130);
  });

  it('[HOT-5] tells the first byte of a read holding one whole binary message, and only then', () => {
    const idle: FrameReaderState = { pending: null };
    const mask = [0x5a, 0xa5, 0x3c, 0xc3];
    const message = (first: number, length: number) => Uint8Array.from({ length }, (_, i) => (i ? i : first));
    for (const length of [1, 3, 125, 126, 4_000, 65_535]) {
      expect(soleMessageFirstByte(idle, clientFrame(OPCODE.BINARY, message(1, length), true, mask))).toBe(1);
      expect(soleMessageFirstByte(idle, clientFrame(OPCODE.BINARY, message(0, length), true, mask))).toBe(0);
    }
    const one = clientFrame(OPCODE.BINARY, message(1, 40), true, mask);
    const others = [
      // Two messages, a message and a ping, a part of one, a fragment, text, unmasked, empty, 64 KiB.
      Buffer.concat([one, one]),
      Buffer.concat([one, clientFrame(OPCODE.PING, new Uint8Array(2), true, mask)]),
      one.subarray(0, 20),
      clientFrame(OPCODE.BINARY, message(1, 40), false, mask),
      clientFrame(OPCODE.TEXT, message(1, 40), true, mask),
      Buffer.from([0x82, 0x05, 1, 2, 3, 4, 5]),
      clientFrame(OPCODE.BINARY, new Uint8Array(0), true, mask),
      clientFrame(OPCODE.BINARY, message(1, 65_536), true, mask),
    ];
    for (const chunk of others) expect(soleMessageFirstByte(idle, chunk)).toBe(-1);
    // Something pending (a frame begun in the previous read): this read continues it.
    const midway: FrameReaderState = { pending: null };
    readFrames(midway, one.subarray(0, 20), 1_000_000, sink({ messages: [], pings: [], failures: [] }));
    expect(soleMessageFirstByte(midway, one)).toBe(-1);
    // Only read: the chunk is still masked, as readFrames expects it.
    const copy = Buffer.from(one);
    soleMessageFirstByte(idle, one);
    expect(one).toEqual(copy);
  });
});
