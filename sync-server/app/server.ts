/**
 * The sync server's entry point, a short wiring: it takes the DATA_DIR lock (held by the
 * kernel), builds every service with `composition.ts`, and puts one HTTP server in front of
 * them — the router of `transport/httpRoutes.ts` (JSON API, published sites, the editor,
 * updates, /healthz, /metrics) and the WebSocket upgrades of `transport/syncSockets.ts`.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from '../accounts/adminOperations';
import { CLOSE } from '../../site/syncProtocol';
import type { AuditLog } from '../observability/AuditLog';
import { pinoLogger, type Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import type { Backups } from '../operations/Backups';
import type { CommuneData } from '../operations/CommuneData';
import { lockDataDir } from '../storage/dataDir';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../sync/RoomManager';
import { clientAddressResolver } from '../transport/clientAddress';
import { httpRoutes } from '../transport/httpRoutes';
import { syncSockets } from '../transport/syncSockets';
import { composeServices, type Services, type ServicesOptions } from './composition';

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
  /** How long a batched sync waits for its writes to be durable (default 10 s; tests). */
  batchFlushTimeoutMs?: number;
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
export { DEFAULT_AUDIT_RETENTION_DAYS } from './composition';

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? pinoLogger();
  const host = options.host ?? '127.0.0.1';
  const appDir = options.appDir ?? path.join(REPO_ROOT, 'dist', 'renderer');
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
  const { audit, metrics, rooms } = services;
  const handleRequest = httpRoutes({
    ...services,
    logger,
    appDir,
    clientAddress,
    batchFlushTimeoutMs: options.batchFlushTimeoutMs,
    metricsToken: options.metricsToken,
    trustProxy: options.trustProxy,
    publicUrl: options.publicUrl,
    onSessionEnded: (sessionId) =>
      rooms.closeConnections((conn) => conn.identity.sessionId === sessionId, CLOSE.TOKEN_EXPIRED),
    backupNow: async () => {
      const backup = await services.takeBackup();
      return { file: path.basename(backup.file), bytes: backup.bytes };
    },
    loginFailureDelayMs: options.loginFailureDelayMs,
  });

  const httpServer = http.createServer(handleRequest);

  const sockets = syncSockets({
    ...services,
    logger,
    clientAddress,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    reauthorizeIntervalMs: options.reauthorizeIntervalMs,
  });
  httpServer.on('upgrade', sockets.onUpgrade);

  try {
    await listen(httpServer, options.port, host);
  } catch (error) {
    sockets.close();
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
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await services.dispose(async () => {
      sockets.close();
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
