// Uploads the files of the outbox to the Métropole's server, one at a time, when online.
// Resumes after failures and reloads (the outbox is in IndexedDB) and never uploads a file
// twice: it first asks whether the server already holds that hash (HEAD), and the server
// itself refuses to rewrite a hash it has. The re-encoded copies of an image go after their
// original (the server needs it first): a copy waits while its original is still queued.
import { apiMediaPath } from '../../../site/apiContract';
import { ApiFailure, MESSAGES_FR } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import type { MediaStore, OutboxRow } from './MediaStore';

export interface OutboxState {
  /** Files (originals) with something left to upload: the file itself or one of its copies. */
  pending: number;
  /** Hashes of those files. */
  pendingShas: readonly string[];
  uploading: string | null;
  lastError: string | null;
}

/** How long `stop()` waits for the upload in progress before letting the store close. */
const STOP_WAIT_MS = 5_000;

export class MediaOutbox {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped = false;
  /** The pass in progress, if any: `stop()` resolves once it has recorded what it sent. */
  private current: Promise<void> | undefined;
  private state: OutboxState = { pending: 0, pendingShas: [], uploading: null, lastError: null };
  private readonly listeners = new Set<() => void>();
  /** Counted by tests and the bench: PUTs actually sent. */
  uploads = 0;

  constructor(
    private readonly store: MediaStore,
    private readonly auth: AuthSession,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  start(): () => Promise<void> {
    this.kick();
    return () => this.stop();
  }

  /** Try now (a file was added, or the connection came back). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), 0);
  }

  /**
   * No new upload starts; resolves once the one in progress (if any) is recorded as sent or
   * failed, so the store may then be closed without cutting that record short — or after
   * STOP_WAIT_MS on a network that never answers (the upload is then tried again next time:
   * the server's HEAD says whether it arrived, nothing is sent twice).
   */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
    const current = this.current;
    if (!current) return Promise.resolve();
    let waited: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (waited = setTimeout(resolve, STOP_WAIT_MS)));
    return Promise.race([current, timeout]).finally(() => clearTimeout(waited));
  }

  /** One pass over the queue; a failure of this computer's store is reported, never thrown. */
  private pass(): void {
    if (this.running || this.stopped) return;
    this.current = this.run()
      .catch((error: unknown) => {
        this.setState({ lastError: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        this.current = undefined;
      });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): OutboxState => this.state;

  private setState(patch: Partial<OutboxState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** The originals' hashes with something left to upload (a copy counts for its original). */
  private static files(rows: readonly OutboxRow[]): string[] {
    return [...new Set(rows.map((r) => r.original ?? r.sha256))];
  }

  private async run(): Promise<void> {
    this.running = true;
    let retryIn = 5000;
    try {
      const all = await this.store.pending();
      const files = MediaOutbox.files(all);
      this.setState({ pending: files.length, pendingShas: files });
      // Originals still queued: their copies wait (the server refuses a copy without it).
      const queued = new Set(all.filter((r) => !r.original).map((r) => r.sha256));
      const due = (await this.store.due(Date.now())).sort(
        (a, b) => Number(a.original !== undefined) - Number(b.original !== undefined),
      );
      for (const row of due) {
        if (this.stopped) return;
        if (row.original && queued.has(row.original)) continue;
        this.setState({ uploading: row.original ?? row.sha256 });
        try {
          await this.uploadOne(row);
          await this.store.done(row.sha256);
          queued.delete(row.sha256);
          this.setState({ lastError: null });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await this.store.failed(row.sha256, message);
          this.setState({ lastError: message });
        }
      }
      const left = await this.store.pending();
      const leftFiles = MediaOutbox.files(left);
      this.setState({ pending: leftFiles.length, pendingShas: leftFiles, uploading: null });
      if (left.length > 0) {
        // A copy waiting for its original is retried with it.
        const leftOriginals = new Set(left.filter((r) => !r.original).map((r) => r.sha256));
        const ready = left.filter((r) => !(r.original && leftOriginals.has(r.original)));
        const next = Math.min(...ready.map((r) => r.nextAttemptAt));
        retryIn = Math.max(500, next - Date.now());
      } else retryIn = 30_000;
    } finally {
      this.running = false;
      if (!this.stopped) this.timer = setTimeout(() => this.pass(), retryIn);
    }
  }

  /** Downloads a file of the commune this computer lacks, and keeps it for offline use. */
  async download(insee: string, sha256: string): Promise<void> {
    const response = await this.authorized(this.auth.current.serverUrl + apiMediaPath(insee, sha256), {
      method: 'GET',
    });
    if (!response.ok) return;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const mime = response.headers.get('content-type') ?? 'application/octet-stream';
    await this.store.putDownloaded(sha256, mime, bytes);
  }

  /** A fetch whose 401 becomes the ApiFailure that makes AuthSession refresh the tokens. */
  private authorized(url: string, init: RequestInit): Promise<Response> {
    return this.auth.withAccessToken(async (token) => {
      const response = await this.fetchImpl(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
        cache: 'no-store',
      });
      if (response.status === 401) throw new ApiFailure('unauthorized', 401, MESSAGES_FR.sessionExpired);
      return response;
    });
  }

  private async uploadOne(row: OutboxRow): Promise<void> {
    const { insee, mime } = row;
    const path = row.original
      ? apiMediaPath(insee, row.original, row.width ?? 0)
      : apiMediaPath(insee, row.sha256);
    const url = this.auth.current.serverUrl + path;
    const head = await this.authorized(url, { method: 'HEAD' });
    if (head.ok) return; // already there: never upload twice
    if (head.status !== 404) throw new Error(`HEAD ${head.status}`);
    const stored = await this.store.get(row.sha256);
    if (!stored) return;
    const response = await this.authorized(url, {
      method: 'PUT',
      headers: { 'content-type': mime },
      body: stored.bytes as Uint8Array<ArrayBuffer>,
    });
    this.uploads += 1;
    if (!response.ok) throw new Error(`PUT ${response.status}`);
  }
}
