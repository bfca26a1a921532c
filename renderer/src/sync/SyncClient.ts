// Owns the open rooms of a session: creates their providers, reacts to the server's close
// codes (refresh on 4401, stop and explain on 4403…), and derives the sync status from facts.
import { CLOSE, CLOSE_MESSAGES_FR, closeReasonForCode, encodeDocState } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { LocalDoc } from '../store/LocalStore';
import { defaultPendingStorage, PendingEdits, pendingEditsKey } from './PendingEdits';
import { RoomProvider } from './RoomProvider';
import { deriveSyncStatus, type RoomFacts, roomIsSaved, sameSyncStatus, type SyncStatus } from './syncStatus';

export interface RoomAlert {
  room: string;
  message: string;
}

export interface SyncSnapshot {
  status: SyncStatus;
  alerts: readonly RoomAlert[];
  /**
   * The documents (rooms), open or not, holding local changes not yet covered by a
   * persisted-ack, remembered across reloads (PendingEdits): what the agent is told
   * (« 2 pages … »). Their per-room counts stay in `pending`, out of this snapshot: a
   * keystroke that only raises a count must re-render nothing.
   */
  pendingRooms: readonly string[];
}

interface OpenRoom {
  provider: RoomProvider;
  dispose: () => void;
  /** onLocalEdit was called for this opening of the room. */
  markedDirty: boolean;
}

export class SyncClient {
  private readonly rooms = new Map<RoomProvider, OpenRoom>();
  private readonly listeners = new Set<() => void>();
  private readonly alerts = new Map<string, string>();
  private snapshot: SyncSnapshot;
  /** Per-room counts of local changes not yet acknowledged, kept on this computer. */
  readonly pending: PendingEdits;

  constructor(
    private readonly auth: AuthSession,
    pending?: PendingEdits,
  ) {
    this.pending =
      pending ??
      new PendingEdits(
        defaultPendingStorage(),
        pendingEditsKey(auth.current.serverUrl, auth.current.agent.id),
      );
    this.browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false;
    this.snapshot = {
      status: deriveSyncStatus([], [], this.browserOffline),
      alerts: [],
      pendingRooms: this.pending.rooms(),
    };
    // A background sync clears the count of the rooms it got acknowledged.
    this.offPending = this.pending.subscribe(() => {
      if (!this.recomputing) this.recompute();
    });
    this.offNetwork = this.watchNetwork();
  }

  /** The browser says the network is gone (its `offline` event): no need to wait for a socket. */
  private browserOffline: boolean;
  private readonly offNetwork: () => void;

  /**
   * The browser's `offline`/`online` events: offline is shown at once, and the open sockets
   * are closed so y-websocket starts retrying (a socket on a dead network can look open for
   * 30 s); back online, the rooms waiting for their next retry reconnect now.
   */
  private watchNetwork(): () => void {
    if (typeof window === 'undefined') return () => undefined;
    const offline = () => {
      this.browserOffline = true;
      for (const provider of this.rooms.keys()) provider.ws?.close();
      this.recompute();
    };
    const online = () => {
      this.browserOffline = false;
      for (const provider of this.rooms.keys()) {
        if (provider.shouldConnect && !provider.wsconnected && provider.ws === null) provider.connect();
      }
      this.recompute();
    };
    // The pending counts are written once per burst: a closing window writes what is left.
    const leaving = () => this.pending.flush();
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    window.addEventListener('pagehide', leaving);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      window.removeEventListener('pagehide', leaving);
    };
  }

  private readonly offPending: () => void;
  private recomputing = false;

  /** Creates the room's provider, not connected: call connect() (the editor plugin does). */
  openRoom(local: LocalDoc): RoomProvider {
    const provider = new RoomProvider(this.auth.current.serverUrl, local, this.auth.accessToken);
    const recompute = () => this.recompute();
    const onSync = (synced: boolean) => {
      if (synced) this.setAlert(provider.roomname, undefined);
      recompute();
    };
    const onConnectionClose = (event: CloseEvent | null) => {
      if (event) this.onServerClose(provider, event.code);
      // A failed first attempt emits no 'status' (it was never connected).
      recompute();
    };
    const onClosed = (event: { code: number }) => {
      if (event.code === CLOSE.TOKEN_EXPIRED.code) void this.reconnectWithFreshToken(provider);
    };
    let loaded = false;
    void local.whenLoaded.then(() => (loaded = true));
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      // Received from the server (origin: the provider) or read back from this computer: not pending.
      const open = this.rooms.get(provider);
      if (open && loaded && origin !== provider) {
        // Counted without a recompute of its own: this handler recomputes once below.
        this.quietly(() => this.pending.add(provider.roomname));
        // Remembered at once (not when the page closes): the window may be closed, reloaded or
        // crash before then, and the edit must still be sent at the next background sync.
        if (!open.markedDirty) {
          open.markedDirty = true;
          this.onLocalEdit?.(provider.roomname);
        }
      }
      recompute();
    };
    local.doc.on('update', onUpdate);
    provider.on('status', recompute);
    provider.on('sync', onSync);
    provider.on('connection-close', onConnectionClose);
    provider.on('closed', onClosed);
    const offAck = provider.onPersistedAck(recompute);
    this.rooms.set(provider, {
      provider,
      dispose: () => {
        local.doc.off('update', onUpdate);
        provider.off('status', recompute);
        provider.off('sync', onSync);
        provider.off('connection-close', onConnectionClose);
        provider.off('closed', onClosed);
        offAck();
      },
      markedDirty: false,
    });
    this.recompute();
    return provider;
  }

  /** One open room's facts, for the per-page status. */
  roomState(provider: RoomProvider): { saved: boolean; connected: boolean; pending: number } | undefined {
    const open = this.rooms.get(provider);
    if (!open) return undefined;
    const saved = roomIsSaved({
      room: provider.roomname,
      connected: provider.wsconnected,
      firstAttemptPending: provider.firstAttemptPending,
      synced: provider.synced,
      localState: encodeDocState(provider.doc),
      durableState: provider.durableState,
      received: provider.received,
    });
    return {
      saved,
      connected: provider.wsconnected,
      pending: saved ? 0 : this.pending.count(provider.roomname),
    };
  }

  /** Names of the rooms open in the editor (the background sync leaves them alone). */
  openRoomNames(): Set<string> {
    return new Set([...this.rooms.keys()].map((p) => p.roomname));
  }

  /** Called at the first local edit of an open room (it now has something to send). */
  onLocalEdit: ((room: string) => void) | undefined;

  /** Rooms and files not open here that still wait to be sent (see deriveSyncStatus). */
  private unsentElsewhere: readonly string[] = [];

  setUnsentElsewhere(items: readonly string[]): void {
    if (items.length === this.unsentElsewhere.length && items.every((x, i) => x === this.unsentElsewhere[i]))
      return;
    this.unsentElsewhere = [...items];
    this.recompute();
  }

  /** Called with each room closed while edits were not yet acknowledged (or after). */
  onRoomClosed: ((room: string, saved: boolean) => void) | undefined;

  closeRoom(provider: RoomProvider): void {
    const open = this.rooms.get(provider);
    if (!open) return;
    this.onRoomClosed?.(provider.roomname, this.roomState(provider)?.saved ?? false);
    open.dispose();
    this.rooms.delete(provider);
    this.setAlert(provider.roomname, undefined);
    provider.destroy();
    this.recompute();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SyncSnapshot => this.snapshot;

  destroy(): void {
    for (const provider of [...this.rooms.keys()]) this.closeRoom(provider);
    this.offPending();
    this.offNetwork();
    this.pending.flush();
    this.listeners.clear();
  }

  private onServerClose(provider: RoomProvider, code: number): void {
    const reason = closeReasonForCode(code);
    // 4401 is handled silently by a refresh; other codes are explained to the agent.
    if (!reason || reason === CLOSE.TOKEN_EXPIRED.reason) return;
    this.setAlert(provider.roomname, CLOSE_MESSAGES_FR[reason]);
  }

  private async reconnectWithFreshToken(provider: RoomProvider): Promise<void> {
    // Another room may have refreshed already: then only the new token is needed.
    if (provider.accessToken === this.auth.accessToken) {
      const outcome = await this.auth.refresh();
      if (outcome === 'expired') return;
    }
    if (!this.rooms.has(provider)) return;
    for (const room of this.rooms.keys()) room.setAccessToken(this.auth.accessToken);
    provider.connect();
  }

  private setAlert(room: string, message: string | undefined): void {
    const previous = this.alerts.get(room);
    if (previous === message) return;
    if (message === undefined) this.alerts.delete(room);
    else this.alerts.set(room, message);
    this.snapshot = {
      ...this.snapshot,
      alerts: [...this.alerts].map(([r, m]) => ({ room: r, message: m })),
    };
    this.notify();
  }

  private quietly(change: () => void): void {
    const was = this.recomputing;
    this.recomputing = true;
    try {
      change();
    } finally {
      this.recomputing = was;
    }
  }

  private recompute(): void {
    this.recomputing = true;
    try {
      this.recomputeNow();
    } finally {
      this.recomputing = false;
    }
  }

  private recomputeNow(): void {
    const facts: RoomFacts[] = [...this.rooms.values()].map((open) => {
      const p = open.provider;
      const fact: RoomFacts = {
        room: p.roomname,
        connected: p.wsconnected,
        firstAttemptPending: p.firstAttemptPending,
        synced: p.synced,
        localState: encodeDocState(p.doc),
        durableState: p.durableState,
        received: p.received,
      };
      if (roomIsSaved(fact)) this.pending.clear(p.roomname);
      return fact;
    });
    const pendingRooms = this.pending.rooms();
    const status = deriveSyncStatus(facts, this.unsentElsewhere, this.browserOffline);
    if (
      sameSyncStatus(status, this.snapshot.status) &&
      pendingRooms.join(' ') === this.snapshot.pendingRooms.join(' ')
    )
      return;
    this.snapshot = { status, alerts: this.snapshot.alerts, pendingRooms };
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
