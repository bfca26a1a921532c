/**
 * Routes of the session (site/apiContract.ts): log in, refresh, log out, who am I. A failed
 * login waits a growing delay (the same for unknown addresses) and writes its own audit row.
 */
import { z } from 'zod';
import type { LoginResponse, MeResponse } from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import { authenticate } from './access';
import { ERRORS, invalidBody } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

export interface AuthRoutesOptions {
  accounts: Accounts;
  audit: AuditLog;
  logger: Logger;
  /** Multiplies the growing delay of failed logins (tests: smaller). Default 1. */
  loginFailureDelayMs?: number;
  /** A session ended (logout, reused refresh token): close its sockets. */
  onSessionEnded?: (sessionId: string) => void;
}

/** Retry-After of a login refused because too many are being checked at once. */
const LOGIN_BUSY_RETRY_SECONDS = 5;

const Email = z.string().trim().min(3).max(320);
const LoginBody = z.object({ email: Email, password: z.string().min(1).max(1024) });
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

type LoginFailure = Extract<Awaited<ReturnType<Accounts['login']>>, { ok: false }>;

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function authRoutes(options: AuthRoutesOptions) {
  const { accounts, audit, logger } = options;
  const delayScale = (options.loginFailureDelayMs ?? 400) / 400;

  /** Too many logins being checked: answered at once, without the growing delay. */
  function busy(result: LoginFailure, { request, ctx }: RouteCall<null>): ApiResponse {
    ctx.audited = true;
    audit.record({
      event: 'auth.address_throttled',
      agentId: result.agentId,
      address: request.address,
      outcome: result.reason,
    });
    logger.log('warn', 'auth.login_busy', { address: request.address, reason: result.reason });
    const refusal = result.reason === 'address-busy' ? ERRORS.addressBusy() : ERRORS.serverBusy();
    return { ...refusal, headers: { 'Retry-After': String(LOGIN_BUSY_RETRY_SECONDS) } };
  }

  /** A refused password, a locked account or address: after the growing delay. */
  async function refused(result: LoginFailure, { request, ctx }: RouteCall<null>): Promise<ApiResponse> {
    ctx.audited = true;
    const until = result.lockedUntil ?? Date.now();
    const headers = { 'Retry-After': String(Math.max(1, Math.ceil((until - Date.now()) / 1000))) };
    // The growing delay slows guessing; it is the same for unknown e-mails.
    await new Promise((resolve) => setTimeout(resolve, result.delayMs * delayScale));
    const blocked =
      result.reason === 'address-throttled'
        ? {
            event: 'auth.address_throttled' as const,
            outcome: 'too-many-attempts',
            answer: ERRORS.addressThrottled,
          }
        : result.reason === 'locked'
          ? { event: 'auth.locked' as const, outcome: 'account-locked', answer: ERRORS.locked }
          : null;
    if (blocked) {
      audit.refusal(
        {
          event: blocked.event,
          agentId: result.agentId,
          address: request.address,
          outcome: blocked.outcome,
          details: { until: result.lockedUntil },
        },
        { authenticated: false, rateLimit: true },
      );
      logger.log('warn', blocked.event, { address: request.address, agentId: result.agentId });
      return { ...blocked.answer(until), headers };
    }
    audit.record({
      event: 'auth.login_failed',
      agentId: result.agentId,
      address: request.address,
      outcome: result.reason,
    });
    logger.log('info', 'auth.login_failed', { agentId: result.agentId, reason: result.reason });
    return ERRORS.invalidCredentials();
  }

  async function login(call: RouteCall<null>): Promise<ApiResponse> {
    const parsed = LoginBody.safeParse(call.request.body);
    if (!parsed.success) return invalidBody(parsed.error.issues);
    const result = await accounts.login(parsed.data.email, parsed.data.password, call.request.address);
    if (!result.ok) {
      call.ctx.agentId = result.agentId;
      return result.reason === 'address-busy' || result.reason === 'server-busy'
        ? busy(result, call)
        : refused(result, call);
    }
    audit.record({
      event: 'auth.login',
      agentId: result.response.agent.id,
      address: call.request.address,
      outcome: 'ok',
    });
    const body: LoginResponse = result.response;
    return { status: 200, body };
  }

  async function refresh({ request, ctx }: RouteCall<null>): Promise<ApiResponse> {
    const parsed = RefreshBody.safeParse(request.body);
    if (!parsed.success) return invalidBody(parsed.error.issues);
    const result = await accounts.refresh(parsed.data.refreshToken);
    if (result.ok) {
      const body: LoginResponse = result.response;
      return { status: 200, body };
    }
    // A reused refresh token revokes its whole family: whoever holds it loses the sockets too.
    if (result.sessionId) options.onSessionEnded?.(result.sessionId);
    ctx.agentId = result.agentId ?? null;
    ctx.audited = true;
    const entry = {
      event: result.reason === 'reuse' ? ('auth.refresh_reuse' as const) : ('api.refused' as const),
      agentId: result.agentId ?? null,
      address: request.address,
      outcome: `refresh-${result.reason}`,
    };
    // A reuse is a theft signal, always its own row; anyone can send unknown tokens.
    if (result.reason === 'reuse') audit.record(entry);
    else audit.refusal(entry, { authenticated: false });
    return ERRORS.invalidRefresh();
  }

  /** Ends the session of the access token, or of the refresh token in the body (queued offline). */
  async function logout({ request, ctx }: RouteCall<null>): Promise<ApiResponse> {
    const auth = await authenticate(accounts, request.authorization, ctx);
    let session: { agentId: string; sessionId: string } | null =
      'response' in auth ? null : { agentId: auth.caller.identity.id, sessionId: auth.caller.sessionId };
    if (!session) {
      const parsed = RefreshBody.safeParse(request.body);
      session = parsed.success ? await accounts.sessionOfRefreshToken(parsed.data.refreshToken) : null;
      if (!session) return 'response' in auth ? auth.response : ERRORS.unauthorized();
      ctx.agentId = session.agentId;
    }
    await accounts.revokeSession(session.sessionId);
    options.onSessionEnded?.(session.sessionId);
    audit.record({
      event: 'auth.logout',
      agentId: session.agentId,
      address: request.address,
      outcome: 'ok',
      details: 'response' in auth ? { via: 'refresh-token' } : undefined,
    });
    return { status: 200, body: { ok: true } };
  }

  return {
    login,
    refresh,
    logout,
    me: ({ caller }: RouteCall): ApiResponse => {
      const body: MeResponse = caller.identity;
      return { status: 200, body };
    },
  } satisfies Handlers;
}
