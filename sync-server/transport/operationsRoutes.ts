/**
 * What supervision reads: `/healthz` (the database answers, rooms and connections open) and
 * `/metrics` (Prometheus text), the latter only from this machine or with METRICS_TOKEN; a
 * refused scrape is audited.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { AuditLog } from '../observability/AuditLog';
import type { Metrics } from '../observability/Metrics';
import { sendJson } from './httpResponses';

export interface OperationsRoutesOptions {
  /** The database, asked `SELECT 1`. */
  db: { prepare(sql: string): { get(): unknown } };
  audit: AuditLog;
  metrics: Metrics;
  rooms: { readonly openRoomCount: number; readonly connectionCount: number };
  clientAddress: (req: http.IncomingMessage) => string;
  /** Bearer token required on /metrics; without it, loopback clients only. */
  metricsToken?: string;
  /** TRUST_PROXY entries: without any, a forwarded request came from elsewhere. */
  trustProxy?: readonly string[];
}

const isLoopback = (address: string) => /^127\./.test(address) || address === '::1';

const refusal = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } },
});

export function operationsRoutes(options: OperationsRoutesOptions) {
  const { db, audit, metrics, rooms } = options;

  /** Why /metrics is refused to this request, or null. */
  function metricsRefusal(req: http.IncomingMessage) {
    if (options.metricsToken) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      const expected = Buffer.from(options.metricsToken);
      const ok = given.length === expected.length && crypto.timingSafeEqual(given, expected);
      return ok ? null : refusal(401, 'unauthorized', 'Jeton de supervision (METRICS_TOKEN) requis.');
    }
    // The client address, not the peer: behind a proxy on this machine every peer is loopback.
    // A forwarded request the server was not told to trust (no TRUST_PROXY) came from elsewhere.
    const relayedUntrusted =
      (options.trustProxy ?? []).every((entry) => entry.trim() === '') &&
      req.headers['x-forwarded-for'] !== undefined;
    return !relayedUntrusted && isLoopback(options.clientAddress(req))
      ? null
      : refusal(
          403,
          'forbidden',
          'Métriques réservées à la supervision : depuis cette machine, ou avec le jeton METRICS_TOKEN.',
        );
  }

  async function health(_req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
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
  }

  async function metricsText(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refused = metricsRefusal(req);
    if (refused) {
      audit.refusal(
        {
          event: 'api.refused',
          address: options.clientAddress(req),
          outcome: refused.body.error.code,
          details: { path: '/metrics', status: refused.status },
        },
        { authenticated: false },
      );
      const challenge: Record<string, string> =
        refused.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="metrics"' } : {};
      return sendJson(res, refused, challenge);
    }
    const text = metrics.render();
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }

  return { health, metrics: metricsText };
}
