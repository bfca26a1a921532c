/**
 * The set of open rooms: loads a room once (concurrent openers share the load), unloads it
 * when its last client left and its updates are durable, and reads docs for publishing.
 */
import * as Y from 'yjs';
import { CLOSE } from '../../site/syncProtocol';
import type { DocStore } from '../storage/DocStore';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import { DEFAULT_SESSION_IDLE_MS, REAL_TIMERS, Room, type RoomConnection, type RoomOptions } from './Room';
import { PRESENCE_CHECK_MS, RoomSweep } from './RoomSweep';

export interface RoomManagerOptions {
  store: DocStore;
  logger: Logger;
  maxMessageBytes?: number;
  maxBufferedBytes?: number;
  maxAwarenessStateBytes?: number;
  compactThreshold?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Timers of write retries and of the shutdown's flush bound (a fake clock in the fuzz). */
  timers?: RoomOptions['timers'];
  maxDocBytes?: number;
  admitUpdate?: RoomOptions['admitUpdate'];
  admitMessage?: RoomOptions['admitMessage'];
  onRefused?: RoomOptions['onRefused'];
  metrics?: Metrics;
  sessionIdleMs?: RoomOptions['sessionIdleMs'];
  onSessionEnd?: RoomOptions['onSessionEnd'];
  /** Cluster mode (`REDIS_URL`): the rooms' fan-out to the other nodes. */
  fanout?: RoomOptions['fanout'];
}

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_DOC_BYTES = 50 * 1024 * 1024;
/** Above the largest message: a reader may hold one relayed update of the maximum size. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Lexical's presence (name, colour, two relative positions) is a few hundred bytes. */
export const DEFAULT_MAX_AWARENESS_STATE_BYTES = 32 * 1024;

/**
 * A copy of `name` that holds nothing else: a name parsed out of a request's URL is a slice of
 * the URL's string, which a loaded room (its name, the map's key) would keep alive with it.
 */
function ownString(name: string): string {
  return Buffer.from(name, 'utf8').toString('utf8');
}

export class RoomManager {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly roomOptions: RoomOptions;
  private readonly store: DocStore;
  private readonly logger: Logger;
  private closing = false;

  constructor(options: RoomManagerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.roomOptions = {
      store: options.store,
      logger: options.logger,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      maxAwarenessStateBytes: options.maxAwarenessStateBytes ?? DEFAULT_MAX_AWARENESS_STATE_BYTES,
      compactThreshold: options.compactThreshold ?? 500,
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      timers: options.timers ?? REAL_TIMERS,
      onIdle: (room) => this.unloadWhenIdle(room),
      maxDocBytes: options.maxDocBytes ?? DEFAULT_MAX_DOC_BYTES,
      admitUpdate: options.admitUpdate,
      admitMessage: options.admitMessage,
      onRefused: options.onRefused,
      metrics: options.metrics,
      sessionIdleMs: options.sessionIdleMs,
      onSessionEnd: options.onSessionEnd,
      fanout: options.fanout,
      // Sessions end at most a quarter of their idle delay late (3 s for the default 5 min).
      sweep: new RoomSweep(
        Math.max(10, Math.min(PRESENCE_CHECK_MS, (options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS) / 4)),
      ),
    };
  }

  get maxMessageBytes(): number {
    return this.roomOptions.maxMessageBytes;
  }

  get openRoomCount(): number {
    return this.rooms.size;
  }

  /**
   * Opens (loading if needed) a room and takes a lease on it, so it stays loaded until the
   * socket joins (`room.addConnection`) or gives up (`room.releaseLease`). Rejects if the
   * persisted state cannot be loaded: the caller refuses the socket with CLOSE.LOAD_FAILED.
   */
  async open(name: string): Promise<Room> {
    if (this.closing) throw new Error('server is closing');
    let room = this.rooms.get(name);
    if (!room) {
      let loading = this.loading.get(name);
      if (!loading) {
        name = ownString(name);
        loading = Room.load(name, this.roomOptions).then(
          (loaded) => {
            this.loading.delete(name);
            this.rooms.set(name, loaded);
            return loaded;
          },
          (error: unknown) => {
            this.loading.delete(name);
            throw error;
          },
        );
        this.loading.set(name, loading);
      }
      room = await loading;
    }
    room.leases += 1;
    return room;
  }

  /** Current full state of a room as one update: from memory if open, else from the store. */
  async readDoc(name: string): Promise<Y.Doc> {
    // A guid given: Yjs's default one costs ~30 calls to the random source (~0.5 ms a doc, half
    // a second for the thousand pages of a full publication).
    const doc = new Y.Doc({ guid: name });
    const room = this.rooms.get(name);
    if (room) {
      // Cluster mode: first what other nodes committed and their fan-out has not brought yet,
      // so a publication never reads a room behind the store ([CLUSTER-4]); a no-op otherwise.
      await room.catchUp();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(room.doc));
      return doc;
    }
    const stored = await this.store.loadDoc(name);
    doc.transact(() => {
      for (const update of stored.updates) Y.applyUpdate(doc, update);
    });
    return doc;
  }

  get connectionCount(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.connectionCount;
    return n;
  }

  /** The open room of that name, if loaded. */
  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  /** Every loaded room, lazily (rooms opened or closed meanwhile: as Map iteration allows). */
  loadedRooms(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /** Closes the live connections matching `which`; returns how many. */
  closeConnections(
    which: (conn: RoomConnection, room: Room) => boolean,
    close: { code: number; reason: string } = CLOSE.FORBIDDEN,
  ): number {
    let closed = 0;
    for (const room of [...this.rooms.values()]) {
      for (const conn of room.allConnections()) {
        if (!which(conn, room)) continue;
        conn.kick(close);
        closed += 1;
      }
    }
    return closed;
  }

  /** Closes the live connections of one agent (account disabled), optionally in one commune only. */
  closeAgentConnections(
    agentId: string,
    close: { code: number; reason: string } = CLOSE.FORBIDDEN,
    insee?: string,
  ): number {
    return this.closeConnections(
      (conn, room) => conn.identity.agentId === agentId && (!insee || room.name.startsWith(`${insee}/`)),
      close,
    );
  }

  /** Unloads a commune's rooms after closing their sockets (its data is about to be deleted). */
  async unloadCommune(insee: string, close: { code: number; reason: string }): Promise<void> {
    const rooms = [...this.rooms.values()].filter((r) => r.name.startsWith(`${insee}/`));
    for (const room of rooms) room.closeAll(close);
    await Promise.all(rooms.map((r) => r.whenFlushed()));
    for (const room of rooms) {
      if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
      room.destroy();
    }
  }

  /** Closes every socket, waits (bounded) for pending writes, and unloads every room. */
  async close(flushTimeoutMs = 5_000): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.loading.values()]);
    const rooms = [...this.rooms.values()];
    for (const room of rooms) room.closeAll(CLOSE.SERVER_SHUTDOWN);
    const timers = this.roomOptions.timers ?? REAL_TIMERS;
    let timer: unknown;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = timers.setTimeout(() => resolve('timeout'), flushTimeoutMs);
    });
    const flushed = await Promise.race([
      Promise.all(rooms.map((r) => r.whenFlushed())).then(() => 'ok'),
      timeout,
    ]);
    timers.clearTimeout(timer);
    if (flushed === 'timeout') {
      const unsaved = rooms.filter((r) => r.hasUnsavedUpdates).map((r) => r.name);
      this.logger.log('error', 'rooms.unsaved_at_shutdown', { rooms: unsaved });
    }
    for (const room of rooms) room.destroy();
    this.rooms.clear();
  }

  private unloadWhenIdle(room: Room): void {
    void room.whenFlushed().then(() => {
      // Re-checked after the flush: a client may have joined meanwhile.
      if (room.connectionCount > 0 || room.leases > 0 || room.hasUnsavedUpdates) return;
      if (this.rooms.get(room.name) !== room) return;
      this.rooms.delete(room.name);
      room.destroy();
      this.logger.log('debug', 'room.unloaded', { room: room.name });
    });
  }
}
