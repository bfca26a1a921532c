/**
 * One connection between a fuzz client and a Room, with a queue in each direction that the
 * fuzz drains when it chooses (messages arrive in order, late, or never when the link drops).
 * The server side is the Room's RoomSocket.
 */
import type { RoomConnection, RoomSocket } from '../Room';

type ToClient =
  { kind: 'message'; data: Uint8Array; onWritten?: () => void } | { kind: 'close'; code: number };

export interface SocketClient {
  receive(data: Uint8Array): void;
  /** The server closed the connection (code of our CLOSE, or 1006 when the link died). */
  closedByServer(code: number): void;
}

export class InMemorySocket implements RoomSocket {
  connection: RoomConnection | null = null;
  /** The client dropped the link; the server has not noticed yet unless `serverNotified`. */
  clientGone = false;
  serverNotified = false;
  private toClient: ToClient[] = [];
  private toServer: Uint8Array[] = [];
  private closedByServer = false;

  constructor(readonly client: SocketClient) {}

  // ---- RoomSocket (server side) ----

  sendMessage(data: Uint8Array, onWritten?: () => void): void {
    if (this.closedByServer || this.clientGone) {
      onWritten?.();
      return;
    }
    this.toClient.push({ kind: 'message', data, onWritten });
  }

  closeWith(code: number): void {
    if (this.closedByServer) return;
    this.closedByServer = true;
    this.serverNotified = true;
    if (!this.clientGone) this.toClient.push({ kind: 'close', code });
  }

  get bufferedAmount(): number {
    let bytes = 0;
    for (const m of this.toClient) if (m.kind === 'message') bytes += m.data.byteLength;
    return bytes;
  }

  // ---- client side ----

  get open(): boolean {
    return !this.clientGone && !this.closedByServer;
  }

  sendToServer(data: Uint8Array): void {
    if (this.clientGone) return;
    this.toServer.push(data);
  }

  /** The client's link dies: what was in flight is lost both ways. */
  dropByClient(): void {
    this.clientGone = true;
    this.toServer = [];
    const lost = this.toClient;
    this.toClient = [];
    for (const m of lost) if (m.kind === 'message') m.onWritten?.();
  }

  /** The server process died: nothing more arrives, the client sees the link close. */
  serverDied(): void {
    if (this.clientGone || this.closedByServer) return;
    this.closedByServer = true;
    this.serverNotified = true;
    this.toClient = [];
    this.toServer = [];
    this.client.closedByServer(1006);
  }

  /** The server's transport reports the close (possibly long after the client left). */
  notifyServer(): void {
    if (this.serverNotified) return;
    this.serverNotified = true;
    this.connection?.closed();
  }

  get pendingToServer(): number {
    return this.toServer.length;
  }

  get pendingToClient(): number {
    return this.toClient.length;
  }

  /** Delivers up to `n` client messages to the room. */
  deliverToServer(n = Infinity): void {
    // Delivered together as the transport does with one TCP read's messages ([HOT-5]).
    const deliver = () => {
      for (let i = 0; i < n && this.toServer.length > 0; i++) {
        const data = this.toServer.shift()!;
        if (!this.closedByServer) this.connection?.receive(data);
      }
    };
    if (this.connection) this.connection.receiveBatch(deliver);
    else deliver();
  }

  /** Delivers up to `n` server messages (or the close) to the client. */
  deliverToClient(n = Infinity): void {
    for (let i = 0; i < n && this.toClient.length > 0; i++) {
      const m = this.toClient.shift()!;
      if (m.kind === 'close') {
        this.client.closedByServer(m.code);
        return;
      }
      m.onWritten?.();
      this.client.receive(m.data);
    }
  }
}
