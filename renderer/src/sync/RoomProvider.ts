// A y-websocket provider for one room of ours: it loads the doc from this computer before
// its first connection, records the durable state of each persisted-ack, and what the server
// sent on the current connection (other agents' edits: not ours to see acknowledged).
import { WebsocketProvider } from 'y-websocket';
import {
  CLOSE,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_SYNC,
  readPersistedAck,
  type ReceivedState,
  SUBPROTOCOL,
  trackReceived,
} from '../../../site/syncProtocol';
import { SYNC_PATH } from '../../../site/apiContract';
import type { LocalDoc } from '../store/LocalStore';

/** `https://host` → `wss://host/sync`; the provider appends `/{room}`. */
export function syncUrl(serverUrl: string): string {
  return serverUrl.replace(/^http/, 'ws') + SYNC_PATH;
}

/**
 * y-websocket stops reconnecting after any 44xx close; « too fast » only asks us to slow
 * down and « too slow » (we did not read fast enough) to start afresh, so we keep retrying
 * those (with y-websocket's backoff).
 */
export function shouldReconnectAfter(event: CloseEvent): boolean {
  if (event.code === CLOSE.TOO_FAST.code || event.code === CLOSE.TOO_SLOW.code) return true;
  return !(event.code >= 4400 && event.code < 4500);
}

export const RECONNECT_MAX_BACKOFF_MS = 500;

export class RoomProvider extends WebsocketProvider {
  /** The server's durable state vector, from the last ack on the current connection. */
  durableState: Uint8Array | null = null;
  /** What the server sent on the current connection (its answers and relayed updates). */
  readonly received: ReceivedState;
  /** A sync message of the server (not of this browser's other tabs) is being read. */
  private readingServer = false;
  /** True until the first connection attempt succeeds or fails. */
  firstAttemptPending = true;
  private wantsConnection = false;
  private isDestroyed = false;
  private readonly ackListeners = new Set<() => void>();

  constructor(
    serverUrl: string,
    readonly local: LocalDoc,
    accessToken: string,
  ) {
    super(syncUrl(serverUrl), local.room, local.doc, {
      connect: false,
      // No BroadcastChannel between this browser's tabs: another tab's edit, read from it with
      // the provider as origin like the server's, could pass for one the server sent ([SYNC-7]);
      // the tabs meet through the server (and this computer's storage) instead.
      disableBc: true,
      protocols: [SUBPROTOCOL, accessToken],
      shouldReconnect: shouldReconnectAfter,
      // Only the rooms on screen stay open (the manifest and one page), so retrying twice a
      // second is cheap (a refused connection costs nothing offline), and an agent whose
      // connection comes back is resynced within half a second rather than 2.5 s: the
      // background sending of unsent pages starts when the manifest's socket opens.
      maxBackoffTime: RECONNECT_MAX_BACKOFF_MS,
    });
    // y-websocket reads the server's sync messages and those of this browser's other tabs
    // (BroadcastChannel: their edits may not be on the server yet) with one handler and one
    // origin, the provider; it tells them apart by `emitSynced` (true for the socket's).
    const readSync = this.messageHandlers[MESSAGE_SYNC]!;
    this.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, provider, emitSynced, messageType) => {
      this.readingServer = emitSynced;
      try {
        readSync(encoder, decoder, provider, emitSynced, messageType);
      } finally {
        this.readingServer = false;
      }
    };
    this.received = trackReceived(local.doc, this, () => this.readingServer);
    this.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
      this.durableState = readPersistedAck(decoder);
      for (const listener of this.ackListeners) listener();
    };
    // An ack describes what the server had durably written when it was sent on this
    // connection; after a disconnect only a fresh ack may say « enregistré », and what the server
    // relayed before may have been lost by it: sent again, it must be acknowledged.
    this.on('status', ({ status }) => {
      if (status === 'connected') this.firstAttemptPending = false;
      else {
        this.durableState = null;
        this.received.clear();
      }
    });
    this.on('connection-close', () => {
      this.firstAttemptPending = false;
    });
  }

  /** Registers an ack listener; returns its disposer. */
  onPersistedAck(listener: () => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }

  setAccessToken(accessToken: string): void {
    this.protocols = [SUBPROTOCOL, accessToken];
  }

  get accessToken(): string | undefined {
    return this.protocols[1];
  }

  /** Connects once the local copy is loaded: the server then only sends what we lack. */
  override connect(): void {
    this.wantsConnection = true;
    this.local.load().then(
      () => {
        if (this.wantsConnection && !this.isDestroyed) super.connect();
      },
      (error: unknown) => console.error(`Chargement local de ${this.roomname} impossible`, error),
    );
  }

  override disconnect(): void {
    this.wantsConnection = false;
    super.disconnect();
  }

  override destroy(): void {
    this.isDestroyed = true;
    this.ackListeners.clear();
    this.received.stop();
    super.destroy();
  }
}
