/**
 * WebSocket frames as the server writes them (RFC 6455 §5.2): final, unmasked, no extension.
 * A frame is one buffer, header and payload, so that it leaves in one write; a message sent to
 * several sockets in a row (a room's broadcast) is framed once.
 */
import { Buffer } from 'node:buffer';

export const OPCODE = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Close codes of the protocol itself (RFC 6455 §7.4.1). */
export const PROTOCOL_CLOSE = {
  PROTOCOL_ERROR: 1002,
  INVALID_PAYLOAD: 1007,
  TOO_BIG: 1009,
} as const;

/** A control frame's payload is at most 125 bytes (§5.5); a close reason ≤ 123 of them. */
const MAX_CONTROL_PAYLOAD = 125;

/** The header's length for a payload of `length` bytes. */
function headerLength(length: number): number {
  if (length < 126) return 2;
  return length < 0x10000 ? 4 : 10;
}

/** One final, unmasked frame: header and payload in one buffer. */
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const offset = headerLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = 0x80 | opcode;
  if (offset === 2) {
    frame[1] = length;
  } else if (offset === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, offset);
  return frame;
}

/** A close frame with its code and reason (the reason cut to what a control frame holds). */
export function encodeClose(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const payload = Buffer.allocUnsafe(2 + Math.min(text.length, MAX_CONTROL_PAYLOAD - 2));
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2, 0, payload.length - 2);
  return encodeFrame(OPCODE.CLOSE, payload);
}

/** The heartbeat's ping: the same bytes for every socket. */
export const PING_FRAME = encodeFrame(OPCODE.PING, Buffer.alloc(0));

/** A close code a peer may send (§7.4): the defined ones it may use, and 3000–4999. */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

let lastPayload: Uint8Array | null = null;
let lastFrame: Buffer | null = null;

/**
 * The binary frame of `payload`, framed once for the sends of one broadcast: a room sends the
 * same message object to each of its sockets in a row. Messages are never changed once sent.
 */
export function binaryFrameOf(payload: Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = encodeFrame(OPCODE.BINARY, payload);
    lastPayload = payload;
  }
  return lastFrame!;
}

/** Forgets the last framed message (so that it is not kept until the next send). */
export function forgetLastFrame(): void {
  lastPayload = null;
  lastFrame = null;
}
