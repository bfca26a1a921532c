/**
 * The privileged `app://usine/` protocol that serves the built editor (dist/renderer).
 * Path resolution refuses anything that could leave the root directory (`..`, encoded slashes or
 * backslashes, NUL, drive letters, symlinks pointing outside); every response carries the CSP.
 * Dependencies (file reading, realpath) are parameters so this runs in plain Node tests.
 */
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './urlPolicy';

/** Passed to `protocol.registerSchemesAsPrivileged` before `ready`. */
export const APP_SCHEME_PRIVILEGES = {
  // standard: origin semantics, relative URLs, 'self' in CSP, IndexedDB/localStorage for Dexie.
  standard: true,
  // secure: treated like https (secure context: crypto.subtle, storage persistence).
  secure: true,
  supportFetchAPI: true,
  stream: true,
  codeCache: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  corsEnabled: false,
} as const;

export const APP_SCHEME_REGISTRATION = { scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES } as const;

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function mimeTypeFor(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

export type AppPathResult = { ok: true; filePath: string } | { ok: false; status: 400 | 403 | 404 };

/** Segments that must never reach the file system, even once percent-decoded. */
function isUnsafeSegment(segment: string): boolean {
  return (
    segment === '.' ||
    segment === '..' ||
    segment.includes('/') ||
    segment.includes('\\') ||
    segment.includes('\0') ||
    segment.includes(':')
  );
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Maps `app://usine/<path>` to a file under `rootDir`. The query and fragment are ignored.
 * `/` and extensionless paths (client-side routes) map to `index.html`.
 */
export function resolveAppPath(requestUrl: string, rootDir: string): AppPathResult {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400 };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST)
    return { ok: false, status: 403 };

  // Check the raw path too: the URL parser already folded `..`, but a caller could hand us a
  // pathname Chromium did not normalise, so both forms are inspected.
  const rawPath = requestUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '';
  for (const source of [rawPath, url.pathname]) {
    for (const rawSegment of source.split('/')) {
      let segment: string;
      try {
        segment = decodeURIComponent(rawSegment);
      } catch {
        return { ok: false, status: 400 };
      }
      if (isUnsafeSegment(segment)) return { ok: false, status: 403 };
    }
  }

  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const last = segments[segments.length - 1];
  const fileSegments = last === undefined || path.extname(last) === '' ? ['index.html'] : segments;

  const root = path.resolve(rootDir);
  const filePath = path.resolve(root, ...fileSegments);
  if (!isInside(root, filePath)) return { ok: false, status: 403 };
  return { ok: true, filePath };
}

export interface AppProtocolDeps {
  rootDir: string;
  /** Value of the Content-Security-Policy header of every response. */
  contentSecurityPolicy: string;
  readFile: (filePath: string) => Promise<Uint8Array>;
  /** Resolves symlinks, so a link inside dist/renderer cannot expose a file outside it. */
  realpath: (filePath: string) => Promise<string>;
}

/** The handler given to `protocol.handle('app', …)`; also callable in tests with a plain Request. */
export function createAppProtocolHandler(deps: AppProtocolDeps): (request: Request) => Promise<Response> {
  const baseHeaders = {
    'Content-Security-Policy': deps.contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
  const failure = (status: number): Response =>
    new Response(null, { status, headers: { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return failure(405);
    const resolved = resolveAppPath(request.url, deps.rootDir);
    if (!resolved.ok) return failure(resolved.status);
    try {
      const [realRoot, realFile] = await Promise.all([
        deps.realpath(path.resolve(deps.rootDir)),
        deps.realpath(resolved.filePath),
      ]);
      if (!isInside(realRoot, realFile)) return failure(403);
      const body = await deps.readFile(realFile);
      // Copied into a fresh ArrayBuffer-backed view: Response rejects views over shared buffers.
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
        status: 200,
        headers: { ...baseHeaders, 'Content-Type': mimeTypeFor(realFile) },
      });
    } catch {
      return failure(404);
    }
  };
}
