// The agent's session as kept on this computer: enough to reopen the editor offline.
import type { AgentIdentity, CommuneRef } from '../../../site/apiContract';

export interface Session {
  /** Origin of the Métropole server, e.g. `https://usine.ampmetropole.fr`, no trailing slash. */
  serverUrl: string;
  accessToken: string;
  /** Empty when it is kept elsewhere (Electron's safeStorage) or could not be kept. */
  refreshToken: string;
  /** Epoch milliseconds after which the access token is expected to be refused. */
  accessExpiresAt: number;
  agent: AgentIdentity;
}

/** The commune the editor opens: the agent's first one. */
export function currentCommune(session: Session): CommuneRef | undefined {
  return session.agent.communes[0];
}

/** `http://host:port/` or `host` typed by the agent → `http://host:port` (origin only). */
export function normalizeServerUrl(input: string): string | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
