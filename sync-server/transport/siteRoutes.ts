/**
 * The public files: each commune's published site under `/sites/{slug}/` (its search page,
 * its former addresses answered 301 or 410, its themed 404) and the editor's web build under
 * `/app/` (client-side routes get the app shell).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Logger } from '../observability/Logger';
import type { Publisher } from '../publishing/Publisher';
import { SEARCH_ROUTE, type SiteSearch } from '../publishing/search/SiteSearch';
import { SiteAddresses } from '../publishing/siteAddresses';
import {
  appHeaders,
  PUBLISHED_SITE_HEADERS,
  publishedCacheControl,
  resolveStaticFile,
  THEMED_ERROR_HEADERS,
  themedNotFound,
} from '../publishing/staticFiles';
import { isHiddenSitePath } from '../storage/safePaths';
import { notFoundHtml, redirect, sendFile, sendHtml } from './httpResponses';

export interface SiteRoutesOptions {
  publisher: Publisher;
  siteSearch: SiteSearch;
  logger: Logger;
  /** The editor's web build, served at /app/. */
  appDir: string;
  publicUrl?: string;
  clientAddress: (req: http.IncomingMessage) => string;
}

const APP_MISSING_HTML = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Éditeur non construit — Usine à sites</title></head>
<body><main><h1>L'éditeur n'est pas encore construit</h1>
<p>Le serveur fonctionne, mais la version web de l'éditeur est absente. Lancez <code>npm run build</code>, puis rechargez cette page.</p></main></body></html>
`;

const queryOf = (req: http.IncomingMessage) => new URL(req.url ?? '/', 'http://localhost').search;

export function siteRoutes(options: SiteRoutesOptions) {
  const { publisher, siteSearch, logger, appDir } = options;
  const siteAddresses = new SiteAddresses();
  // The desktop app's CSP (electron/contentSecurityPolicy.ts) plus no framing, for /app/.
  const editorHeaders = appHeaders(options.publicUrl);

  /** A path of no published file: a former address (301, 410), else the site's themed 404. */
  async function missing(res: http.ServerResponse, dir: string | null, slug: string, rest: string) {
    const former = dir ? await siteAddresses.answer(dir, slug, rest) : null;
    if (former?.status === 301) {
      res.writeHead(301, {
        ...PUBLISHED_SITE_HEADERS,
        Location: former.location,
        'Cache-Control': 'max-age=3600',
        'Content-Length': 0,
      });
      return void res.end();
    }
    if (former?.status === 410) return sendHtml(res, 410, former.html, THEMED_ERROR_HEADERS);
    // The site's own themed page when its version has one (site/SPEC.md [THEME-6]).
    const html = (dir && (await themedNotFound(dir, slug))) || notFoundHtml();
    sendHtml(res, 404, html, THEMED_ERROR_HEADERS);
  }

  async function site(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    const match = /^\/sites\/([^/]+)(\/.*)?$/.exec(pathname);
    const slug = match?.[1];
    if (!match || !slug) return sendHtml(res, 404, notFoundHtml(), PUBLISHED_SITE_HEADERS);
    if (match[2] === undefined) return redirect(res, `/sites/${slug}/`, 301);
    if (match[2] === SEARCH_ROUTE.slice(0, -1))
      return redirect(res, `/sites/${slug}${SEARCH_ROUTE}${queryOf(req)}`, 301);
    const dir = await publisher.currentDir(slug);
    if (dir && match[2] === SEARCH_ROUTE) {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const answer = await siteSearch.answer(dir, params, options.clientAddress(req));
      if (answer)
        return sendHtml(res, answer.status, answer.html, { ...PUBLISHED_SITE_HEADERS, ...answer.headers });
    }
    const rest = match[2].slice(1);
    const resolved =
      dir && !isHiddenSitePath(rest) ? await resolveStaticFile(dir, rest) : ({ kind: 'not-found' } as const);
    if (resolved.kind === 'redirect-slash') return redirect(res, `${pathname}/`, 301);
    if (resolved.kind === 'not-found') return missing(res, dir, slug, rest);
    const headers = { ...PUBLISHED_SITE_HEADERS, 'Cache-Control': publishedCacheControl(resolved.file) };
    sendFile(req, res, { path: resolved.file, size: resolved.stat.size, headers }, logger);
  }

  async function app(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    if (!fs.existsSync(path.join(appDir, 'index.html')))
      return sendHtml(res, 503, APP_MISSING_HTML, editorHeaders);
    const rest = pathname.slice('/app/'.length);
    let resolved = await resolveStaticFile(appDir, rest);
    if (resolved.kind === 'not-found' && path.posix.extname(rest) === '') {
      // Client-side routes: unknown extension-less paths get the app shell.
      resolved = await resolveStaticFile(appDir, 'index.html');
    }
    if (resolved.kind === 'redirect-slash') return redirect(res, `${pathname}/`, 301);
    if (resolved.kind === 'not-found') return sendHtml(res, 404, notFoundHtml(), editorHeaders);
    const rel = path.relative(fs.realpathSync(appDir), resolved.file).split(path.sep).join('/');
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = { ...editorHeaders, 'Cache-Control': cache };
    sendFile(req, res, { path: resolved.file, size: resolved.stat.size, headers }, logger);
  }

  return { site, app };
}
