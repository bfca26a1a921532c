// The sync state shown to the agent, derived only from facts about the open rooms: whether
// the socket is connected, whether the initial sync is done, and whether the server's last
// persisted-ack (its durable state) covers everything this computer holds.
import { isCoveredBy } from '../../../site/syncProtocol';

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
}

export type SyncStatus =
  { kind: 'offline'; rooms: string[] } | { kind: 'syncing'; rooms: string[] } | { kind: 'saved' };

/**
 * Offline if any open room's connection failed or dropped; saved only if every room's ack
 * covers its doc and nothing else is waiting to be sent (`unsentElsewhere`: pages closed with
 * unacknowledged edits, files in the upload outbox); syncing otherwise (including while rooms
 * are being opened).
 */
export function deriveSyncStatus(
  rooms: readonly RoomFacts[],
  unsentElsewhere: readonly string[] = [],
): SyncStatus {
  if (rooms.length === 0) return { kind: 'syncing', rooms: [...unsentElsewhere] };
  const offline = rooms.filter((r) => !r.connected && !r.firstAttemptPending).map((r) => r.room);
  if (offline.length > 0) return { kind: 'offline', rooms: offline };
  // Pages closed with edits not yet acknowledged, files not yet uploaded: not « saved » either.
  const syncing = [...rooms.filter((r) => !roomIsSaved(r)).map((r) => r.room), ...unsentElsewhere];
  if (syncing.length > 0) return { kind: 'syncing', rooms: syncing };
  return { kind: 'saved' };
}

/** The server's last ack on the live connection covers everything this computer holds. */
export function roomIsSaved(r: RoomFacts): boolean {
  return r.connected && r.synced && r.durableState !== null && isCoveredBy(r.localState, r.durableState);
}

/** « 3 modifications en attente d’envoi ». */
export function pendingEditsText(count: number): string {
  return count === 1 ? '1 modification en attente d’envoi' : `${count} modifications en attente d’envoi`;
}

export function syncStatusText(status: SyncStatus): string {
  switch (status.kind) {
    case 'offline':
      return 'Hors ligne — modifications enregistrées sur cet ordinateur';
    case 'syncing':
      return 'Synchronisation en cours…';
    case 'saved':
      return 'Enregistré sur le serveur de la Métropole';
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
