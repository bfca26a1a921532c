/**
 * The DocStore one server incarnation sees: a wrapper over the real store shared by every
 * incarnation (MemoryDocStore or SqliteDocStore). Appends are held until the fuzz completes
 * them — written then acknowledged, or failed without writing — so that writes in flight meet
 * disconnects, unloads and restarts. A crash kills the view: each held append is written or
 * not (the disk got it or not; the room never hears back) and the view answers nothing more.
 */
import type { DocStore, RoomSeq, StoredDoc } from '../../storage/DocStore';
import type { Random } from './Random';

interface HeldAppend {
  room: string;
  updates: Uint8Array[];
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/** A promise that never settles: what a dead process gets back. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

export class FuzzStore implements DocStore {
  /** The next loadDoc rejects (the room cannot be opened: CLOSE.LOAD_FAILED). */
  failNextLoad = false;
  private held: HeldAppend[] = [];
  private dead = false;

  constructor(private readonly inner: DocStore) {}

  get heldCount(): number {
    return this.held.length;
  }

  async loadDoc(room: string): Promise<StoredDoc> {
    if (this.dead) return never();
    if (this.failNextLoad) {
      this.failNextLoad = false;
      throw new Error('fuzz: store unreadable');
    }
    return this.inner.loadDoc(room);
  }

  appendUpdates(room: string, updates: Uint8Array[]): Promise<number> {
    if (this.dead) return never();
    return new Promise<number>((resolve, reject) => this.held.push({ room, updates, resolve, reject }));
  }

  /** Completes the held append at `index`: written and acknowledged, or failed unwritten. */
  async complete(index: number, ok: boolean): Promise<void> {
    const [append] = this.held.splice(index, 1);
    if (!append) return;
    if (!ok) {
      append.reject(new Error('fuzz: write failed'));
      return;
    }
    append.resolve(await this.inner.appendUpdates(append.room, append.updates));
  }

  /** The process died: held appends reach the disk or not, and nothing answers any more. */
  async crash(random: Random): Promise<void> {
    this.dead = true;
    const held = this.held;
    this.held = [];
    for (const append of held) {
      if (random.chance(0.5)) await this.inner.appendUpdates(append.room, append.updates);
    }
  }

  countUpdates(room: string): Promise<number> {
    return this.dead ? never() : this.inner.countUpdates(room);
  }

  compact(room: string): Promise<void> {
    return this.dead ? never() : this.inner.compact(room);
  }

  listRooms(insee: string): Promise<RoomSeq[]> {
    return this.dead ? never() : this.inner.listRooms(insee);
  }

  deleteCommune(insee: string): Promise<number> {
    return this.dead ? never() : this.inner.deleteCommune(insee);
  }

  /** The shared store outlives the incarnation: closing a view closes nothing. */
  async close(): Promise<void> {}
}
