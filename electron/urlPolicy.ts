/**
 * URL allow-lists of the main process: which URL is our app page, which may be opened in the
 * user's browser, where a navigation may go, and how the configured server URL is validated.
 * Pure functions over strings; no Electron.
 */

/** Scheme and host of the editor page served by our privileged protocol: `app://usine/…`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'usine';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export const DEFAULT_SERVER_URL = 'http://localhost:8080';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for a URL of our own page: `app://usine/…` (no port, no credentials). */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.host.toLowerCase() === APP_HOST &&
    u.username === '' &&
    u.password === ''
  );
}

/** Only http(s) URLs, without embedded credentials, may leave the app for the user's browser. */
export function isAllowedExternalUrl(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    u.username === '' &&
    u.password === ''
  );
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny'; openExternally: boolean };

/** `will-navigate`: stay inside app://usine; an http(s) link goes to the browser; anything else is dropped. */
export function decideNavigation(url: string): NavigationDecision {
  if (isAppUrl(url)) return { action: 'allow' };
  return { action: 'deny', openExternally: isAllowedExternalUrl(url) };
}

/** `setWindowOpenHandler`: never a new Electron window; http(s) goes to the browser. */
export function decideWindowOpen(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isAllowedExternalUrl(url) };
}

export interface ServerEndpoint {
  /** `http(s)://host[:port]` — also the key under which credentials are stored. */
  origin: string;
  /** The matching WebSocket origin `ws(s)://host[:port]`. */
  wsOrigin: string;
}

export type ServerUrlResult = { ok: true; endpoint: ServerEndpoint } | { ok: false; message: string };

/** Validates the configured server URL (USINE_SERVER_URL); only its origin is kept. */
export function parseServerUrl(raw: string | undefined): ServerUrlResult {
  const value = raw === undefined || raw.trim() === '' ? DEFAULT_SERVER_URL : raw.trim();
  const u = parse(value);
  if (
    u === null ||
    (u.protocol !== 'http:' && u.protocol !== 'https:') ||
    u.username !== '' ||
    u.password !== ''
  ) {
    return {
      ok: false,
      message: `Adresse du serveur invalide (USINE_SERVER_URL=${value}) : une adresse http:// ou https:// est attendue.`,
    };
  }
  const wsProtocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return { ok: true, endpoint: { origin: u.origin, wsOrigin: `${wsProtocol}//${u.host}` } };
}

/**
 * The URL the window loads: the server origin travels as a query parameter the renderer reads;
 * `serverFixed=1` when the address was fixed at packaging (the login form then does not ask it).
 */
export function appEntryUrl(endpoint: ServerEndpoint, options: { serverFixed?: boolean } = {}): string {
  const fixed = options.serverFixed === true ? '&serverFixed=1' : '';
  return `${APP_ORIGIN}/index.html?server=${encodeURIComponent(endpoint.origin)}${fixed}`;
}
