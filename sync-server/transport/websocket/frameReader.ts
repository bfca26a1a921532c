/**
 * Reads the frames a client sends (RFC 6455 §5): masked, no extension, control frames final
 * and short, fragments in order, nothing over the payload bound. A socket keeps nothing
 * between two reads but what is pending — the bytes of a frame not complete yet, the fragments
 * of a message not complete yet — and nothing at all (one null field) the rest of the time.
 *
 * Bounded: pending bytes grow by doubling with what actually arrived (a header announcing
 * 20 MiB reserves nothing), so a client holds at most twice what it sent and never more than
 * the bound; one copy per frame split across reads, one per fragmented message.
 */
import { Buffer } from 'node:buffer';
import { OPCODE, PROTOCOL_CLOSE } from './frames';

/** Bytes gathered across reads, in one buffer that doubles as they arrive. */
export class Accumulator {
  private bytes: Buffer;
  length = 0;

  constructor(first: Uint8Array, capacity: number) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(capacity, first.byteLength));
    this.bytes.set(first, 0);
    this.length = first.byteLength;
  }

  /** Appends `chunk`, growing to at most `cap` unless the bytes themselves need more. */
  append(chunk: Uint8Array, cap: number): void {
    const required = this.length + chunk.byteLength;
    if (required > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(required, Math.min(this.bytes.length * 2, cap)));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length = required;
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

/** What a socket keeps between two reads, only while something is pending. */
export class PendingInput {
  /** The start of a frame not complete yet, and the bytes needed before reading it again. */
  frame: Accumulator | null = null;
  needed = 0;
  /** A fragmented message not complete yet, and its opcode. */
  message: Accumulator | null = null;
  opcode = 0;
}

/** The reading side of a socket: its pending input (null most of the time). */
export interface FrameReaderState {
  pending: PendingInput | null;
}

/** What the frames read mean to the socket; each returns false to stop reading. */
export interface FrameSink<S> {
  /** A whole data message (binary or text), unmasked. */
  message(socket: S, opcode: number, payload: Buffer): boolean;
  /** A close, ping or pong frame, unmasked. */
  control(socket: S, opcode: number, payload: Buffer): boolean;
  /** The client broke the protocol: fail the connection with `code`. */
  fail(socket: S, code: number, detail: string): void;
}

const COMPLETE = 0;
const INCOMPLETE = 1;
const FAILED = 2;

// The header read last (one frame at a time, synchronously): readHeader's results.
let fin = false;
let opcode = 0;
let headerBytes = 0;
let frameBytes = 0;
let failure: { code: number; detail: string } = { code: 0, detail: '' };

function failed(code: number, detail: string): number {
  failure = { code, detail };
  return FAILED;
}

/** Decodes the payload length; `frameBytes` is what the frame (or its length field) needs. */
function readLength(data: Buffer, offset: number, available: number): number {
  const short = data[offset + 1]! & 0x7f;
  if (short < 126) {
    headerBytes = 6;
    frameBytes = 6 + short;
  } else if (short === 126) {
    if (available < 4) return ((frameBytes = 4), INCOMPLETE);
    headerBytes = 8;
    frameBytes = 8 + data.readUInt16BE(offset + 2);
  } else {
    if (available < 10) return ((frameBytes = 10), INCOMPLETE);
    const high = data.readUInt32BE(offset + 2);
    // Beyond 2^53 − 1 bytes: no number holds it, and no bound allows it.
    if (high > 0x1f_ffff) return failed(PROTOCOL_CLOSE.TOO_BIG, 'payload length beyond 2^53');
    headerBytes = 14;
    frameBytes = 14 + high * 0x1_0000_0000 + data.readUInt32BE(offset + 6);
  }
  return COMPLETE;
}

/** Checks the header at `offset` against the protocol, the bound and the message under way. */
function readHeader(data: Buffer, offset: number, pending: PendingInput | null, limit: number): number {
  const available = data.length - offset;
  if (available < 2) return ((frameBytes = 2), INCOMPLETE);
  const first = data[offset]!;
  const second = data[offset + 1]!;
  fin = (first & 0x80) !== 0;
  opcode = first & 0x0f;
  if (first & 0x70) return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'reserved bits set');
  if ((opcode > OPCODE.BINARY && opcode < OPCODE.CLOSE) || opcode > OPCODE.PONG)
    return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
  if ((second & 0x80) === 0) return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'unmasked frame');
  const control = opcode >= OPCODE.CLOSE;
  if (control && (!fin || (second & 0x7f) > 125))
    return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'fragmented or long control frame');
  const underWay = pending?.message ?? null;
  if (opcode === OPCODE.CONTINUATION && !underWay)
    return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'continuation without a message');
  if (!control && opcode !== OPCODE.CONTINUATION && underWay)
    return failed(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'new message inside a fragmented one');
  const length = readLength(data, offset, available);
  if (length !== COMPLETE) return length;
  const payload = frameBytes - headerBytes;
  if (payload > limit || (underWay && underWay.length + payload > limit))
    return failed(PROTOCOL_CLOSE.TOO_BIG, `message over ${limit} bytes`);
  return available < frameBytes ? INCOMPLETE : COMPLETE;
}

/** XORs the payload with the 4-byte mask that precedes it, in place. */
function unmask(data: Buffer, maskAt: number, start: number, end: number): void {
  const m0 = data[maskAt]!;
  const m1 = data[maskAt + 1]!;
  const m2 = data[maskAt + 2]!;
  const m3 = data[maskAt + 3]!;
  let i = start;
  for (; i + 3 < end; i += 4) {
    data[i] = data[i]! ^ m0;
    data[i + 1] = data[i + 1]! ^ m1;
    data[i + 2] = data[i + 2]! ^ m2;
    data[i + 3] = data[i + 3]! ^ m3;
  }
  for (let k = 0; i < end; i++, k++) data[i] = data[i]! ^ data[maskAt + k]!;
}

/**
 * Keeps the incomplete frame at `offset` until `frameBytes` of it have arrived. `reuse`: the
 * bytes are already the kept ones (nothing of them was delivered), kept as they are.
 */
function keepPartial(socket: FrameReaderState, data: Buffer, offset: number, reuse: boolean): void {
  const pending = (socket.pending ??= new PendingInput());
  if (!reuse) {
    const rest = data.subarray(offset);
    pending.frame = new Accumulator(rest, Math.min(frameBytes, Math.max(rest.length * 2, 256)));
  }
  pending.needed = frameBytes;
}

/** Delivers one complete frame's payload; false to stop reading. */
function deliver<S extends FrameReaderState>(
  socket: S,
  payload: Buffer,
  limit: number,
  sink: FrameSink<S>,
): boolean {
  if (opcode >= OPCODE.CLOSE) return sink.control(socket, opcode, payload);
  const pending = socket.pending;
  if (opcode === OPCODE.CONTINUATION) {
    const message = pending!.message!;
    message.append(payload, limit);
    if (!fin) return true;
    pending!.message = null;
    if (pending!.frame === null) socket.pending = null;
    return sink.message(socket, pending!.opcode, message.view());
  }
  if (fin) return sink.message(socket, opcode, payload);
  const started = (socket.pending ??= new PendingInput());
  started.message = new Accumulator(payload, Math.min(payload.length * 2, limit));
  started.opcode = opcode;
  return true;
}

/**
 * The first byte (unmasked) of the one message `chunk` holds when it is exactly one whole,
 * final binary frame of up to 65,535 bytes and nothing is pending — the usual read of a
 * client's awareness or update — else -1 (any other chunk, or one breaking the protocol:
 * readFrames judges it). Reads the header and the payload's first byte (unmasked on the fly);
 * modifies nothing.
 */
export function soleMessageFirstByte(socket: FrameReaderState, chunk: Buffer): number {
  if (socket.pending !== null || chunk.length < 7 || chunk[0] !== (0x80 | OPCODE.BINARY)) return -1;
  const second = chunk[1]!;
  if ((second & 0x80) === 0) return -1;
  const short = second & 0x7f;
  if (short === 127 || (short === 126 && chunk.length < 9)) return -1;
  const header = short === 126 ? 8 : 6;
  const length = short === 126 ? chunk.readUInt16BE(2) : short;
  if (length === 0 || header + length !== chunk.length) return -1;
  return chunk[header]! ^ chunk[header - 4]!;
}

/**
 * Reads `chunk` (what one read of the TCP socket brought): every complete frame is delivered
 * to `sink` in order, what is incomplete is kept. `limit` bounds a message's payload.
 */
export function readFrames<S extends FrameReaderState>(
  socket: S,
  chunk: Buffer,
  limit: number,
  sink: FrameSink<S>,
): void {
  let data = chunk;
  const kept = socket.pending?.frame ?? null;
  if (kept !== null) {
    kept.append(chunk, socket.pending!.needed);
    if (kept.length < socket.pending!.needed) return;
    data = kept.view();
  }
  let offset = 0;
  while (offset < data.length) {
    const status = readHeader(data, offset, socket.pending, limit);
    if (status === FAILED) return sink.fail(socket, failure.code, failure.detail);
    if (status === INCOMPLETE) return keepPartial(socket, data, offset, kept !== null && offset === 0);
    const start = offset + headerBytes;
    const end = offset + frameBytes;
    unmask(data, start - 4, start, end);
    offset = end;
    if (!deliver(socket, data.subarray(start, end), limit, sink)) return;
  }
  const pending = socket.pending;
  if (pending !== null) {
    pending.frame = null;
    if (pending.message === null) socket.pending = null;
  }
}
