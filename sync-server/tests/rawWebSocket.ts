/**
 * A raw TCP WebSocket client for the protocol tests (RFC 6455 spoken by hand, no `ws`): it
 * sends the opening handshake with a valid token, writes frames exactly as told (masked or
 * not, fragmented, reserved bits, any opcode or announced length), and parses every frame the
 * server sends, so that a test sees the bytes a peer sees: frames, close codes, the TCP end.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { SUBPROTOCOL } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One frame as the server sent it. */
export interface ServerFrame {
  fin: boolean;
  /** The three reserved bits (RSV1..3), as the high nibble's low three bits. */
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export interface ClientFrameOptions {
  fin?: boolean;
  /** Sets RSV1..3 (bits 0x70 of the first byte). */
  rsv?: number;
  /** false: no mask (a protocol error from a client). */
  masked?: boolean;
  /** The length announced, when it must differ from the payload's (header-only frames). */
  announcedLength?: number | bigint;
  /** Forces the length field's form: 7 bits, 16 bits or 64 bits. */
  lengthForm?: 7 | 16 | 64;
}

/** One client frame: header, mask key and masked payload in one buffer. */
export function clientFrame(
  opcode: number,
  payload: Uint8Array = new Uint8Array(0),
  options: ClientFrameOptions = {},
): Buffer {
  const fin = options.fin ?? true;
  const masked = options.masked ?? true;
  const announced = BigInt(options.announcedLength ?? payload.byteLength);
  const form = options.lengthForm ?? (announced < 126n ? 7 : announced < 0x10000n ? 16 : 64);
  const lengthBytes = form === 7 ? 0 : form === 16 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | ((options.rsv ?? 0) & 0x70) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  if (form === 7) header[1] = maskBit | Number(announced);
  else if (form === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(announced), 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(announced, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  mask.copy(header, header.length - 4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, body]);
}

/** A close frame's payload: the code (16 bits) and the reason's bytes. */
export function closePayload(code: number, reason: Uint8Array | string = ''): Buffer {
  const text = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : Buffer.from(reason);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}

/** Parses the complete frames at the start of `bytes`; returns them and the bytes left. */
export function parseServerFrames(bytes: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let offset = 0;
  for (;;) {
    if (bytes.length - offset < 2) break;
    const first = bytes[offset]!;
    const second = bytes[offset + 1]!;
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let header = 2;
    if (length === 126) {
      if (bytes.length - offset < 4) break;
      length = bytes.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (bytes.length - offset < 10) break;
      length = Number(bytes.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (masked) header += 4;
    if (bytes.length - offset < header + length) break;
    const payload = Buffer.from(bytes.subarray(offset + header, offset + header + length));
    if (masked) {
      const mask = bytes.subarray(offset + header - 4, offset + header);
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i & 3]!;
    }
    frames.push({ fin: (first & 0x80) !== 0, rsv: first & 0x70, opcode: first & 0x0f, masked, payload });
    offset += header + length;
  }
  return { frames, rest: bytes.subarray(offset) };
}

/** Rejects with `what` unless `promise` settles within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RawWebSocketOptions {
  /** Keep our side open when the server ends its own (to see when the server cuts it). */
  allowHalfOpen?: boolean;
  /** Source address on loopback (127.0.0.x). */
  localAddress?: string;
}

/** A WebSocket spoken by hand over one TCP connection, after a valid handshake. */
export class RawWebSocket {
  /** Every frame received from the server, in order. */
  readonly frames: ServerFrame[] = [];
  /** Resolves when the server ends its side (FIN) or the connection is reset. */
  readonly ended: Promise<void>;
  /** Resolves when the TCP socket is fully closed. */
  readonly closed: Promise<void>;
  /** The first error of the socket (ECONNRESET, EPIPE…), if any. */
  error: Error | null = null;
  isEnded = false;
  isClosed = false;
  private rest: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  constructor(
    readonly socket: net.Socket,
    firstBytes: Buffer,
  ) {
    let endedResolve!: () => void;
    let closedResolve!: () => void;
    this.ended = new Promise((resolve) => (endedResolve = resolve));
    this.closed = new Promise((resolve) => (closedResolve = resolve));
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('end', () => {
      this.isEnded = true;
      endedResolve();
      this.wake();
    });
    socket.on('error', (error) => {
      this.error ??= error;
      this.isEnded = true;
      endedResolve();
      this.wake();
    });
    socket.on('close', () => {
      this.isEnded = true;
      this.isClosed = true;
      endedResolve();
      closedResolve();
      this.wake();
    });
    if (firstBytes.length > 0) this.received(firstBytes);
  }

  private received(chunk: Buffer): void {
    const { frames, rest } = parseServerFrames(Buffer.concat([this.rest, chunk]));
    this.rest = rest;
    if (frames.length > 0) {
      this.frames.push(...frames);
      this.wake();
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Writes raw bytes (one TCP write); resolves once handed to the kernel. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Sends one masked frame (or as `options` says). */
  send(opcode: number, payload?: Uint8Array, options?: ClientFrameOptions): Promise<void> {
    return this.write(clientFrame(opcode, payload, options));
  }

  /** The first frame received (from index `from` on) that matches, waiting up to `ms`. */
  async frame(
    match: (frame: ServerFrame) => boolean,
    ms = 3_000,
    from = 0,
    what = 'a frame',
  ): Promise<ServerFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.isClosed) throw new Error(`no ${what} received (${this.describe()})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The server's close frame: its code and reason. */
  async closeFrame(ms = 3_000): Promise<{ code: number | null; reason: string; payload: Buffer }> {
    const frame = await this.frame((f) => f.opcode === OP.CLOSE, ms, 0, 'close frame');
    const payload = frame.payload;
    return {
      code: payload.length >= 2 ? payload.readUInt16BE(0) : null,
      reason: payload.subarray(2).toString('utf8'),
      payload,
    };
  }

  /** Binary messages received, each as its bytes. */
  binaryMessages(): Buffer[] {
    return this.frames.filter((f) => f.opcode === OP.BINARY).map((f) => f.payload);
  }

  /** A short account of what was received, for failure messages. */
  describe(): string {
    const counts = new Map<number, number>();
    for (const f of this.frames) counts.set(f.opcode, (counts.get(f.opcode) ?? 0) + 1);
    const ops = [...counts].map(([opcode, count]) => `opcode ${opcode} × ${count}`).join(', ');
    return `frames [${ops}], ended ${this.isEnded}, closed ${this.isClosed}, error ${this.error?.message ?? 'none'}`;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The raw answer to an HTTP request on a fresh TCP connection: status, headers, rest of the bytes. */
export interface RawHttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** What followed the head (an error's body, or the first WebSocket frames). */
  body: Buffer;
  socket: net.Socket;
}

/**
 * Sends `request` (a whole HTTP request head) and resolves with the answer's head once it is
 * complete. The socket stays open for what follows.
 */
export function rawHttp(
  server: RunningServer,
  request: string | Uint8Array,
  options: RawWebSocketOptions = {},
): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      port: server.port,
      host: '127.0.0.1',
      localAddress: options.localAddress,
      allowHalfOpen: options.allowHalfOpen ?? false,
    });
    socket.setNoDelay(true);
    let bytes = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      const end = bytes.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1] ?? 0),
        headers,
        body: bytes.subarray(end + 4),
        socket,
      });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('end', () =>
      reject(new Error(`connection ended before an HTTP answer: ${bytes.toString('latin1')}`)),
    );
    socket.write(request);
  });
}

/** A valid opening handshake's request head for `room` (headers overridable, null drops one). */
export function handshakeRequest(
  server: RunningServer,
  room: string,
  token: string,
  overrides: Record<string, string | null> = {},
  method = 'GET',
): { request: string; key: string } {
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${server.port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Protocol': `${SUBPROTOCOL}, ${token}`,
    ...overrides,
  };
  const lines = [`${method} /sync/${room} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) if (value !== null) lines.push(`${name}: ${value}`);
  return { request: `${lines.join('\r\n')}\r\n\r\n`, key: overrides['Sec-WebSocket-Key'] ?? key };
}

/** The Sec-WebSocket-Accept a server must answer to `key`. */
export function acceptOf(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * Opens a WebSocket on `room` with a valid token: checks the 101 answer (accept value and our
 * subprotocol), and, unless `joined` is false, waits for the server's first message (its sync
 * step 1, sent once the connection joined the room).
 */
export async function openRawWebSocket(
  server: RunningServer,
  room: string,
  token: string,
  options: RawWebSocketOptions & { joined?: boolean } = {},
): Promise<RawWebSocket> {
  const { request, key } = handshakeRequest(server, room, token);
  const answer = await within(rawHttp(server, request, options), 5_000, `handshake on ${room}`);
  if (answer.status !== 101) throw new Error(`handshake answered ${answer.status}`);
  if (answer.headers['sec-websocket-accept'] !== acceptOf(key)) throw new Error('wrong Sec-WebSocket-Accept');
  if (answer.headers['sec-websocket-protocol'] !== SUBPROTOCOL) throw new Error('wrong subprotocol');
  const ws = new RawWebSocket(answer.socket, answer.body);
  answer.socket.resume();
  if (options.joined !== false) await ws.frame((f) => f.opcode === OP.BINARY, 5_000, 0, 'first sync message');
  return ws;
}
