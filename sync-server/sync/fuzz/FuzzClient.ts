/**
 * A fuzz client: a Y.Doc and its awareness speaking y-websocket's messages (the same
 * y-protocols calls as y-websocket's provider) plus our persisted-ack, over an InMemorySocket.
 * It records every durable state the server acknowledged, and every local state of its own
 * that such an ack covered with what the server sent on the connection (what the editor shows
 * as « enregistré sur le serveur »).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  CLOSE,
  MESSAGE_AWARENESS,
  MESSAGE_AUTH,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  encodeDocState,
  isCoveredBy,
  readPersistedAck,
  type ReceivedState,
  trackReceived,
} from '../../../site/syncProtocol';
import type { InMemorySocket, SocketClient } from './InMemorySocket';

export class FuzzClient implements SocketClient {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  socket: InMemorySocket | null = null;
  synced = false;
  /** Durable states acknowledged by the server, not yet checked against the store. */
  acked: Uint8Array[] = [];
  /**
   * Local states an ack covered (« saved »), with what the server had sent on the connection
   * then (others' edits, acknowledged to their writers), not yet checked against the store.
   */
  saved: Array<{ local: Uint8Array; received: ReceivedState }> = [];
  /** What the server sent on the current connection. */
  readonly received: ReceivedState;
  ackCount = 0;
  /** A close an honest client must never get (anything but shutdown, or a lost link). */
  refusedWith: number | null = null;

  constructor(
    readonly name: string,
    readonly room: string,
    clientId: number,
  ) {
    this.doc.clientID = clientId;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.received = trackReceived(this.doc, this);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      this.send(encoding.toUint8Array(encoder));
    });
    this.awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        this.send(this.awarenessMessage([...added, ...updated, ...removed]));
      },
    );
  }

  get connected(): boolean {
    return this.socket?.open ?? false;
  }

  /** The socket was accepted: y-websocket's onopen. */
  opened(socket: InMemorySocket): void {
    this.socket = socket;
    this.synced = false;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.send(encoding.toUint8Array(encoder));
    if (this.awareness.getLocalState() !== null) this.send(this.awarenessMessage([this.doc.clientID]));
  }

  receive(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        const subtype = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
        if (subtype === syncProtocol.messageYjsSyncStep2) this.synced = true;
        if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder));
        return;
      }
      case MESSAGE_AWARENESS:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
        return;
      case MESSAGE_QUERY_AWARENESS:
        this.send(this.awarenessMessage([...this.awareness.getStates().keys()]));
        return;
      case MESSAGE_AUTH:
        return;
      case MESSAGE_PERSISTED_ACK: {
        const durable = readPersistedAck(decoder);
        this.ackCount += 1;
        this.acked.push(durable);
        const local = encodeDocState(this.doc);
        if (isCoveredBy(local, durable, this.received))
          this.saved.push({ local, received: this.received.clone() });
        return;
      }
      default:
        throw new Error(`${this.name}: unknown message type ${type}`);
    }
  }

  closedByServer(code: number): void {
    if (code !== CLOSE.SERVER_SHUTDOWN.code && code !== 1006) this.refusedWith = code;
    this.lostSocket();
  }

  /** The client's link drops (offline): it keeps editing. */
  drop(): void {
    this.socket?.dropByClient();
    this.lostSocket();
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }

  private lostSocket(): void {
    this.socket = null;
    this.synced = false;
    this.received.clear();
    // y-websocket forgets the others' presence when its socket closes.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
  }

  private send(message: Uint8Array): void {
    if (this.socket?.open) this.socket.sendToServer(message);
  }

  private awarenessMessage(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(encoder);
  }
}
