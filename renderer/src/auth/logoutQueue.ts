// « Se déconnecter » ends the session on the server too. Offline, the logout waits here —
// persisted, so an app restart still sends it — and goes at the next connection (app start,
// `online` event). The tokens it keeps serve only to end that session.
import { API_LOGOUT } from '../../../site/apiContract';

export interface PendingLogout {
  serverUrl: string;
  accessToken: string;
  /** Names the session once the access token has expired (see API_LOGOUT). */
  refreshToken: string;
}

export type LogoutOutcome = 'ended' | 'retry';
export type SendLogout = (logout: PendingLogout) => Promise<LogoutOutcome>;
type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;

export const PENDING_LOGOUTS_KEY = 'usine.pendingLogouts';

/** One POST of API_LOGOUT; a 4xx means the session is already over (nothing left to end). */
export async function sendLogout(
  logout: PendingLogout,
  fetchImpl: typeof fetch = fetch,
): Promise<LogoutOutcome> {
  try {
    const response = await fetchImpl(logout.serverUrl + API_LOGOUT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${logout.accessToken}` },
      body: JSON.stringify(logout.refreshToken ? { refreshToken: logout.refreshToken } : {}),
      cache: 'no-store',
    });
    return response.status < 500 ? 'ended' : 'retry';
  } catch {
    return 'retry';
  }
}

export class LogoutQueue {
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly storage: KeyValueStorage | undefined,
    private readonly send: SendLogout = (logout) => sendLogout(logout),
  ) {}

  /** Keeps the logout first (a crash while sending loses nothing), then tries to send it. */
  async logout(logout: PendingLogout): Promise<void> {
    const pending = this.pending().filter((p) => p.accessToken !== logout.accessToken);
    this.save([...pending, logout]);
    await this.flush();
  }

  /** Sends every logout still waiting; those the server could not get stay for the next try. */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  pending(): PendingLogout[] {
    try {
      const parsed: unknown = JSON.parse(this.storage?.getItem(PENDING_LOGOUTS_KEY) ?? '[]');
      return Array.isArray(parsed) ? (parsed as PendingLogout[]) : [];
    } catch {
      return [];
    }
  }

  private save(pending: PendingLogout[]): void {
    this.storage?.setItem(PENDING_LOGOUTS_KEY, JSON.stringify(pending));
  }

  private async sendAll(): Promise<void> {
    for (const logout of this.pending()) {
      if ((await this.send(logout)) === 'ended') {
        this.save(this.pending().filter((p) => p.accessToken !== logout.accessToken));
      }
    }
  }
}
