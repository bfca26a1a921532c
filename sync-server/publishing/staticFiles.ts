/**
 * Safe resolution of URL paths to files under a root directory (published sites, the
 * editor's web build), content types, and the response headers of each kind of file.
 */
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';

export type StaticResolution =
  | { kind: 'file'; file: string; stat: Stats }
  /** A directory asked without its trailing slash: relative links need it. */
  | { kind: 'redirect-slash' }
  | { kind: 'not-found' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Security headers of published sites: static HTML and CSS, no script (no 'unsafe-inline',
 * no script-src at all), no framing. `connect-src 'self'` changes nothing for the pages (no
 * script can run) but lets tools such as Lighthouse fetch robots.txt from the page. HSTS is ignored by browsers over plain HTTP and takes
 * effect as soon as the sites are served over TLS (2 years, subdomains; not preloaded).
 */
export const PUBLISHED_SITE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
};

/**
 * Headers of the themed 404 and 410 pages: those of the site, but `base-uri 'self'` so the
 * `<base>` the server adds (`themedNotFound`) applies — with `'none'` the browser ignores it and
 * their relative links (the way home) break below the site's root.
 */
export const THEMED_ERROR_HEADERS: Readonly<Record<string, string>> = {
  ...PUBLISHED_SITE_HEADERS,
  'Content-Security-Policy': PUBLISHED_SITE_HEADERS['Content-Security-Policy']!.replace(
    "base-uri 'none'",
    "base-uri 'self'",
  ),
};

/**
 * Files of a published version named after their content, cacheable for a year: the theme
 * `theme.<hash8>.css` and media `media/<sha256>[-<w>].<ext>`.
 */
export function isContentHashed(file: string): boolean {
  const name = path.basename(file);
  return /^theme\.[0-9a-f]{8}\.css$/.test(name) || /^[0-9a-f]{64}(?:-\d{1,5})?\.[a-z0-9]{2,5}$/.test(name);
}

/** Cache-Control of a file of a published site. */
export function publishedCacheControl(file: string): string {
  return isContentHashed(file) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** Decodes and normalises a URL path below a mount point; null when it is not acceptable. */
function decodeRelative(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return null;
  return segments.join(path.sep);
}

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Resolves `urlPath` (already stripped of its mount prefix, e.g. `aix/page/index.html`) below
 * `root`. Directories serve their index.html; symlinks may not lead outside the root.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticResolution> {
  const rel = decodeRelative(urlPath);
  if (rel === null) return { kind: 'not-found' };
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch {
    return { kind: 'not-found' };
  }
  let target = path.join(realRoot, rel);
  let stat: Stats;
  try {
    target = await fs.realpath(target);
    if (!isInside(realRoot, target)) return { kind: 'not-found' };
    stat = await fs.stat(target);
    if (stat.isDirectory()) {
      if (rel !== '' && !urlPath.endsWith('/')) return { kind: 'redirect-slash' };
      target = path.join(target, 'index.html');
      stat = await fs.stat(target);
    }
  } catch {
    return { kind: 'not-found' };
  }
  if (!stat.isFile()) return { kind: 'not-found' };
  return { kind: 'file', file: target, stat };
}

/**
 * Security headers of the editor's web build (/app/): the desktop app's Content-Security-Policy
 * (electron/contentSecurityPolicy.ts — keep both in step: no inline script or style, no eval,
 * network only to this server) with its `frame-ancestors 'none'`, plus the headers a browser
 * needs for the same effect (X-Frame-Options for older ones, nosniff, Referrer-Policy).
 * `connect-src 'self'` covers the API and, in CSP Level 3, the sync WebSocket of the same
 * host; with a public origin (PUBLIC_URL), its ws(s):// form is also named.
 */
export function appHeaders(publicUrl?: string): Readonly<Record<string, string>> {
  const connect = ["'self'"];
  if (publicUrl) {
    const origin = new URL(publicUrl);
    connect.push(origin.origin, `${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}`);
  }
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'blob:', 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', connect],
    ['worker-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return {
    'Content-Security-Policy': directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; '),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/**
 * The published site's themed 404 page (`404.html` of the version, site/SPEC.md [THEME-6]),
 * with a `<base>` of the site's root so its relative links work at any depth; null when the
 * version has none (an older one) or the slug is not a plain slug. `410.html` is the page of an
 * address taken offline (site/SPEC.md [ADDR-4]).
 */
export async function themedNotFound(
  versionDir: string,
  slug: string,
  file: '404.html' | '410.html' = '404.html',
): Promise<string | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) return null;
  const resolved = await resolveStaticFile(versionDir, file);
  if (resolved.kind !== 'file' || resolved.stat.size > 512 * 1024) return null;
  const html = await fs.readFile(resolved.file, 'utf8');
  return html.replace('<head>', `<head>\n<base href="/sites/${slug}/">`);
}
