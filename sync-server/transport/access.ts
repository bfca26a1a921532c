/**
 * The gate every API route passes before its handler: the access token, then what the route
 * declared (routeTypes.ts `Access`), decided by the one authorization policy. It fills the
 * request context the refusal after-hook reads (who asked, for which commune).
 */
import type { Accounts } from '../accounts/Accounts';
import { allows } from '../accounts/authorization';
import { bearer, ERRORS } from './apiErrors';
import type { Access, ApiResponse, Caller, RequestContext } from './routeTypes';

export type Admission = { caller: Caller } | { response: ApiResponse };

/** Who holds this access token; the 401 to answer otherwise. */
export async function authenticate(
  accounts: Accounts,
  authorization: string | undefined,
  ctx: RequestContext,
): Promise<Admission> {
  const token = bearer(authorization);
  if (!token) return { response: ERRORS.unauthorized() };
  const check = await accounts.authenticate(token);
  if (!check.ok) {
    ctx.agentId = check.agentId ?? null;
    return { response: check.reason === 'expired' ? ERRORS.tokenExpired() : ERRORS.unauthorized() };
  }
  ctx.agentId = check.identity.id;
  ctx.authenticated = true;
  return { caller: { identity: check.identity, sessionId: check.sessionId } };
}

/** Lets the request through to a route of `access`, or says which refusal to answer. */
export async function admit(
  accounts: Accounts,
  access: Exclude<Access, { kind: 'public' }>,
  request: { authorization: string | undefined; insee?: string },
  ctx: RequestContext,
): Promise<Admission> {
  const auth = await authenticate(accounts, request.authorization, ctx);
  if ('response' in auth) return auth;
  const { identity } = auth.caller;
  const insee = request.insee;
  switch (access.kind) {
    case 'signed-in':
      return auth;
    case 'admin':
      if (!identity.admin) return { response: ERRORS.adminOnly() };
      if (access.commune && !(insee && accounts.commune(insee))) return { response: ERRORS.unknownCommune() };
      return auth;
    case 'commune':
      // Only the Métropole's communes have routes, for every caller (an administrator too).
      if (!insee || !accounts.commune(insee)) return { response: ERRORS.unknownCommune() };
      if (!allows(identity, insee, 'read')) return { response: ERRORS.forbidden() };
      if (access.action !== 'read' && !allows(identity, insee, access.action))
        return { response: (access.refused ?? ERRORS.forbidden)() };
      return auth;
  }
}
