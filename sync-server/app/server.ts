/**
 * The sync server's shell: the only file touching `http` and `ws`. It takes the DATA_DIR lock,
 * builds the services with `composition.ts`, authenticates WebSocket upgrades, loads the room *before* accepting the socket, and serves
 * the JSON API, the published sites (/sites/{slug}/) and the editor's web build (/app/),
 * /healthz and /metrics. Every refused connection is written to the audit log.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { SYNC_PATH } from '../../site/apiContract';
import { CLOSE, SUBPROTOCOL, offeredProtocolVersions, parseRoom } from '../../site/syncProtocol';
import { allows } from '../accounts/authorization';
import { composeServices, type Services, type ServicesOptions } from './composition';
import type { Admin } from '../accounts/adminOperations';
import { createApi, type ApiResponse } from '../transport/api';
import type { AuditLog } from '../observability/AuditLog';
import type { Backups } from '../operations/Backups';
import { clientAddressResolver } from '../transport/clientAddress';
import type { CommuneData } from '../operations/CommuneData';
import { lockDataDir } from '../storage/dataDir';
import { pinoLogger, type Logger } from '../observability/Logger';
import { UPDATES_PREFIX } from '../transport/updateRoutes';
import type { Metrics } from '../observability/Metrics';
import { withPageReleaseRoutes } from '../transport/pageReleaseRoutes';
import { withPublishingRoutes } from '../transport/publishingApi';
import { withSnapshotRoutes } from '../transport/snapshotRoutes';
import { createRefusalHook, withRefusalHook, writtenRefusal } from '../transport/refusals';
import type { CloseCode, ConnectionIdentity, Room } from '../sync/Room';
import { createReauthorization } from './reauthorization';
import { destroyOnError, leaseUntilJoined } from './upgradeListeners';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../sync/RoomManager';
import { SEARCH_ROUTE } from '../publishing/search/SiteSearch';
import {
  PUBLISHED_SITE_HEADERS,
  appHeaders,
  contentTypeFor,
  publishedCacheControl,
  resolveStaticFile,
  THEMED_ERROR_HEADERS,
  themedNotFound,
} from '../publishing/staticFiles';
import { isHiddenSitePath } from '../storage/safePaths';
import { SiteAddresses } from '../publishing/siteAddresses';
import { withAddressRoutes } from '../transport/addressRoutes';

/** What `startServer` takes: every service's options (`ServicesOptions`) plus the transport's. */
export interface ServerOptions extends Omit<ServicesOptions, 'logger'> {
  port: number;
  /** Interface to listen on: '127.0.0.1' by default (tests); main.ts passes '0.0.0.0'. */
  host?: string;
  /** The editor's web build, served at /app/; default `<repo>/dist/renderer`. */
  appDir?: string;
  /** Default: pino JSON lines on stderr (`pinoLogger`). */
  logger?: Logger;
  /** How often live connections are re-authorized (account, session, role); default 1 s. */
  reauthorizeIntervalMs?: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges; env
   * TRUST_PROXY). Empty (default): the client address is always the direct peer.
   */
  trustProxy?: readonly string[];
  /**
   * Bearer token required on /metrics (env METRICS_TOKEN). Without it, /metrics answers only
   * to loopback clients (a monitoring agent on the same machine).
   */
  metricsToken?: string;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The administration functions of the CLI, on this server's database. */
  admin: Admin;
  /** Credentials of the demo account created at this start, to print once; null otherwise. */
  demoAccount: { email: string; password: string } | null;
  audit: AuditLog;
  metrics: Metrics;
  backups: Backups;
  communeData: CommuneData;
  close(): Promise<void>;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAX_JSON_BODY_BYTES = 64 * 1024;
const HEARTBEAT_MS = 30_000;
const REAUTHORIZE_MS = 1_000;
const CLOSE_GRACE_MS = 3_000;
export { DEFAULT_AUDIT_RETENTION_DAYS } from './composition';

const API_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

const APP_MISSING_HTML = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Éditeur non construit — Usine à sites</title></head>
<body><main><h1>L'éditeur n'est pas encore construit</h1>
<p>Le serveur fonctionne, mais la version web de l'éditeur est absente. Lancez <code>npm run build</code>, puis rechargez cette page.</p></main></body></html>
`;

function notFoundHtml(): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Page introuvable</title></head>
<body><main><h1>Page introuvable</h1><p>Cette adresse ne correspond à aucune page.</p></main></body></html>
`;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) data = Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1';
}

function subprotocols(req: http.IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

// Long by reason: its HTTP and WebSocket handlers still close over the services built by
// composition.ts; the table-driven router (issue 12, part 1) is what moves them out.
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? pinoLogger();
  const host = options.host ?? '127.0.0.1';
  const appDir = options.appDir ?? path.join(REPO_ROOT, 'dist', 'renderer');
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // Before anything is opened: a bad TRUST_PROXY entry stops the start with a French message.
  const clientAddressOf = clientAddressResolver(options.trustProxy);
  const clientAddress = (req: http.IncomingMessage) =>
    clientAddressOf(req.socket.remoteAddress, req.headers['x-forwarded-for']);

  // One server per DATA_DIR (a kernel-held lock, waiting a few seconds for a holder still dying);
  // the admin CLI's restore and deletion refuse while it runs.
  const releaseLock = await lockDataDir(options.dataDir, 'serveur');
  let services: Services;
  try {
    services = await composeServices({ ...options, logger });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const { db, audit, metrics, accounts, limits, rooms, publisher, siteSearch, media, updates } = services;
  const auditRefusal = (
    close: CloseCode,
    fields: { agentId?: string | null; room?: string; address?: string | null; detail?: string },
  ) => {
    metrics.inc('usine_refusals_total', { code: close.reason });
    // Without a valid token (4401, no agent) or too fast: counted per minute and address.
    audit.refusal(
      {
        event: 'sync.refused',
        insee: fields.room ? fields.room.split('/')[0] : null,
        agentId: fields.agentId ?? null,
        address: fields.address ?? null,
        outcome: close.reason,
        details: { code: close.code, room: fields.room, detail: fields.detail },
      },
      {
        authenticated: Boolean(fields.agentId) && close.code !== CLOSE.TOKEN_EXPIRED.code,
        rateLimit: close.code === CLOSE.TOO_FAST.code,
      },
    );
  };
  const api = createApi({
    ...services,
    logger,
    onSessionEnded: (sessionId) =>
      rooms.closeConnections((conn) => conn.identity.sessionId === sessionId, CLOSE.TOKEN_EXPIRED),
    backupNow: async () => {
      const backup = await services.takeBackup();
      return { file: path.basename(backup.file), bytes: backup.bytes };
    },
    loginFailureDelayMs: options.loginFailureDelayMs,
  });
  // Every refused request (4xx), on every route, is counted and audited here.
  const auditRefusedRequest = createRefusalHook({ accounts, audit, metrics });
  const publishingApi = withRefusalHook(
    withAddressRoutes(
      withPageReleaseRoutes(
        withSnapshotRoutes(withPublishingRoutes(api, { accounts, publisher, logger }), {
          accounts,
          audit,
          snapshots: services.snapshots,
        }),
        { accounts, publisher, audit, logger },
      ),
      { accounts, publisher },
    ),
    auditRefusedRequest,
  );

  // ---- HTTP ----

  function sendJson(
    res: http.ServerResponse,
    response: ApiResponse,
    extra: Record<string, string> = {},
  ): void {
    const body = JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...extra,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  }

  function sendHtml(
    res: http.ServerResponse,
    status: number,
    html: string,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      ...extra,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(html);
  }

  function redirect(res: http.ServerResponse, location: string, status = 302): void {
    res.writeHead(status, { Location: location, 'Content-Length': 0 });
    res.end();
  }

  function sendFile(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    file: string,
    size: number,
    headers: Record<string, string>,
  ): void {
    res.writeHead(200, { ...headers, 'Content-Type': contentTypeFor(file), 'Content-Length': size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.on('error', (error) => {
      logger.log('error', 'http.file_read_failed', { error });
      res.destroy();
    });
    stream.pipe(res);
  }

  function refusedBeforeRoute(req: http.IncomingMessage, path: string, status: number, code: string): void {
    auditRefusedRequest({
      method: req.method ?? 'GET',
      path,
      status,
      code,
      authorization: req.headers.authorization,
      address: clientAddress(req),
    });
  }

  async function handleApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
  ): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, API_CORS_HEADERS);
      res.end();
      return;
    }
    let body: unknown;
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
      let raw: Buffer;
      try {
        raw = await readBody(req, MAX_JSON_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          refusedBeforeRoute(req, pathname, 413, 'too-large');
          sendJson(
            res,
            { status: 413, body: { error: { code: 'too-large', message: 'Requête trop volumineuse.' } } },
            API_CORS_HEADERS,
          );
        }
        return;
      }
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          refusedBeforeRoute(req, pathname, 400, 'invalid-json');
          sendJson(
            res,
            {
              status: 400,
              body: { error: { code: 'invalid-json', message: 'Requête invalide (JSON attendu).' } },
            },
            API_CORS_HEADERS,
          );
          return;
        }
      }
    }
    const response = await publishingApi({
      method: req.method ?? 'GET',
      pathname,
      authorization: req.headers.authorization,
      body,
      address: clientAddress(req),
    });
    if (response.file) {
      const file = response.file;
      res.writeHead(response.status, {
        ...API_CORS_HEADERS,
        'Content-Type': file.contentType,
        'Content-Length': 'data' in file ? file.data.length : file.bytes,
        'Content-Disposition': `attachment; filename="${file.filename}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      if ('data' in file) {
        res.end(file.data);
        return;
      }
      const stream = fs.createReadStream(file.tempFile);
      // Deleted once sent, or when the client went away.
      const remove = () => fs.rm(file.tempFile, { force: true }, () => {});
      res.once('close', remove);
      stream.on('error', (error) => {
        logger.log('error', 'http.file_read_failed', { error });
        res.destroy();
      });
      stream.pipe(res);
      return;
    }
    sendJson(res, response, { ...API_CORS_HEADERS, ...response.headers });
  }

  const siteAddresses = new SiteAddresses();

  async function handleSite(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
  ): Promise<void> {
    const match = /^\/sites\/([^/]+)(\/.*)?$/.exec(pathname);
    const slug = match?.[1];
    if (!slug) {
      sendHtml(res, 404, notFoundHtml(), PUBLISHED_SITE_HEADERS);
      return;
    }
    if (match[2] === undefined) {
      redirect(res, `/sites/${slug}/`, 301);
      return;
    }
    if (match[2] === SEARCH_ROUTE.slice(0, -1)) {
      redirect(
        res,
        `/sites/${slug}${SEARCH_ROUTE}${new URL(req.url ?? '/', 'http://localhost').search}`,
        301,
      );
      return;
    }
    const dir = await publisher.currentDir(slug);
    if (dir && match[2] === SEARCH_ROUTE) {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const answer = await siteSearch.answer(dir, params, clientAddress(req));
      if (answer)
        return sendHtml(res, answer.status, answer.html, { ...PUBLISHED_SITE_HEADERS, ...answer.headers });
    }
    const rest = match[2].slice(1);
    const resolved =
      dir && !isHiddenSitePath(rest) ? await resolveStaticFile(dir, rest) : ({ kind: 'not-found' } as const);
    switch (resolved.kind) {
      case 'redirect-slash':
        redirect(res, `${pathname}/`, 301);
        return;
      case 'not-found': {
        // A former address: 301 to the page's address now, or 410 (site/SPEC.md [ADDR-*]).
        const former = dir ? await siteAddresses.answer(dir, slug, rest) : null;
        if (former?.status === 301) {
          res.writeHead(301, {
            ...PUBLISHED_SITE_HEADERS,
            Location: former.location,
            'Cache-Control': 'max-age=3600',
            'Content-Length': 0,
          });
          res.end();
          return;
        }
        if (former?.status === 410) {
          sendHtml(res, 410, former.html, THEMED_ERROR_HEADERS);
          return;
        }
        // The site's own themed page when its version has one (site/SPEC.md [THEME-6]).
        sendHtml(
          res,
          404,
          (dir && (await themedNotFound(dir, slug))) || notFoundHtml(),
          THEMED_ERROR_HEADERS,
        );
        return;
      }
      case 'file': {
        sendFile(req, res, resolved.file, resolved.stat.size, {
          ...PUBLISHED_SITE_HEADERS,
          'Cache-Control': publishedCacheControl(resolved.file),
        });
        return;
      }
    }
  }

  // The desktop app's CSP (electron/contentSecurityPolicy.ts) plus no framing, for /app/.
  const editorHeaders = appHeaders(options.publicUrl);

  async function handleApp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
  ): Promise<void> {
    const indexFile = path.join(appDir, 'index.html');
    if (!fs.existsSync(indexFile)) {
      sendHtml(res, 503, APP_MISSING_HTML, editorHeaders);
      return;
    }
    const rest = pathname.slice('/app/'.length);
    let resolved = await resolveStaticFile(appDir, rest);
    if (resolved.kind === 'not-found' && path.posix.extname(rest) === '') {
      // Client-side routes: unknown extension-less paths get the app shell.
      resolved = await resolveStaticFile(appDir, 'index.html');
    }
    switch (resolved.kind) {
      case 'redirect-slash':
        redirect(res, `${pathname}/`, 301);
        return;
      case 'not-found':
        sendHtml(res, 404, notFoundHtml(), editorHeaders);
        return;
      case 'file': {
        const rel = path.relative(fs.realpathSync(appDir), resolved.file).split(path.sep).join('/');
        const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
        sendFile(req, res, resolved.file, resolved.stat.size, { ...editorHeaders, 'Cache-Control': cache });
        return;
      }
    }
  }

  /** Why /metrics is refused to this request (see ServerOptions.metricsToken), or null. */
  function metricsRefusal(
    req: http.IncomingMessage,
  ): { status: number; body: { error: { code: string; message: string } } } | null {
    if (options.metricsToken) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      const expected = Buffer.from(options.metricsToken);
      const ok = given.length === expected.length && crypto.timingSafeEqual(given, expected);
      return ok
        ? null
        : {
            status: 401,
            body: {
              error: { code: 'unauthorized', message: 'Jeton de supervision (METRICS_TOKEN) requis.' },
            },
          };
    }
    // The client address, not the peer: behind a proxy on this machine every peer is loopback.
    // A forwarded request the server was not told to trust (no TRUST_PROXY) came from elsewhere.
    const relayedUntrusted =
      (options.trustProxy ?? []).every((entry) => entry.trim() === '') &&
      req.headers['x-forwarded-for'] !== undefined;
    return !relayedUntrusted && isLoopback(clientAddress(req))
      ? null
      : {
          status: 403,
          body: {
            error: {
              code: 'forbidden',
              message:
                'Métriques réservées à la supervision : depuis cette machine, ou avec le jeton METRICS_TOKEN.',
            },
          },
        };
  }

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'OPTIONS' && /^\/api\/communes\/[^/]+\/media\//.test(pathname)) {
      // The editor in Electron calls from app://: media answers carry the API's CORS headers.
      for (const [name, value] of Object.entries(API_CORS_HEADERS)) res.setHeader(name, value);
      await media.handle(req, res, pathname);
      const refused = writtenRefusal(req, res, pathname, clientAddress(req));
      if (refused) auditRefusedRequest(refused);
      return;
    }
    if (pathname.startsWith('/api/')) return handleApi(req, res, pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    if (pathname === '/healthz') {
      let database = 'ok';
      try {
        db.prepare('SELECT 1').get();
      } catch {
        database = 'error';
      }
      const status = database === 'ok' ? 200 : 503;
      sendJson(res, {
        status,
        body: {
          status: status === 200 ? 'ok' : 'error',
          database,
          rooms: rooms.openRoomCount,
          connections: rooms.connectionCount,
        },
      });
      return;
    }
    if (pathname === '/metrics') {
      const refusal = metricsRefusal(req);
      if (refusal) {
        audit.refusal(
          {
            event: 'api.refused',
            address: clientAddress(req),
            outcome: refusal.body.error.code,
            details: { path: '/metrics', status: refusal.status },
          },
          { authenticated: false },
        );
        sendJson(
          res,
          refusal,
          refusal.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="metrics"' } : {},
        );
        return;
      }
      const text = metrics.render();
      res.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
      });
      res.end(text);
      return;
    }
    if (pathname === '/' || pathname === '/app') return redirect(res, '/app/');
    if (pathname.startsWith('/app/')) return handleApp(req, res, pathname);
    if (pathname.startsWith(UPDATES_PREFIX)) return updates.handle(req, res, pathname);
    if (pathname.startsWith('/sites/')) return handleSite(req, res, pathname);
    sendHtml(res, 404, notFoundHtml());
  }

  const httpServer = http.createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      logger.log('error', 'http.request_failed', { path: req.url?.split('?')[0], error });
      metrics.inc('usine_errors_total', { kind: 'http' });
      if (!res.headersSent) {
        sendJson(res, {
          status: 500,
          body: { error: { code: 'internal', message: 'Erreur interne du serveur.' } },
        });
      } else {
        res.destroy();
      }
    });
  });

  // ---- WebSocket ----

  const wss = new WebSocketServer({
    noServer: true,
    // Room enforces maxMessageBytes with CLOSE.TOO_LARGE; ws only stops the absurd (1009).
    maxPayload: maxMessageBytes * 2,
    perMessageDeflate: false,
    // Another version of ours is answered too, so that its client reads the INCOMPATIBLE close.
    handleProtocols: (protocols) =>
      protocols.has(SUBPROTOCOL)
        ? SUBPROTOCOL
        : ([...protocols].find((p) => offeredProtocolVersions([p]).length > 0) ?? false),
  });
  const alive = new WeakMap<WebSocket, boolean>();

  function refuse(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    close: { code: number; reason: string },
  ): void {
    wss.handleUpgrade(req, socket, head, (ws) => ws.close(close.code, close.reason));
  }

  function attach(ws: WebSocket, room: Room, identity: ConnectionIdentity): void {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const conn = room.addConnection(
      {
        send: (data, onWritten) => ws.send(data, onWritten && (() => onWritten())),
        close: (code, reason) => {
          ws.close(code, reason);
          // A client that does not read never answers the close frame: its backlog is freed
          // after a short grace rather than ws's 30 s.
          const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
          grace.unref();
          ws.once('close', () => clearTimeout(grace));
        },
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
      },
      identity,
    );
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        conn.kick(CLOSE.MALFORMED);
        return;
      }
      conn.receive(toBytes(data));
    });
    ws.on('close', () => conn.closed());
    ws.on('error', (error) => {
      logger.log('warn', 'sync.socket_error', { room: room.name, error: error.message });
      conn.closed();
    });
  }

  async function handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', destroyOnError);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!pathname.startsWith(`${SYNC_PATH}/`)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const address = clientAddress(req);
    const refuseLogged = (
      close: CloseCode,
      agentId: string | null,
      roomName: string | undefined,
      detail: string,
    ) => {
      logger.log('warn', 'sync.refused', {
        agentId,
        room: roomName,
        code: close.code,
        reason: close.reason,
        detail,
      });
      auditRefusal(close, { agentId, room: roomName, address, detail });
      refuse(req, socket, head, close);
    };
    const tooFast = limits.admitConnectionFromAddress(address);
    if (tooFast) return refuseLogged(tooFast, null, undefined, 'connection rate per address');
    const room = parseRoom(pathname.slice(SYNC_PATH.length + 1));
    if (!room) return refuseLogged(CLOSE.NOT_FOUND, null, undefined, 'not a room name');
    // Only the Métropole's communes have rooms, for every caller (an administrator too).
    if (!accounts.commune(room.insee)) {
      return refuseLogged(CLOSE.NOT_FOUND, null, room.name, 'commune outside the registry');
    }
    const offered = subprotocols(req);
    if (!offered.includes(SUBPROTOCOL) && offeredProtocolVersions(offered).length > 0) {
      const versions = offeredProtocolVersions(offered).join(', ');
      return refuseLogged(CLOSE.INCOMPATIBLE, null, room.name, `protocol version ${versions}`);
    }
    // The token is the offered subprotocol that is not ours. Never logged.
    const token = offered.find((p) => p !== SUBPROTOCOL);
    const check = token ? accounts.authenticate(token) : ({ ok: false, reason: 'unknown' } as const);
    if (!check.ok) {
      const agentId = 'agentId' in check ? (check.agentId ?? null) : null;
      return refuseLogged(CLOSE.TOKEN_EXPIRED, agentId, room.name, `token ${check.reason}`);
    }
    const { identity } = check;
    const agentTooFast = limits.admitConnectionOfAgent(identity.id);
    if (agentTooFast) return refuseLogged(agentTooFast, identity.id, room.name, 'connection rate per agent');
    if (!allows(identity, room.insee, 'read')) {
      return refuseLogged(CLOSE.FORBIDDEN, identity.id, room.name, 'no role in this commune');
    }
    // A relecteur's connection is read-only: only its own comments pass (sync/commentGuard.ts).
    const readOnly = !allows(identity, room.insee, 'edit');
    if (accounts.communeDataDeleted(room.insee)) {
      return refuseLogged(CLOSE.FORBIDDEN, identity.id, room.name, 'commune data deleted');
    }
    let opened: Room;
    try {
      opened = await rooms.open(room.name);
    } catch (error) {
      logger.log('error', 'room.load_failed', { room: room.name, error });
      metrics.inc('usine_errors_total', { kind: 'room_load' });
      return refuseLogged(CLOSE.LOAD_FAILED, identity.id, room.name, 'load failed');
    }
    if (socket.destroyed) {
      opened.releaseLease();
      return;
    }
    // The load may have taken a while: an account disabled or a role changed meanwhile is
    // refused here rather than admitted until the next re-authorization.
    const stillAllowed = accounts.connectionAllowed(identity.id, check.sessionId, room.insee, readOnly);
    if (stillAllowed !== 'ok') {
      opened.releaseLease();
      const close = stillAllowed === 'session-ended' ? CLOSE.TOKEN_EXPIRED : CLOSE.FORBIDDEN;
      return refuseLogged(close, identity.id, room.name, 'rights changed while the room loaded');
    }
    const joined = leaseUntilJoined(socket, opened);
    wss.handleUpgrade(req, socket, head, (ws) => {
      joined();
      attach(ws, opened, {
        agentId: identity.id,
        displayName: identity.displayName,
        color: identity.color,
        readOnly,
        sessionId: check.sessionId,
        address,
      });
    });
  }

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(req, socket, head).catch((error: unknown) => {
      logger.log('error', 'sync.upgrade_failed', { error });
      socket.destroy();
    });
  });

  // Live connections are re-authorized periodically, in slices of ≤ 1 ms (reauthorization.ts).
  const reauthorize = createReauthorization({
    connections: () => rooms.liveConnections(),
    connectionAllowed: (agentId, sessionId, insee, readOnly) =>
      accounts.connectionAllowed(agentId, sessionId, insee, readOnly),
  });
  reauthorize.start(options.reauthorizeIntervalMs ?? REAUTHORIZE_MS);

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(heartbeat);
    reauthorize.stop();
    await services.dispose();
    releaseLock();
    throw error;
  }
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.log('info', 'server.started', { port, host });

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    clearInterval(heartbeat);
    reauthorize.stop();
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await services.dispose(async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      httpServer.closeAllConnections();
      await httpClosed;
    });
    releaseLock();
    logger.log('info', 'server.stopped', { port });
  }

  return {
    url: `http://${publicHost}:${port}`,
    port,
    admin: services.admin,
    demoAccount: services.demoAccount,
    audit,
    metrics,
    backups: services.backups,
    communeData: services.communeData,
    close: () => (closing ??= close()),
  };
}
