/**
 * The after-hook of every HTTP route: each refused request (4xx) is counted
 * (`usine_refusals_total{code}`) and written to the audit log (`api.refused`), whichever route
 * answered (api.ts calls it for every route of the table, and for the requests refused before
 * any route: unknown path, wrong method, body too large or not JSON).
 * A route that already wrote its own, more precise record (a failed login, a reused refresh
 * token) marks its answer `audited`: it is counted, not written twice.
 */
import type http from 'node:http';
import type { Accounts } from '../accounts/Accounts';
import type { AuditLog } from '../observability/AuditLog';
import type { Metrics } from '../observability/Metrics';

/** What the route learned about its caller, when it got that far. */
export interface RefusalCaller {
  agentId: string | null;
  insee: string | null;
  /** A valid access token came with the request. */
  authenticated: boolean;
}

export interface RefusedRequest {
  method: string;
  path: string;
  status: number;
  /** The `error.code` of the answer; the status when there is none. */
  code: string;
  authorization: string | undefined;
  address?: string;
  caller?: RefusalCaller;
  /** The route already wrote its own audit record. */
  audited?: boolean;
}

export interface RefusalHookOptions {
  accounts: Accounts;
  audit: AuditLog;
  metrics: Metrics;
}

const COMMUNE_IN_PATH = /^\/api\/(?:admin\/)?communes\/(\d{5}|2[AB]\d{3})(?:\/|$)/;
const isRefusal = (status: number) => status >= 400 && status < 500;

/** Counts and audits one refused request. */
export function createRefusalHook(options: RefusalHookOptions): (refused: RefusedRequest) => void {
  const { accounts, audit, metrics } = options;
  const record = async (refused: RefusedRequest) => {
    let caller = refused.caller;
    if (!caller?.agentId) {
      // Refused before the route looked at the token (unknown path, bad body): whose is it?
      const token = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(refused.authorization?.trim() ?? '')?.[1];
      const check = token ? await accounts.authenticate(token) : null;
      caller = {
        agentId: check?.ok ? check.identity.id : (caller?.agentId ?? null),
        insee: caller?.insee ?? null,
        authenticated: Boolean(check?.ok),
      };
    }
    // Unauthenticated refusals are counted per minute and address; paths are clipped.
    audit.refusal(
      {
        event: 'api.refused',
        insee: caller.insee ?? COMMUNE_IN_PATH.exec(refused.path)?.[1] ?? null,
        agentId: caller.agentId,
        address: refused.address,
        outcome: refused.code,
        details: { method: refused.method, path: refused.path, status: refused.status },
      },
      { authenticated: caller.authenticated, rateLimit: refused.status === 429 },
    );
  };
  return (refused) => {
    if (!isRefusal(refused.status)) return;
    metrics.inc('usine_refusals_total', { code: refused.code });
    if (refused.audited) return;
    // A store that fails (PostgreSQL unreachable) loses this row, not the request.
    record(refused).catch(() => metrics.inc('usine_errors_total', { kind: 'audit' }));
  };
}

const refusalCodes = new WeakMap<http.ServerResponse, string>();

/** A route writing its answer itself (media) notes the refusal's code for the after-hook. */
export function noteRefusalCode(res: http.ServerResponse, code: string): void {
  refusalCodes.set(res, code);
}

/** The refusal a raw route (media) wrote, read after it answered; null when it did not refuse. */
export function writtenRefusal(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  address: string,
): RefusedRequest | null {
  if (!isRefusal(res.statusCode)) return null;
  return {
    method: req.method ?? 'GET',
    path,
    status: res.statusCode,
    code: refusalCodes.get(res) ?? String(res.statusCode),
    authorization: req.headers.authorization,
    address,
  };
}
