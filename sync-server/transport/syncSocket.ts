/**
 * A sync connection's WebSocket over its TCP socket, as the room sees it (`RoomSocket`): one
 * object per connection holding the TCP socket, the room connection, its liveness, its state
 * and — only while a frame or message is half-received — its pending input. The frames are read
 * and written by `websocket/`; the four listeners of every TCP socket are the same functions,
 * which find their SyncSocket under a symbol of the TCP socket ([CONN-5]).
 *
 * Closing (RFC 6455 §7): the side that closes sends a close frame; the other answers with its
 * own; the server then ends the TCP connection. A client that never answers, or never reads,
 * is cut after CLOSE_GRACE_MS.
 */
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import { CLOSE, MESSAGE_AWARENESS } from '../../site/syncProtocol';
import type { Logger } from '../observability/Logger';
import type { RoomConnection, RoomSocket } from '../sync/Room';
import type { SocketHeartbeat } from './heartbeat';
import type { TurnWrites } from './turnWrites';
import {
  OPCODE,
  PING_FRAME,
  PROTOCOL_CLOSE,
  binaryFrameOf,
  encodeClose,
  encodeFrame,
  isValidCloseCode,
} from './websocket/frames';
import { readFrames, soleMessageFirstByte, type FrameSink, type PendingInput } from './websocket/frameReader';

/** A client that does not read never answers the close frame: its backlog is freed after this. */
const CLOSE_GRACE_MS = 3_000;

/** Open; a close frame sent, awaiting the client's; the TCP connection ending; closed. */
const OPEN = 0;
const CLOSING = 1;
const ENDED = 2;
const CLOSED = 3;

const SYNC_SOCKET = Symbol('syncSocket');
type TcpSocket = Socket & { [SYNC_SOCKET]?: SyncSocket };

/** What the sockets of one server share: their writes, their registry, the log, the bound. */
export interface SyncSocketServer {
  writes: TurnWrites;
  /** Every open socket, each pinged in its turn (heartbeat.ts). */
  sockets: SocketHeartbeat<SyncSocket>;
  logger: Logger;
  /** Bytes a message may have at most; beyond, the connection fails (1009). */
  maxPayload: number;
}

function destroySocket(tcp: Socket): void {
  tcp.destroy();
}

export class SyncSocket implements RoomSocket {
  /** The room connection the socket carries (null until it joins, or when refused). */
  connection: RoomConnection | null = null;
  /** Answered the last heartbeat ping (or has just joined). */
  alive = true;
  /** Its slot in the heartbeat (SocketHeartbeat.add). */
  heartbeatSlot = 0;
  pending: PendingInput | null = null;
  private state = OPEN;
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly tcp: Socket,
    private readonly server: SyncSocketServer,
  ) {
    (tcp as TcpSocket)[SYNC_SOCKET] = this;
    server.sockets.add(this);
    tcp.setTimeout(0);
    tcp.setNoDelay(true);
    tcp.on('data', onData);
    tcp.on('end', onEnd);
    tcp.on('close', onClose);
    tcp.on('error', onError);
  }

  get bufferedAmount(): number {
    return this.tcp.writableLength;
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  sendMessage(data: Uint8Array, onWritten?: () => void): void {
    // Destroyed but its 'close' not yet emitted: nothing is framed (a frame cached for a socket
    // whose writes schedule no flush would outlive the turn).
    if (this.state !== OPEN || this.tcp.destroyed) {
      if (onWritten) process.nextTick(onWritten);
      return;
    }
    this.server.writes.send(this.tcp, binaryFrameOf(data), onWritten);
  }

  closeWith(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.server.writes.send(this.tcp, encodeClose(code, reason));
    this.state = CLOSING;
    this.armGrace();
  }

  ping(): void {
    if (this.state === OPEN) this.server.writes.send(this.tcp, PING_FRAME);
  }

  /**
   * Answers a ping with a pong of the same payload. While the client leaves its backlog unread
   * past the socket's high-water mark (16 KiB; a client flooding pings without reading would
   * otherwise queue pongs without end), only the latest ping is remembered, and answered once
   * the backlog is written (RFC 6455 §5.5.3 allows answering the most recent ping only).
   */
  pong(payload: Buffer): void {
    if (this.state !== OPEN) return;
    if (!this.tcp.writableNeedDrain) {
      owedPongs.delete(this);
      this.server.writes.send(this.tcp, encodeFrame(OPCODE.PONG, payload));
      return;
    }
    if (!owedPongs.has(this)) this.tcp.once('drain', onDrain);
    owedPongs.set(this, Buffer.from(payload));
  }

  /** The backlog is written: the latest ping left unanswered gets its pong. */
  drained(): void {
    const payload = owedPongs.get(this);
    owedPongs.delete(this);
    if (payload) this.pong(payload);
  }

  /** Cuts the TCP connection now, whatever is unwritten. */
  terminate(): void {
    this.tcp.destroy();
  }

  /**
   * Reads one chunk of the TCP stream. A failure in what a message triggers is this socket's
   * end, never the process's (it would be an uncaught exception of the 'data' event).
   */
  read(chunk: Buffer): void {
    if (this.state >= ENDED) return;
    try {
      // The messages of one read are applied as one batch ([HOT-5]); a read holding one
      // presence message alone touches no document: no transaction of the doc for it.
      const conn = this.connection;
      if (conn !== null && this.state === OPEN && soleMessageFirstByte(this, chunk) !== MESSAGE_AWARENESS) {
        conn.receiveBatch(() => readFrames(this, chunk, this.server.maxPayload, SINK));
      } else {
        readFrames(this, chunk, this.server.maxPayload, SINK);
      }
    } catch (error) {
      this.server.logger.log('error', 'sync.read_failed', { room: this.connection?.roomName, error });
      this.tcp.destroy();
    }
  }

  /** The client's close frame: answered if the server had not closed, then the TCP end. */
  closeFrameReceived(payload: Buffer): void {
    let code = 0;
    if (payload.length === 1) return this.fail(PROTOCOL_CLOSE.PROTOCOL_ERROR, 'close frame of one byte');
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) return this.fail(PROTOCOL_CLOSE.PROTOCOL_ERROR, `close code ${code}`);
      if (!isUtf8(payload.subarray(2)))
        return this.fail(PROTOCOL_CLOSE.INVALID_PAYLOAD, 'close reason not UTF-8');
    }
    if (this.state === OPEN) {
      const echo = code === 0 ? encodeFrame(OPCODE.CLOSE, payload) : encodeClose(code, '');
      this.server.writes.send(this.tcp, echo);
    }
    this.end();
  }

  /** The client broke the protocol: a close frame with `code` if none was sent, then the end. */
  fail(code: number, detail: string): void {
    this.server.logger.log('warn', 'sync.protocol_error', { room: this.connection?.roomName, code, detail });
    if (this.state === OPEN) this.server.writes.send(this.tcp, encodeClose(code, ''));
    this.end();
  }

  /** Stops reading and ends the TCP connection once what is queued is written. */
  end(): void {
    if (this.state >= ENDED) return;
    this.state = ENDED;
    this.pending = null;
    this.tcp.end();
    this.armGrace();
    this.connection?.closed();
  }

  /** The TCP connection closed: the room connection leaves. */
  closed(): void {
    this.state = CLOSED;
    this.pending = null;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.server.sockets.delete(this);
    this.connection?.closed();
  }

  /** A TCP error: the connection goes (its 'close' follows). A reset or a broken pipe is a
   * client gone, not worth a log line. */
  errored(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ECONNRESET' && code !== 'EPIPE' && code !== 'ETIMEDOUT') {
      this.server.logger.log('warn', 'sync.socket_error', {
        room: this.connection?.roomName,
        error: error.message,
      });
    }
    this.tcp.destroy();
  }

  private armGrace(): void {
    if (this.graceTimer) return;
    this.graceTimer = setTimeout(destroySocket, CLOSE_GRACE_MS, this.tcp);
    this.graceTimer.unref();
  }
}

/** The latest ping of each socket whose pong waits for its backlog to drain (rare). */
const owedPongs = new WeakMap<SyncSocket, Buffer>();

/** The SyncSocket over a TCP socket (the listeners' `this`). */
function syncSocketOf(tcp: Socket): SyncSocket {
  return (tcp as TcpSocket)[SYNC_SOCKET]!;
}

function onData(this: Socket, chunk: Buffer): void {
  syncSocketOf(this).read(chunk);
}
function onEnd(this: Socket): void {
  syncSocketOf(this).end();
}
function onClose(this: Socket): void {
  syncSocketOf(this).closed();
}
function onDrain(this: Socket): void {
  syncSocketOf(this).drained();
}
function onError(this: Socket, error: Error): void {
  syncSocketOf(this).errored(error);
}

/** A view of the payload as a plain Uint8Array (a Buffer's `slice` does not copy). */
function bytesOf(payload: Buffer): Uint8Array {
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** What the frames of a sync socket mean: binary messages go to the room, nothing else does. */
const SINK: FrameSink<SyncSocket> = {
  message(socket, opcode, payload) {
    const conn = socket.connection;
    // A socket being refused or closed has no say: what it sends is read (for its close frame)
    // and dropped.
    if (conn === null || !socket.isOpen) return true;
    if (opcode === OPCODE.BINARY) conn.receive(bytesOf(payload));
    else conn.kick(CLOSE.MALFORMED);
    return true;
  },
  control(socket, opcode, payload) {
    if (opcode === OPCODE.CLOSE) {
      socket.closeFrameReceived(payload);
      return false;
    }
    if (opcode === OPCODE.PONG) socket.alive = true;
    else socket.pong(payload);
    return true;
  },
  fail(socket, code, detail) {
    socket.fail(code, detail);
  },
};
