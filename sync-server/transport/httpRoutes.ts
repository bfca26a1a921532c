/**
 * The server's one HTTP router: every route of the JSON API (the contract's table, api.ts) and
 * the public paths of `SERVER_PATHS` — published sites, the editor, the desktop updates,
 * /healthz and /metrics — matched by router.ts. What no route matches is a 404 (JSON under
 * /api/, a page elsewhere), or a 405 naming the methods the path has.
 */
import type http from 'node:http';
import { SERVER_PATHS } from '../../site/apiContract';
import { createApi, type ApiOptions } from './api';
import { notFoundHtml, redirect, sendHtml, sendJson } from './httpResponses';
import { operationsRoutes, type OperationsRoutesOptions } from './operationsRoutes';
import { createRouter, type RouteEntry, type RouteMethod } from './router';
import type { ServerRoute } from './routeTypes';
import type { RoomManager } from '../sync/RoomManager';
import { siteRoutes, type SiteRoutesOptions } from './siteRoutes';

type FileHandler = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string) => Promise<void>;

type HttpRoute = { api: ServerRoute } | { file: FileHandler };

export interface HttpRoutesOptions extends ApiOptions, SiteRoutesOptions, OperationsRoutesOptions {
  /** Opened by the batched sync (api.ts), counted by /healthz (operationsRoutes.ts). */
  rooms: RoomManager;
  updates: { handle: FileHandler };
}

const READ: readonly RouteMethod[] = ['GET', 'HEAD'];

/** The HTTP server's request listener; an unexpected failure is logged and answered 500. */
export function httpRoutes(options: HttpRoutesOptions): http.RequestListener {
  const api = createApi(options);
  const sites = siteRoutes(options);
  const operations = operationsRoutes(options);
  const toApp: FileHandler = async (_req, res) => redirect(res, SERVER_PATHS.app);
  const files: Array<[string, FileHandler]> = [
    ['/', toApp],
    ['/app', toApp],
    [`${SERVER_PATHS.app}*`, sites.app],
    [`${SERVER_PATHS.sites}*`, sites.site],
    [`${SERVER_PATHS.updates}*`, options.updates.handle],
    [SERVER_PATHS.health, operations.health],
    [SERVER_PATHS.metrics, operations.metrics],
  ];
  const entries: Array<RouteEntry<HttpRoute>> = [
    ...api.entries.map((entry) => ({ ...entry, route: { api: entry.route } })),
    ...files.flatMap(([path, handler]) => READ.map((method) => ({ method, path, route: { file: handler } }))),
  ];
  const router = createRouter(entries);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = router.match(req.method ?? 'GET', pathname);
    if (match.kind === 'found') {
      const { route } = match;
      return 'api' in route
        ? api.answer(req, res, pathname, route.api, match.params)
        : route.file(req, res, pathname);
    }
    if (pathname.startsWith('/api/')) return api.unmatched(req, res, pathname, match);
    if (match.kind === 'method-not-allowed') {
      res.writeHead(405, { Allow: match.allow.join(', '), 'Content-Length': 0 });
      return void res.end();
    }
    sendHtml(res, 404, notFoundHtml());
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.log('error', 'http.request_failed', { path: req.url?.split('?')[0], error });
      options.metrics.inc('usine_errors_total', { kind: 'http' });
      if (res.headersSent) return void res.destroy();
      sendJson(res, {
        status: 500,
        body: { error: { code: 'internal', message: 'Erreur interne du serveur.' } },
      });
    });
  };
}
