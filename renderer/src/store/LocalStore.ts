// What the editor keeps on this computer, behind an interface of ours so the storage
// engine (Dexie + y-dexie today) can be swapped without touching the UI or the sync client.
import type * as Y from 'yjs';
import type { Session } from '../auth/Session';

/** One Y.Doc of a room, backed by this computer's storage. */
export interface LocalDoc {
  readonly room: string;
  /** Every change to this doc (local or received) is written to the local store. */
  readonly doc: Y.Doc;
  /**
   * Applies what this computer holds to `doc`. Idempotent; the first call starts the load.
   * Kept separate from opening so an editor binding can observe the load as Yjs changes.
   */
  load(): Promise<void>;
  /** Resolves once loaded, without starting the load. */
  readonly whenLoaded: Promise<void>;
  /** Unloads the doc from memory (its data stays stored). */
  release(): void;
}

/** A change this computer could not write to its storage (the doc in memory still has it). */
export interface LocalWriteFailure {
  room: string;
  /** The browser refused for lack of space (QuotaExceededError). */
  quota: boolean;
  /**
   * The change is held in the write-ahead journal (replayed at the next opening of the page);
   * false when the journal could not keep it either: only the open window and the server have it.
   */
  journaled: boolean;
}

/** The documents of one agent on one server. */
export interface LocalDocs {
  /** Called at each failed write of a doc change to this computer's storage. */
  onWriteFailure(listener: (failure: LocalWriteFailure) => void): () => void;
  /** Called once every refused write has been written again (retried every 15 s). */
  onWritesRestored(listener: () => void): () => void;
  /** Tries the refused writes again now; true when none is left. */
  retryRefusedWrites(): Promise<boolean>;
  /**
   * A handle on the room's doc. The handles of one room share one Y.Doc, loaded once and
   * unloaded at the last release. `unloaded`: the doc is not loaded yet when this resolves
   * (waits for the other holders to release the room): an editor binding that must see the
   * load as Yjs changes asks for it.
   */
  open(room: string, options?: { unloaded?: boolean }): Promise<LocalDoc>;
  /**
   * What this computer holds of each room, as one Yjs update, read without opening the rooms
   * (nothing is watched, nothing stays in memory). Rooms never stored are absent.
   */
  readStates(rooms: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** Stores a new doc whose initial content is written by `seed`, unless the room exists. */
  create(room: string, seed: (doc: Y.Doc) => void): Promise<void>;
  close(): void;
}

export interface LocalStore {
  loadSession(): Promise<Session | undefined>;
  saveSession(session: Session): Promise<void>;
  /** Forgets the tokens; the documents stay, so no unsent edit is ever lost by a logout. */
  clearSession(): Promise<void>;
  docs(scope: { serverUrl: string; agentId: string }): LocalDocs;
}
