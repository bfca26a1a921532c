// Keeps the whole site available on this computer: once the server answers, the page docs
// left with unsent edits, then every page doc whose server sequence number changed since we
// last synced it (or never synced) are synced in the background until the server's
// persisted-ack covers them: by batches of one HTTP request (batchSync.ts), and those a batch
// did not acknowledge over their own socket, 8 at a time. Progress is observable for the UI.
import { CLOSE, encodeDocState, pageRoom } from '../../../site/syncProtocol';
import pLimit from 'p-limit';
import * as Y from 'yjs';
import { MAX_BATCH_ROOMS } from '../../../site/syncBatch';
import { getDocs, postSyncBatch, type RoomSeqInfo } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import type { LocalDocs } from '../store/LocalStore';
import { BATCH_ORIGIN, syncInBatch, type BatchOutcome } from './batchSync';
import type { PendingEdits } from './PendingEdits';
import { RoomProvider } from './RoomProvider';
import { roomIsSaved } from './syncStatus';

// Each room is mostly waiting (the WebSocket handshake, the server's durable write): 8 at once
// took the sync part of the reconnect bench from 4.1 s to 3.4 s on a loaded machine; the
// server's connection limits (30/s per agent, burst 400) leave room for it.
export const BACKGROUND_CONCURRENCY = 8;
const ROOM_TIMEOUT_MS = 20_000;

export type BackgroundState =
  | { kind: 'idle' }
  | { kind: 'unreachable' }
  /**
   * `done` of the `total` rooms of this run are finished; `available` of the site's `pages`
   * are on this computer up to date (the ones not needing a sync, plus those synced so far).
   */
  | { kind: 'running'; done: number; total: number; available: number; pages: number }
  | { kind: 'done'; total: number; failed: number; at: number; available: number; pages: number };

/** What this computer remembers between sessions: the seq each room had when last synced. */
export interface SeqMemory {
  get(room: string): number | undefined;
  set(room: string, seq: number): void;
  /** Rooms closed with edits not yet acknowledged. */
  dirty(): Set<string>;
  markDirty(room: string, dirty: boolean): void;
}

export function localStorageSeqMemory(prefix: string): SeqMemory {
  const read = (key: string) => {
    try {
      return localStorage.getItem(`${prefix}:${key}`);
    } catch {
      return null;
    }
  };
  const write = (key: string, value: string) => {
    try {
      localStorage.setItem(`${prefix}:${key}`, value);
    } catch {
      // Full storage: we only sync more than needed next time.
    }
  };
  return {
    get: (room) => {
      const v = read(`seq:${room}`);
      return v === null ? undefined : Number(v);
    },
    set: (room, seq) => write(`seq:${room}`, String(seq)),
    dirty: () => new Set(JSON.parse(read('dirty') ?? '[]') as string[]),
    markDirty(room, dirty) {
      const set = this.dirty();
      if (dirty) set.add(room);
      else set.delete(room);
      write('dirty', JSON.stringify([...set]));
    },
  };
}

/** Which page rooms need a background sync (pure, tested). */
export function roomsToSync(
  pageRooms: readonly string[],
  server: readonly RoomSeqInfo[],
  memory: Pick<SeqMemory, 'get'>,
  dirty: ReadonlySet<string>,
  openRooms: ReadonlySet<string>,
): Array<{ room: string; seq: number | undefined }> {
  const serverSeq = new Map(server.map((r) => [r.room, r.seq]));
  return pageRooms
    .filter((room) => !openRooms.has(room))
    .filter((room) => {
      const seq = serverSeq.get(room);
      return dirty.has(room) || seq === undefined || memory.get(room) !== seq;
    })
    .map((room) => ({ room, seq: serverSeq.get(room) }));
}

/**
 * The site's page rooms, plus this commune's page rooms left with unsent edits that are no
 * longer listed (a page deleted, here or by another agent, after it was edited offline): their
 * edits are still sent, so nothing is lost (the deletion can be undone) and the status can end.
 */
export function withUnsentRooms(
  pageRooms: readonly string[],
  unsent: ReadonlySet<string>,
  insee: string,
): string[] {
  const listed = new Set(pageRooms);
  const prefix = pageRoom(insee, '');
  const extra = [...unsent].filter((room) => room.startsWith(prefix) && !listed.has(room)).sort();
  return [...pageRooms, ...extra];
}

/** The same page ids in the same order. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class BackgroundSync {
  private state: BackgroundState = { kind: 'idle' };
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  /** Rooms the editor is opening or has open: never touched here. */
  private readonly reserved = new Map<string, number>();
  /** Rooms a background sync holds right now; each gives its room up when the editor asks. */
  private readonly holding = new Map<string, RoomHold>();

  constructor(
    private readonly docs: LocalDocs,
    private readonly auth: AuthSession,
    private readonly insee: string,
    private readonly memory: SeqMemory,
    private readonly openRooms: () => ReadonlySet<string>,
    /** Counts of unsent local changes: their rooms are synced, and cleared once acknowledged. */
    private readonly pending?: PendingEdits,
    /** The server answered a moment ago (the manifest's socket is open). */
    private readonly serverAnswered: () => boolean = () => false,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): BackgroundState => this.state;

  stop(): void {
    this.stopped = true;
    this.listeners.clear();
  }

  /**
   * The editor is about to open `room`: from now on the background leaves it alone. A
   * background sync of it gives it up at once (the editor never waits for the network: a
   * request or a socket may hang for minutes on a network that silently dropped); the editor's
   * own room syncs it. Its doc is released soon after (`LocalDocs.open({ unloaded })` waits
   * for that). Returns the release of the reservation.
   */
  async reserve(room: string): Promise<() => void> {
    this.reserved.set(room, (this.reserved.get(room) ?? 0) + 1);
    this.holding.get(room)?.giveUp();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.reserved.get(room) ?? 1) - 1;
      if (left <= 0) this.reserved.delete(room);
      else this.reserved.set(room, left);
    };
  }

  private set(state: BackgroundState): void {
    this.state = state;
    for (const l of this.listeners) l();
  }

  /** A run asked for while another was in progress: made afterwards. */
  private again: { pageIds: readonly string[]; listSynced: boolean } | null = null;
  /** The page list of the run in progress, and whether its manifest has synced since. */
  private current: { pageIds: readonly string[]; listSynced: boolean } | null = null;

  private lastPageIds: readonly string[] = [];
  private lastListSynced = true;

  /** Runs again over the last page list given (a page was just closed with unsent edits). */
  rerun(): void {
    if (this.lastPageIds.length > 0) void this.run(this.lastPageIds, this.lastListSynced);
  }

  /**
   * Syncs the pages that need it; returns when all are done (or failed). The rooms holding
   * unsent local work start at once; the others once the server has said which changed.
   * `listSynced` says whether `pageIds` comes from a manifest synced with the server: only
   * then may the run end on « tout le site est disponible » (a later call with the same list
   * and `listSynced` confirms the run in progress instead of starting another).
   */
  async run(pageIds: readonly string[], listSynced = true): Promise<void> {
    if (this.stopped) return;
    this.lastPageIds = pageIds;
    this.lastListSynced = listSynced;
    if (this.current) {
      // The manifest has just synced with the same list: this run may now say « tout le site ».
      if (listSynced && !this.current.listSynced && sameList(this.current.pageIds, pageIds))
        this.current.listSynced = true;
      else this.again = { pageIds, listSynced };
      return;
    }
    const current = { pageIds, listSynced };
    this.current = current;
    try {
      await this.runOnce(current);
    } finally {
      this.current = null;
      const again = this.again;
      this.again = null;
      if (again && !this.stopped) void this.run(again.pageIds, again.listSynced);
    }
  }

  private async runOnce(current: { pageIds: readonly string[]; listSynced: boolean }): Promise<void> {
    const pages = current.pageIds.length;
    const pageRooms = current.pageIds.map((id) => pageRoom(this.insee, id));
    const listed = new Set(pageRooms);
    const unsent = new Set([...this.memory.dirty(), ...(this.pending?.rooms() ?? [])]);
    const candidates = withUnsentRooms(pageRooms, unsent, this.insee);
    // The server's sequence numbers, once it has answered: a room's seq is remembered only
    // if it was known before that room's sync began (it then covers nothing we lack).
    let serverSeq: ReadonlyMap<string, number> | null = null;
    const limit = pLimit(BACKGROUND_CONCURRENCY);
    const batches = pLimit(1);
    /** The server did not answer: the rooms not started yet are left for the next run. */
    let cancelled = false;
    const queued = new Set<string>();
    /** Listed pages queued and not yet copied. */
    let pagesLeft = 0;
    let done = 0;
    let failed = 0;
    const report = () => {
      if (!this.stopped && serverSeq)
        this.set({ kind: 'running', done, total: queued.size, available: pages - pagesLeft, pages });
    };
    /** What became of one room (seq: the server's, read before its sync began). */
    const record = (room: string, result: 'saved' | 'failed' | 'skipped', seq: number | undefined) => {
      // Taken by the editor since: its unsent edits (made after this sync read the room) are
      // its own room's to send and to count — never cleared here.
      const outcome = result === 'saved' && this.reserved.has(room) ? 'skipped' : result;
      if (outcome === 'saved') {
        if (seq !== undefined) this.memory.set(room, seq);
        this.memory.markDirty(room, false);
        this.pending?.clear(room);
        this.onChange?.();
      } else if (outcome === 'failed') failed += 1;
      if (outcome !== 'failed' && listed.has(room)) pagesLeft -= 1;
      done += 1;
      report();
    };
    // Rooms go by batches of one request each (one at a time: the server takes one batch per
    // agent); those a batch did not acknowledge go over their own socket, 8 at a time.
    const enqueue = (rooms: readonly string[]) => {
      for (const room of rooms) {
        queued.add(room);
        if (listed.has(room)) pagesLeft += 1;
      }
      const groups: string[][] = [];
      for (let i = 0; i < rooms.length; i += MAX_BATCH_ROOMS)
        groups.push(rooms.slice(i, i + MAX_BATCH_ROOMS));
      return groups.map(async (group) => {
        // The batch holds the slot; the rooms it left go over their sockets after it.
        const batch = await batches(async () => {
          if (this.stopped || cancelled) return null;
          const seqs = new Map(group.map((room) => [room, serverSeq?.get(room)]));
          return { seqs, outcomes: await this.syncBatch(group) };
        });
        if (!batch) return;
        const saved = (room: string) => batch.outcomes.get(room) === 'saved';
        for (const room of group.filter(saved)) record(room, 'saved', batch.seqs.get(room));
        await Promise.all(
          group
            .filter((room) => !saved(room))
            .map((room) =>
              limit(async () => {
                if (this.stopped || cancelled) return;
                record(room, await this.syncRoom(room), batch.seqs.get(room));
              }),
            ),
        );
      });
    };
    // What this computer holds and the server lacks goes first, without waiting for the list,
    // when the server has just answered (else the list's answer says whether it is there).
    const open = this.openRooms();
    const early = this.serverAnswered()
      ? candidates.filter((room) => unsent.has(room) && !open.has(room))
      : [];
    const first = enqueue(early);
    let server: RoomSeqInfo[];
    try {
      server = (await this.auth.withAccessToken((t) => getDocs(this.auth.current.serverUrl, this.insee, t)))
        .docs;
    } catch {
      cancelled = true;
      await Promise.all(first);
      if (!this.stopped) this.set({ kind: 'unreachable' });
      return;
    }
    serverSeq = new Map(server.map((r) => [r.room, r.seq]));
    const rest = roomsToSync(candidates, server, this.memory, unsent, this.openRooms())
      .map((r) => r.room)
      .filter((room) => !queued.has(room));
    const later = enqueue(rest);
    report();
    await Promise.all([...first, ...later]);
    if (this.stopped || this.again !== null) return;
    if (current.listSynced)
      this.set({
        kind: 'done',
        total: queued.size,
        failed,
        at: Date.now(),
        available: pages - pagesLeft,
        pages,
      });
  }

  /** Called when a room's dirty flag was cleared by a sync. */
  onChange: (() => void) | undefined;

  /**
   * 'skipped' when the editor holds the room: it is neither synced here nor marked clean (the
   * editor's own close, or the next run, decides).
   */
  protected async syncRoom(room: string): Promise<'saved' | 'failed' | 'skipped'> {
    if (!this.isFree(room)) return 'skipped';
    const hold = this.hold(room);
    try {
      return await this.syncOverSocket(room, hold);
    } finally {
      this.unhold(room, hold);
    }
  }

  /**
   * Syncs `rooms` in one batch (batchSync.ts); the rooms it did not acknowledge — the editor
   * holds them, the server left them out or refused, the request failed — are absent or
   * `use-socket`: the caller syncs them over their own socket.
   */
  protected async syncBatch(rooms: readonly string[]): Promise<ReadonlyMap<string, BatchOutcome>> {
    const free = rooms.filter((room) => this.isFree(room));
    if (free.length === 0) return new Map();
    const holds = new Map(free.map((room) => [room, this.hold(room)]));
    try {
      const copies = await this.copiesOf(free);
      const received = new Map<string, Uint8Array[]>();
      for (const { room, doc } of copies) {
        doc.on('update', (update: Uint8Array, origin: unknown) => {
          if (origin !== BATCH_ORIGIN) return;
          const updates = received.get(room);
          if (updates) updates.push(update);
          else received.set(room, [update]);
        });
      }
      const { serverUrl } = this.auth.current;
      const outcomes = await syncInBatch(copies, (batch) =>
        this.auth.withAccessToken((token) => postSyncBatch(serverUrl, this.insee, batch, token)),
      );
      // A room the editor took meanwhile is its own room's to write (the doc it opened must
      // load before anything else is applied to it); its outcome is recorded as skipped.
      await this.keep(received, (room) => !holds.get(room)!.givenUp);
      return outcomes;
    } catch {
      return new Map();
    } finally {
      for (const [room, hold] of holds) this.unhold(room, hold);
    }
  }

  /**
   * A detached copy of each room's doc, read from this computer in one go: opening each room
   * has y-dexie watch it with a live query that re-reads the updates written since, so 32
   * pages edited offline (one stored row per keystroke) cost a second of main thread.
   */
  private async copiesOf(rooms: readonly string[]): Promise<Array<{ room: string; doc: Y.Doc }>> {
    const states = await this.docs.readStates(rooms);
    return rooms.map((room) => {
      const doc = new Y.Doc();
      const state = states.get(room);
      if (state) Y.applyUpdate(doc, state);
      return { room, doc };
    });
  }

  /** Writes what the server sent into this computer's copy of each room still held. */
  private async keep(
    received: ReadonlyMap<string, Uint8Array[]>,
    held: (room: string) => boolean,
  ): Promise<void> {
    for (const [room, updates] of received) {
      if (!held(room)) continue;
      const local = await this.docs.open(room);
      try {
        if (!held(room)) continue; // taken meanwhile: the editor's doc loads under its binding
        await local.load();
        Y.applyUpdate(local.doc, Y.mergeUpdates(updates), BATCH_ORIGIN);
      } finally {
        local.release();
      }
    }
  }

  /** Neither the editor nor another background sync holds `room`. */
  private isFree(room: string): boolean {
    return !this.reserved.has(room) && !this.holding.has(room) && !this.openRooms().has(room);
  }

  /** Marks `room` held by the background until `unhold`. */
  private hold(room: string): RoomHold {
    const hold = new RoomHold();
    this.holding.set(room, hold);
    return hold;
  }

  private unhold(room: string, hold: RoomHold): void {
    if (this.holding.get(room) === hold) this.holding.delete(room);
  }

  /**
   * Syncs one held room over its own socket until the server has acknowledged all of it
   * ('saved'), ROOM_TIMEOUT_MS pass ('failed'), or the editor takes the room ('skipped').
   */
  protected async syncOverSocket(room: string, hold: RoomHold): Promise<'saved' | 'failed' | 'skipped'> {
    if (hold.givenUp) return 'skipped';
    const local = await this.docs.open(room);
    // Taken meanwhile: the editor's doc must load under its binding, never here.
    if (hold.givenUp) {
      local.release();
      return 'skipped';
    }
    let provider: RoomProvider | undefined;
    try {
      provider = new RoomProvider(this.auth.current.serverUrl, local, this.auth.accessToken);
      // Not a presence: nobody is « on » a page synced in the background.
      provider.awareness.setLocalState(null);
      return await this.untilSavedOrGivenUp(room, provider, hold);
    } finally {
      provider?.destroy();
      local.release();
    }
  }

  private untilSavedOrGivenUp(
    room: string,
    provider: RoomProvider,
    hold: RoomHold,
  ): Promise<'saved' | 'failed' | 'skipped'> {
    return new Promise<'saved' | 'failed' | 'skipped'>((resolve) => {
      const check = () => {
        const saved = roomIsSaved({
          room,
          connected: provider.wsconnected,
          firstAttemptPending: provider.firstAttemptPending,
          synced: provider.synced,
          localState: encodeDocState(provider.doc),
          durableState: provider.durableState,
          received: provider.received,
        });
        if (saved) finish('saved');
      };
      // The access token may have expired while offline: refreshed (once for all rooms), then
      // the room connects again (y-websocket gives up after a 44xx close).
      const onClosed = (event: { code: number }) => {
        if (event.code !== CLOSE.TOKEN_EXPIRED.code) return;
        const stale = provider.accessToken === this.auth.accessToken;
        void (stale ? this.auth.refresh() : Promise.resolve('refreshed' as const)).then((outcome) => {
          if (outcome !== 'refreshed' || finished) return;
          provider.setAccessToken(this.auth.accessToken);
          provider.connect();
        });
      };
      let finished = false;
      const timer = setTimeout(() => finish('failed'), ROOM_TIMEOUT_MS);
      const off = provider.onPersistedAck(check);
      provider.on('sync', check);
      provider.on('closed', onClosed);
      const finish = (outcome: 'saved' | 'failed' | 'skipped') => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        off();
        provider.off('sync', check);
        provider.off('closed', onClosed);
        resolve(outcome);
      };
      provider.connect();
      hold.onGiveUp(() => finish('skipped'));
    });
  }
}

/** A room held by a background sync, which gives it up as soon as the editor wants it. */
export class RoomHold {
  givenUp = false;
  private listener: (() => void) | null = null;

  /** The editor takes the room: what is waiting on the network for it stops now. */
  giveUp(): void {
    if (this.givenUp) return;
    this.givenUp = true;
    this.listener?.();
  }

  onGiveUp(listener: () => void): void {
    this.listener = listener;
    if (this.givenUp) listener();
  }
}
