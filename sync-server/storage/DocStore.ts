/**
 * Durable storage of Yjs documents as append-only update logs, one log per room.
 * Implementations: MemoryDocStore (tests), SqliteDocStore (embedded default), PgDocStore
 * (postgres/, with DATABASE_URL). All run the contract suite in DocStore.contract.ts.
 */

export interface StoredDoc {
  /** Updates in append order (after compaction: one snapshot then later updates). */
  updates: Uint8Array[];
  /** Sequence number of the last update appended to the room; 0 for a room never written. */
  seq: number;
}

export interface RoomSeq {
  room: string;
  seq: number;
}

export interface DocStore {
  /** The room's persisted updates. Rejects when the store cannot be read (never "empty" by error). */
  loadDoc(room: string): Promise<StoredDoc>;
  /**
   * Appends updates in one transaction; resolves with the room's new sequence number once the
   * write is durable. Either all the updates are stored or none.
   */
  appendUpdates(room: string, updates: Uint8Array[]): Promise<number>;
  /** Number of rows the room's log holds (used to decide when to compact). */
  countUpdates(room: string): Promise<number>;
  /** Merges the room's log into one snapshot row, keeping its sequence number. */
  compact(room: string): Promise<void>;
  /** Every room of a commune (`{insee}/…`) with its sequence number, sorted by room name. */
  listRooms(insee: string): Promise<RoomSeq[]>;
  /** Deletes every room of a commune (end of its agreement); resolves with how many. */
  deleteCommune(insee: string): Promise<number>;
  close(): Promise<void>;
}

/** Convenience: append a single update. */
export function appendUpdate(store: DocStore, room: string, update: Uint8Array): Promise<number> {
  return store.appendUpdates(room, [update]);
}

/** The commune part of a room name, used to index rooms per commune. */
export function inseeOfRoom(room: string): string {
  const slash = room.indexOf('/');
  return slash === -1 ? room : room.slice(0, slash);
}
