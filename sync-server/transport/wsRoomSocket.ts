/**
 * A `ws` connection as the room sees it: the class `ws` makes for every accepted socket
 * (`new WebSocketServer({ WebSocket })`) is the RoomSocket itself, and holds the room connection
 * and its liveness in two fields. One object per connection, no adapter, no closure: the
 * listeners of every socket are the same functions (syncSockets.ts), which find the connection
 * through `this`. An adapter object, a closure per listener and a WeakMap entry for liveness
 * cost ~300 bytes per connection for as long as it lived.
 */
import { WebSocket } from 'ws';
import type { RoomConnection, RoomSocket } from '../sync/Room';
import type { TurnWrites } from './turnWrites';

/** A client that does not read never answers the close frame: its backlog is freed after this. */
const CLOSE_GRACE_MS = 3_000;

export interface RoomWebSocket extends WebSocket, RoomSocket {
  /** The room connection the socket carries (null until it joins). */
  connection: RoomConnection | null;
  /** Answered the last heartbeat ping (or has just joined). */
  alive: boolean;
}

/** The socket class of one server: its sends go through that server's turn writes. */
export function roomWebSocketClass(writes: TurnWrites): typeof WebSocket {
  class SyncWebSocket extends WebSocket implements RoomWebSocket {
    connection: RoomConnection | null = null;
    alive = true;

    sendMessage(data: Uint8Array, onWritten?: () => void): void {
      writes.send(this, data, onWritten);
    }

    closeWith(code: number, reason: string): void {
      this.close(code, reason);
      // Rather than ws's 30 s.
      const grace = setTimeout(() => this.terminate(), CLOSE_GRACE_MS);
      grace.unref();
      this.once('close', () => clearTimeout(grace));
    }
  }
  return SyncWebSocket;
}
