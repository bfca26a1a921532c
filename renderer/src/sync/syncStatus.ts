// The sync state shown to the agent, derived only from facts about the open rooms: whether
// the socket is connected, whether the initial sync is done, and whether the server's last
// persisted-ack (its durable state) covers everything this computer holds, but for what the
// server itself sent on this connection (other agents' edits).
import { isCoveredBy, type ReceivedState } from '../../../site/syncProtocol';

export interface RoomFacts {
  room: string;
  /** The WebSocket to the server is open. */
  connected: boolean;
  /** The first connection attempt has not ended yet: we do not know we are offline. */
  firstAttemptPending: boolean;
  /** The server's sync step 2 was received on this connection. */
  synced: boolean;
  /** encodeDocState of the local doc (state vector and delete set). */
  localState: Uint8Array;
  /** The last durable state acknowledged on this connection, if any. */
  durableState: Uint8Array | null;
  /** What the server sent on this connection (other agents' edits, acknowledged to them). */
  received?: ReceivedState;
}

export type SyncStatus =
  { kind: 'offline'; rooms: string[] } | { kind: 'syncing'; rooms: string[] } | { kind: 'saved' };

/**
 * Offline if any open room's connection failed or dropped; saved only if every room's ack
 * covers its doc and nothing else is waiting to be sent (`unsentElsewhere`: pages closed with
 * unacknowledged edits, files in the upload outbox); syncing otherwise (including while rooms
 * are being opened). Offline at once when the browser says the network is gone.
 */
export function deriveSyncStatus(
  rooms: readonly RoomFacts[],
  unsentElsewhere: readonly string[] = [],
  browserOffline = false,
): SyncStatus {
  // The browser knows the network is gone before any socket times out.
  if (browserOffline) return { kind: 'offline', rooms: rooms.map((r) => r.room) };
  if (rooms.length === 0) return { kind: 'syncing', rooms: [...unsentElsewhere] };
  const offline = rooms.filter((r) => !r.connected && !r.firstAttemptPending).map((r) => r.room);
  if (offline.length > 0) return { kind: 'offline', rooms: offline };
  // Pages closed with edits not yet acknowledged, files not yet uploaded: not « saved » either.
  const syncing = [...rooms.filter((r) => !roomIsSaved(r)).map((r) => r.room), ...unsentElsewhere];
  if (syncing.length > 0) return { kind: 'syncing', rooms: syncing };
  return { kind: 'saved' };
}

/**
 * The server's last ack on the live connection covers everything this computer holds but what
 * the server sent on it.
 */
export function roomIsSaved(r: RoomFacts): boolean {
  return (
    r.connected &&
    r.synced &&
    r.durableState !== null &&
    isCoveredBy(r.localState, r.durableState, r.received)
  );
}

/** « 3 modifications en attente d’envoi » (one modification = one local change). */
export function pendingEditsText(count: number): string {
  return count === 1 ? '1 modification en attente d’envoi' : `${count} modifications en attente d’envoi`;
}

/** What waits to be sent, as an agent counts it: pages, not keystrokes. */
export interface PendingWork {
  /** Pages whose text has changes the server has not acknowledged yet. */
  pages: number;
  /** The site's own document (page list, page information, settings) has such changes. */
  site: boolean;
}

/** Counts the documents (rooms) with unacknowledged changes; never Yjs transactions. */
export function pendingWorkOf(rooms: readonly string[]): PendingWork {
  return {
    pages: rooms.filter((r) => r.includes('/page/')).length,
    site: rooms.some((r) => r.endsWith('/site')),
  };
}

/** « 2 pages modifiées pas encore envoyées », or null when nothing waits. */
export function pendingWorkText(work: PendingWork): string | null {
  if (work.pages > 0) {
    const plural = work.pages > 1 ? 's' : '';
    return `${work.pages} page${plural} modifiée${plural} pas encore envoyée${plural}`;
  }
  if (work.site) return 'informations du site pas encore envoyées';
  return null;
}

/** The one short phrase of the top bar's status. */
export function syncStatusText(status: SyncStatus, work: PendingWork = { pages: 0, site: false }): string {
  switch (status.kind) {
    case 'offline': {
      const pending = pendingWorkText(work);
      return pending
        ? `Hors ligne — ${pending}`
        : 'Hors ligne — vos modifications restent sur cet ordinateur';
    }
    case 'syncing':
      return 'Envoi en cours…';
    case 'saved':
      return 'Enregistré';
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

export function sameSyncStatus(a: SyncStatus, b: SyncStatus): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'saved' || b.kind === 'saved') return true;
  return a.rooms.length === b.rooms.length && a.rooms.every((room, i) => room === b.rooms[i]);
}
