// A synchronous write-ahead journal of Yjs updates in localStorage. IndexedDB writes are
// asynchronous and a reload or a closed window aborts the ones in flight; the journal holds
// each update until IndexedDB has committed that very update, and is replayed at next load.
import { fromBase64, toBase64 } from 'lib0/buffer';

/** Updates larger than this are not journaled (localStorage is small); IndexedDB still gets them. */
const MAX_JOURNALED_BYTES = 256 * 1024;

export class WriteAheadJournal {
  constructor(
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {}

  /** Updates not yet known to be committed to IndexedDB. */
  entries(): Uint8Array[] {
    return this.read().map((entry) => fromBase64(entry));
  }

  /** Appends an update; false when it could not be kept (too large, or localStorage full). */
  append(update: Uint8Array): boolean {
    if (update.byteLength > MAX_JOURNALED_BYTES) return false;
    const entries = this.read();
    entries.push(toBase64(update));
    return this.write(entries);
  }

  /** Forgets one update once IndexedDB has committed it. */
  remove(update: Uint8Array): void {
    const entries = this.read();
    const index = entries.indexOf(toBase64(update));
    if (index < 0) return;
    entries.splice(index, 1);
    this.write(entries);
  }

  private read(): string[] {
    try {
      const raw = this.storage?.getItem(this.key);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : [];
    } catch {
      return [];
    }
  }

  private write(entries: string[]): boolean {
    if (!this.storage) return false;
    try {
      if (entries.length === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(entries));
      return true;
    } catch {
      // Quota exceeded or storage unavailable: IndexedDB remains the store of record.
      return false;
    }
  }
}
