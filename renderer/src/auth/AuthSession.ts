// The live session: current tokens, one refresh at a time, persisted after each rotation.
import type { LoginResponse } from '../../../site/apiContract';
import type { LocalStore } from '../store/LocalStore';
import { ApiFailure, refresh } from './apiClient';
import type { Session } from './Session';

export type RefreshOutcome = 'refreshed' | 'unreachable' | 'expired';

export function sessionFromLogin(serverUrl: string, response: LoginResponse, now = Date.now()): Session {
  return {
    serverUrl,
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    accessExpiresAt: now + response.expiresIn * 1000,
    agent: response.agent,
  };
}

export class AuthSession {
  private inFlight: Promise<RefreshOutcome> | undefined;
  private session: Session;

  constructor(
    session: Session,
    private readonly store: LocalStore,
    /** Called once the server has refused the refresh token: the agent must log in again. */
    private readonly onExpired: () => void,
  ) {
    this.session = session;
  }

  get current(): Session {
    return this.session;
  }

  get accessToken(): string {
    return this.session.accessToken;
  }

  /** Rotates the tokens; concurrent callers share one request. */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    if (!this.session.refreshToken) {
      this.onExpired();
      return 'expired';
    }
    try {
      const response = await refresh(this.session.serverUrl, { refreshToken: this.session.refreshToken });
      this.session = sessionFromLogin(this.session.serverUrl, response);
      await this.store.saveSession(this.session);
      return 'refreshed';
    } catch (error) {
      if (error instanceof ApiFailure && error.kind === 'unreachable') return 'unreachable';
      this.onExpired();
      return 'expired';
    }
  }

  /** Runs an authenticated call, refreshing the access token once if the server refuses it. */
  async withAccessToken<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    try {
      return await fn(this.accessToken);
    } catch (error) {
      if (!(error instanceof ApiFailure) || error.kind !== 'unauthorized') throw error;
      if ((await this.refresh()) !== 'refreshed') throw error;
      return fn(this.accessToken);
    }
  }
}
