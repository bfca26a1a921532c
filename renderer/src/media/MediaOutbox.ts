// Uploads the files of the outbox to the Métropole's server, one at a time, when online.
// Resumes after failures and reloads (the outbox is in IndexedDB) and never uploads a file
// twice: it first asks whether the server already holds that hash (HEAD), and the server
// itself refuses to rewrite a hash it has.
import { ApiFailure, MESSAGES_FR } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import type { MediaStore } from './MediaStore';

export const apiMediaPath = (insee: string, sha256: string) => `/api/communes/${insee}/media/${sha256}`;

export interface OutboxState {
  pending: number;
  /** Hashes still to upload. */
  pendingShas: readonly string[];
  uploading: string | null;
  lastError: string | null;
}

export class MediaOutbox {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped = false;
  private state: OutboxState = { pending: 0, pendingShas: [], uploading: null, lastError: null };
  private readonly listeners = new Set<() => void>();
  /** Counted by tests and the bench: PUTs actually sent. */
  uploads = 0;

  constructor(
    private readonly store: MediaStore,
    private readonly auth: AuthSession,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  start(): () => void {
    this.kick();
    return () => this.stop();
  }

  /** Try now (a file was added, or the connection came back). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
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

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let retryIn = 5000;
    try {
      const all = await this.store.pending();
      this.setState({ pending: all.length, pendingShas: all.map((r) => r.sha256) });
      for (const row of await this.store.due(Date.now())) {
        if (this.stopped) return;
        this.setState({ uploading: row.sha256 });
        try {
          await this.uploadOne(row.sha256, row.insee, row.mime);
          await this.store.done(row.sha256);
          this.setState({ lastError: null });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await this.store.failed(row.sha256, message);
          this.setState({ lastError: message });
        }
      }
      const left = await this.store.pending();
      this.setState({ pending: left.length, pendingShas: left.map((r) => r.sha256), uploading: null });
      if (left.length > 0) {
        const next = Math.min(...left.map((r) => r.nextAttemptAt));
        retryIn = Math.max(500, next - Date.now());
      } else retryIn = 30_000;
    } finally {
      this.running = false;
      if (!this.stopped) this.timer = setTimeout(() => void this.run(), retryIn);
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

  private async uploadOne(sha256: string, insee: string, mime: string): Promise<void> {
    const url = this.auth.current.serverUrl + apiMediaPath(insee, sha256);
    const head = await this.authorized(url, { method: 'HEAD' });
    if (head.ok) return; // already there: never upload twice
    if (head.status !== 404) throw new Error(`HEAD ${head.status}`);
    const row = await this.store.get(sha256);
    if (!row) return;
    const response = await this.authorized(url, {
      method: 'PUT',
      headers: { 'content-type': mime },
      body: row.bytes as Uint8Array<ArrayBuffer>,
    });
    this.uploads += 1;
    if (!response.ok) throw new Error(`PUT ${response.status}`);
  }
}
