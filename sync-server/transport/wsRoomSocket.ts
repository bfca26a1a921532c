/**
 * A `ws` connection as the room sees it (RoomSocket). One small object per connection whose
 * methods live on the prototype: an object literal of closures and a getter cost three
 * functions and their context per connection, for as long as it lives.
 */
import type { WebSocket } from 'ws';
import type { RoomSocket } from '../sync/Room';
import type { TurnWrites } from './turnWrites';

/** A client that does not read never answers the close frame: its backlog is freed after this. */
const CLOSE_GRACE_MS = 3_000;

export class WsRoomSocket implements RoomSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly writes: TurnWrites,
  ) {}

  send(data: Uint8Array, onWritten?: () => void): void {
    this.writes.send(this.ws, data, onWritten);
  }

  close(code: number, reason: string): void {
    const ws = this.ws;
    ws.close(code, reason);
    // Rather than ws's 30 s.
    const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    grace.unref();
    ws.once('close', () => clearTimeout(grace));
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}
