// How many local changes of each room wait to be sent, remembered across reloads and crashes.
// One « modification » is one local Yjs transaction on this computer (a keystroke, a field
// filled, a page moved); the agent is told how many *pages* wait (the rooms with a count).
// The counts are written to localStorage once per burst of changes (a microtask after the
// first change of a task: 5,000 edits replayed in one task are one write, not 5,000 — the
// per-transaction writes slowed a reconnect down), and at once on `flush()` (SyncClient calls
// it on `pagehide` and when it is destroyed); a reload or a crash after the task that made an
// edit still counts it. It is cleared only when the server's persisted-ack covers the room (SyncClient for open
// rooms, BackgroundSync for the others). If localStorage refuses the write, the count stays
// right for this session and the room is still synced (it is also in the dirty set).
// It also remembers when this computer last changed each room (never cleared), so a page can
// say « Modifiée depuis la publication ».

export class PendingEdits {
  private counts: Map<string, number>;
  private readonly edited: Map<string, number>;
  private readonly listeners = new Set<() => void>();
  /**
   * The rooms with a count, a new object when that set changes (for useSyncExternalStore).
   * Listeners hear of those changes only: a keystroke in a page already waiting to be sent
   * changes its count, not what anyone shows, so it re-renders nothing.
   */
  private snapshot: ReadonlySet<string>;

  constructor(
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {
    this.counts = this.read(this.key);
    this.edited = this.read(`${this.key}:edited`);
    this.snapshot = new Set(this.counts.keys());
  }

  /** Local changes of `room` not yet covered by a persisted-ack. */
  count(room: string): number {
    return this.counts.get(room) ?? 0;
  }

  /** All rooms' pending changes together (the site's count). */
  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Rooms with at least one pending change. */
  rooms(): string[] {
    return [...this.counts.keys()].sort();
  }

  /** When this computer last changed `room` (ms), whether sent or not. */
  editedAt(room: string): number | undefined {
    return this.edited.get(room);
  }

  add(room: string, n = 1, now = Date.now()): void {
    if (n <= 0) return;
    const waiting = this.counts.has(room);
    this.counts.set(room, this.count(room) + n);
    this.edited.set(room, now);
    this.editedDirty = true;
    this.changed(!waiting);
  }

  /** The server's persisted-ack covers everything this computer holds for `room`. */
  clear(room: string): void {
    if (!this.counts.has(room)) return;
    this.counts.delete(room);
    this.changed(true);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ReadonlySet<string> => this.snapshot;

  /** Writes what changed since the last write now (before a reload, at the end of a burst). */
  flush(): void {
    this.flushScheduled = false;
    if (this.countsDirty) this.writeMap(this.key, this.counts);
    if (this.editedDirty) this.writeMap(`${this.key}:edited`, this.edited);
    this.countsDirty = false;
    this.editedDirty = false;
  }

  private countsDirty = false;
  private editedDirty = false;
  private flushScheduled = false;

  /** Schedules the write; tells the listeners when the set of rooms waiting changed. */
  private changed(roomsChanged: boolean): void {
    this.countsDirty = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        if (this.flushScheduled) this.flush();
      });
    }
    if (!roomsChanged) return;
    this.snapshot = new Set(this.counts.keys());
    for (const listener of [...this.listeners]) listener();
  }

  private read(key: string): Map<string, number> {
    try {
      const raw = this.storage?.getItem(key);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      const counts = new Map<string, number>();
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [room, n] of Object.entries(parsed)) {
          if (typeof n === 'number' && Number.isInteger(n) && n > 0) counts.set(room, n);
        }
      }
      return counts;
    } catch {
      return new Map();
    }
  }

  private writeMap(key: string, map: ReadonlyMap<string, number>): void {
    try {
      if (map.size === 0) this.storage?.removeItem(key);
      else this.storage?.setItem(key, JSON.stringify(Object.fromEntries(map)));
    } catch {
      // Quota exceeded or storage unavailable: counted in memory for this session.
    }
  }
}

export function pendingEditsKey(serverUrl: string, agentId: string): string {
  return `usine:pending:${serverUrl}:${agentId}`;
}

export function defaultPendingStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
