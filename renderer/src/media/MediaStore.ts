// Media on this computer: the bytes of every file by SHA-256 (usable offline at once) and the
// outbox of files still to upload to the Métropole's server. One Dexie database per
// (server, agent), like the documents.
import { Dexie, type EntityTable } from 'dexie';

export interface MediaBlobRow {
  sha256: string;
  mime: string;
  bytes: Uint8Array;
  storedAt: number;
}

export interface OutboxRow {
  /** The file's key: its SHA-256, or `<original sha256>-<width>` for a re-encoded copy. */
  sha256: string;
  insee: string;
  mime: string;
  attempts: number;
  /** Not before this time (ms): backoff after a failure. */
  nextAttemptAt: number;
  lastError?: string;
  /** For a re-encoded copy: the original's hash and the copy's width. */
  original?: string;
  width?: number;
}

/** The local key of a re-encoded copy of an image. */
export const variantKey = (sha256: string, width: number) => `${sha256}-${width}`;

type MediaDb = Dexie & {
  blobs: EntityTable<MediaBlobRow, 'sha256'>;
  outbox: EntityTable<OutboxRow, 'sha256'>;
};

export function mediaDbName(serverUrl: string, agentId: string): string {
  return `usine-a-sites-media:${serverUrl}:${agentId}`;
}

export class MediaStore {
  private readonly db: MediaDb;
  private readonly urls = new Map<string, string>();
  /** Fetches a file this computer lacks (added by another agent) and stores it. */
  download: ((sha256: string) => Promise<void>) | undefined;

  constructor(name: string) {
    this.db = new Dexie(name) as MediaDb;
    this.db.version(1).stores({ blobs: 'sha256', outbox: 'sha256, nextAttemptAt' });
  }

  /**
   * Stores the bytes (and the re-encoded copies of an image) and queues their upload, in one
   * transaction: all or nothing. Idempotent by hash.
   */
  async add(
    insee: string,
    sha256: string,
    mime: string,
    bytes: Uint8Array,
    now = Date.now(),
    variants: ReadonlyArray<{ width: number; bytes: Uint8Array }> = [],
  ): Promise<void> {
    await this.db.transaction('rw', this.db.blobs, this.db.outbox, async () => {
      if (await this.db.blobs.get(sha256)) return;
      await this.db.blobs.put({ sha256, mime, bytes, storedAt: now });
      await this.db.outbox.put({ sha256, insee, mime, attempts: 0, nextAttemptAt: now });
      for (const v of variants) {
        const key = variantKey(sha256, v.width);
        await this.db.blobs.put({ sha256: key, mime: 'image/webp', bytes: v.bytes, storedAt: now });
        await this.db.outbox.put({
          sha256: key,
          insee,
          mime: 'image/webp',
          attempts: 0,
          nextAttemptAt: now,
          original: sha256,
          width: v.width,
        });
      }
    });
  }

  /** Keeps a file downloaded from the server (nothing to upload). */
  async putDownloaded(sha256: string, mime: string, bytes: Uint8Array, now = Date.now()): Promise<void> {
    await this.db.blobs.put({ sha256, mime, bytes, storedAt: now });
  }

  get(sha256: string): Promise<MediaBlobRow | undefined> {
    return this.db.blobs.get(sha256);
  }

  /** An object URL for a stored file (cached), or undefined if this computer lacks it. */
  async objectUrl(sha256: string): Promise<string | undefined> {
    const cached = this.urls.get(sha256);
    if (cached) return cached;
    let row = await this.get(sha256);
    if (!row && this.download) {
      await this.download(sha256).catch(() => undefined);
      row = await this.get(sha256);
    }
    if (!row) return undefined;
    const url = URL.createObjectURL(new Blob([row.bytes as Uint8Array<ArrayBuffer>], { type: row.mime }));
    this.urls.set(sha256, url);
    return url;
  }

  pending(): Promise<OutboxRow[]> {
    return this.db.outbox.toArray();
  }

  due(now: number): Promise<OutboxRow[]> {
    return this.db.outbox.where('nextAttemptAt').belowOrEqual(now).toArray();
  }

  async done(sha256: string): Promise<void> {
    await this.db.outbox.delete(sha256);
  }

  async failed(sha256: string, error: string, now = Date.now()): Promise<void> {
    const row = await this.db.outbox.get(sha256);
    if (!row) return;
    const attempts = row.attempts + 1;
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6));
    await this.db.outbox.put({ ...row, attempts, nextAttemptAt: now + delay, lastError: error });
  }

  close(): void {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.db.close();
  }
}
