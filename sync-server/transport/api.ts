/**
 * The JSON HTTP API of site/apiContract.ts plus the administration API, transport-free:
 * server.ts hands in the method, path, Authorization header, remote address and parsed body,
 * and writes back status + JSON (or a file, for exports). Request bodies are validated with
 * zod; errors are `{ error: { code, message } }` with a French message. Every refusal (4xx) is
 * counted and written to the audit log by the after-hook of refusals.ts.
 */
import { z } from 'zod';
import {
  API_LOGIN,
  API_LOGOUT,
  API_ME,
  API_MY_INVITATIONS,
  API_REFRESH,
  type AgentIdentity,
  type AgentsResponse,
  type ApiError,
  type InvitationSentResponse,
  type MyInvitationsResponse,
  type LoginResponse,
  type MeResponse,
  type PublicationResponse,
  type PublishBlockedResponse,
  type PublishResponse,
  type Role,
} from '../../site/apiContract';
import { AccountError, type Accounts } from '../accounts/Accounts';
import { InvitationError, type Admin } from '../accounts/adminOperations';
import { communeAuditView, type AuditLog } from '../observability/AuditLog';
import type { DocStore, RoomSeq } from '../storage/DocStore';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import type { RefusalCaller } from './refusals';
import { PublishError, type Publisher } from '../publishing/Publisher';
import { isSiteSlug } from '../storage/safePaths';
import { allows } from '../accounts/authorization';

export interface ApiRequest {
  method: string;
  pathname: string;
  authorization: string | undefined;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** Remote address, for the audit log. */
  address?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** A file instead of JSON (exports). */
  /**
   * A file to send: in memory (`data`), or a temporary file on disk (`tempFile`, streamed then
   * deleted by the transport).
   */
  file?: { contentType: string; filename: string } & ({ data: Buffer } | { tempFile: string; bytes: number });
  headers?: Record<string, string>;
  /** A refusal the route already wrote to the audit log (counted, not written twice). */
  audited?: boolean;
  /** Who the refused caller was, as far as the route learned (for the after-hook). */
  caller?: RefusalCaller;
}

/** GET /api/communes/{insee}/docs: every doc of the commune with its sequence number. */
export { apiDocsPath } from '../../site/apiContract';
export interface DocsResponse {
  docs: RoomSeq[];
}

export interface ApiOptions {
  accounts: Accounts;
  admin: Admin;
  audit: AuditLog;
  publisher: Publisher;
  store: DocStore;
  logger: Logger;
  metrics?: Metrics;
  /** Multiplies the growing delay of failed logins (tests: smaller). Default 1. */
  loginFailureDelayMs?: number;
  /** A session ended (logout): close its sockets. */
  onSessionEnded?: (sessionId: string) => void;
  /** The commune's complete data as a zip (art. 11). */
  /** Writes the commune's export zip into a temporary file (the caller streams then deletes it). */
  exportCommune?: (insee: string) => Promise<{ tempFile: string; bytes: number }>;
  /** Deletes a commune's data at the end of its agreement. */
  deleteCommuneData?: (insee: string) => Promise<Record<string, unknown>>;
  /** Trims a page nested deeper than its schema (pageRepair.ts); null when the page is unknown. */
  repairPage?: (insee: string, pageId: string) => Promise<Record<string, unknown> | null>;
  /** Takes a backup now. */
  backupNow?: () => Promise<{ file: string; bytes: number }>;
}

/** Retry-After of a login refused because too many are being checked at once. */
const LOGIN_BUSY_RETRY_SECONDS = 5;

const Email = z.string().trim().min(3).max(320);
const RoleSchema = z.enum(['agent', 'referent', 'relecteur']);
const LoginBody = z.object({ email: Email, password: z.string().min(1).max(1024) });
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });
const AddMemberBody = z.object({
  email: Email,
  role: RoleSchema,
  password: z.string().min(1).max(1024).optional(),
  displayName: z.string().trim().min(1).max(120).optional(),
});
const RoleBody = z.object({ role: RoleSchema });
const DeleteDataBody = z.object({ confirm: z.string() });

const INSEE = '(\\d{5}|2[AB]\\d{3})';
const COMMUNE_PATH = new RegExp(`^/api/communes/${INSEE}/(publish|publication|docs|agents|export|audit)$`);
const MEMBER_PATH = new RegExp(`^/api/communes/${INSEE}/agents/([0-9a-f-]{36})$`);
const INVITATION_PATH = new RegExp(`^${API_MY_INVITATIONS}/${INSEE}/(accept|decline)$`);
const ADMIN_AGENT_PATH = /^\/api\/admin\/agents\/([0-9a-f-]{36})\/(disable|enable|unlock)$/;
const ADMIN_COMMUNE_DATA_PATH = new RegExp(`^/api/admin/communes/${INSEE}/data$`);
const ADMIN_PAGE_REPAIR_PATH = new RegExp(
  `^/api/admin/communes/${INSEE}/pages/([A-Za-z0-9_-]{8,64})/repair$`,
);

function error(status: number, code: string, message: string): ApiResponse {
  const body: ApiError = { error: { code, message } };
  return { status, body };
}

const FIELD_NAMES_FR: Record<string, string> = {
  email: 'adresse e-mail',
  password: 'mot de passe',
  refreshToken: 'jeton de session',
  role: 'rôle',
  displayName: 'nom affiché',
  confirm: 'confirmation',
};

function invalid(issues: z.core.$ZodIssue[]): ApiResponse {
  const field = String(issues[0]?.path[0] ?? '');
  const name = FIELD_NAMES_FR[field];
  return error(
    400,
    'invalid-request',
    name ? `Requête invalide : champ « ${name} » absent ou incorrect.` : 'Requête invalide.',
  );
}

const ERRORS = {
  notFound: () => error(404, 'not-found', 'Adresse inconnue.'),
  methodNotAllowed: () => error(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.'),
  invalidCredentials: () => error(401, 'invalid-credentials', 'Adresse e-mail ou mot de passe incorrect.'),
  locked: (until: number) =>
    error(
      429,
      'account-locked',
      `Trop de tentatives de connexion : compte bloqué jusqu'à ${new Date(until).toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })}.`,
    ),
  addressThrottled: (until: number) =>
    error(
      429,
      'too-many-attempts',
      `Trop de tentatives de connexion depuis cette adresse réseau : réessayez après ${new Date(until).toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })}.`,
    ),
  /** Too many logins being checked at once: refused before any hashing, retry soon. */
  addressBusy: () =>
    error(
      429,
      'too-many-logins',
      'Trop de connexions simultanées depuis cette adresse réseau : réessayez dans quelques secondes.',
    ),
  serverBusy: () =>
    error(
      503,
      'server-busy',
      'Le serveur traite trop de connexions en ce moment : réessayez dans quelques secondes.',
    ),
  invalidRefresh: () =>
    error(401, 'invalid-refresh-token', 'Votre session a expiré : veuillez vous reconnecter.'),
  unauthorized: () => error(401, 'unauthorized', 'Connexion requise.'),
  tokenExpired: () => error(401, 'token-expired', 'Votre session a expiré : reconnexion nécessaire.'),
  forbidden: () => error(403, 'forbidden', "Vous n'avez pas les droits nécessaires pour cette commune."),
  referentOnly: () =>
    error(403, 'forbidden', 'Seul le référent de la commune ou la Métropole peut faire cette opération.'),
  adminOnly: () => error(403, 'forbidden', 'Opération réservée aux administrateurs de la Métropole.'),
  publishForbidden: () =>
    error(403, 'forbidden', 'Seul le référent de la commune ou la Métropole peut publier le site.'),
  unknownCommune: () => error(404, 'unknown-commune', 'Commune inconnue.'),
  unknownAgent: () => error(404, 'unknown-agent', 'Agent inconnu dans cette commune.'),
  publishFailed: () =>
    error(
      500,
      'publish-failed',
      "La publication a échoué : le site en ligne n'a pas changé. Réessayez plus tard.",
    ),
  unavailable: () => error(503, 'unavailable', "Cette fonction n'est pas disponible sur ce serveur."),
};

const ROLE_FR: Record<Role, string> = { agent: 'agent', referent: 'référent', relecteur: 'relecteur' };

const ACCOUNT_ERROR_STATUS: Record<string, number> = {
  'agent-exists': 409,
  'unknown-agent': 404,
  'unknown-commune': 404,
  'invalid-email': 400,
  'invalid-role': 400,
  'weak-password': 400,
  'no-role': 404,
};

function accountError(err: unknown): ApiResponse {
  if (err instanceof AccountError) return error(ACCOUNT_ERROR_STATUS[err.code] ?? 400, err.code, err.message);
  if (err instanceof InvitationError) return error(err.status, err.code, err.message);
  throw err;
}

function bearer(authorization: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization?.trim() ?? '');
  return match ? match[1]! : null;
}

/** What one request learned about its caller, for the audit record of a refusal. */
interface RequestContext {
  agentId: string | null;
  insee: string | null;
  /** A valid access token came with the request. */
  authenticated: boolean;
  /** The handler already wrote its own audit record. */
  audited: boolean;
}

// Long by reason: one closure per route family sharing the request context; the route table
// and the authorization policy of issue 12 are what split it.
export function createApi(options: ApiOptions): (request: ApiRequest) => Promise<ApiResponse> {
  const { accounts, admin, audit, publisher, store, logger, metrics } = options;
  const delayScale = (options.loginFailureDelayMs ?? 400) / 400;

  function authenticate(
    request: ApiRequest,
    ctx: RequestContext,
  ): { identity: AgentIdentity; sessionId: string } | { response: ApiResponse } {
    const token = bearer(request.authorization);
    if (!token) return { response: ERRORS.unauthorized() };
    const check = accounts.authenticate(token);
    if (!check.ok) {
      ctx.agentId = check.agentId ?? null;
      return { response: check.reason === 'expired' ? ERRORS.tokenExpired() : ERRORS.unauthorized() };
    }
    ctx.agentId = check.identity.id;
    ctx.authenticated = true;
    return { identity: check.identity, sessionId: check.sessionId };
  }

  async function login(request: ApiRequest, ctx: RequestContext): Promise<ApiResponse> {
    const parsed = LoginBody.safeParse(request.body);
    if (!parsed.success) return invalid(parsed.error.issues);
    const result = await accounts.login(parsed.data.email, parsed.data.password, request.address);
    if (!result.ok && (result.reason === 'address-busy' || result.reason === 'server-busy')) {
      // Answered at once, without the growing delay: nothing was checked.
      ctx.agentId = result.agentId;
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
    if (!result.ok) {
      ctx.agentId = result.agentId;
      ctx.audited = true;
      const retryAfter = {
        'Retry-After': String(Math.max(1, Math.ceil(((result.lockedUntil ?? 0) - Date.now()) / 1000))),
      };
      // The growing delay slows guessing; it is the same for unknown e-mails.
      await new Promise((resolve) => setTimeout(resolve, result.delayMs * delayScale));
      if (result.reason === 'address-throttled') {
        audit.refusal(
          {
            event: 'auth.address_throttled',
            agentId: result.agentId,
            address: request.address,
            outcome: 'too-many-attempts',
            details: { until: result.lockedUntil },
          },
          { authenticated: false, rateLimit: true },
        );
        logger.log('warn', 'auth.address_throttled', { address: request.address });
        return { ...ERRORS.addressThrottled(result.lockedUntil ?? Date.now()), headers: retryAfter };
      }
      if (result.reason === 'locked') {
        audit.refusal(
          {
            event: 'auth.locked',
            agentId: result.agentId,
            address: request.address,
            outcome: 'account-locked',
            details: { until: result.lockedUntil },
          },
          { authenticated: false, rateLimit: true },
        );
        logger.log('warn', 'auth.locked', { agentId: result.agentId });
        return { ...ERRORS.locked(result.lockedUntil ?? Date.now()), headers: retryAfter };
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
    audit.record({
      event: 'auth.login',
      agentId: result.response.agent.id,
      address: request.address,
      outcome: 'ok',
    });
    const body: LoginResponse = result.response;
    return { status: 200, body };
  }

  function refresh(request: ApiRequest, ctx: RequestContext): ApiResponse {
    const parsed = RefreshBody.safeParse(request.body);
    if (!parsed.success) return invalid(parsed.error.issues);
    const result = accounts.refresh(parsed.data.refreshToken);
    if (!result.ok) {
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
    const body: LoginResponse = result.response;
    return { status: 200, body };
  }

  /** Ends the session of the access token, or of the refresh token in the body (queued offline). */
  function logout(request: ApiRequest, ctx: RequestContext): ApiResponse {
    const auth = authenticate(request, ctx);
    let session: { agentId: string; sessionId: string } | null =
      'response' in auth ? null : { agentId: auth.identity.id, sessionId: auth.sessionId };
    if (!session) {
      const parsed = RefreshBody.safeParse(request.body);
      session = parsed.success ? accounts.sessionOfRefreshToken(parsed.data.refreshToken) : null;
      if (!session) return 'response' in auth ? auth.response : ERRORS.unauthorized();
      ctx.agentId = session.agentId;
    }
    accounts.revokeSession(session.sessionId);
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

  /** Who may manage agents of a commune: its référent (agents and relecteurs) or an admin (all). */
  function canManage(identity: AgentIdentity, insee: string, role?: Role, targetRole?: Role): boolean {
    return allows(identity, insee, 'manage-members', { role, currentRole: targetRole });
  }

  /** The members of a commune as its référent sees them: nothing about other communes. */
  function memberSummaries(insee: string): AgentsResponse['agents'] {
    return accounts.listAgents(insee).map((a) => ({
      id: a.id,
      email: a.email,
      displayName: a.displayName,
      disabled: a.disabled,
      role: a.roles.find((r) => r.insee === insee)!.role,
    }));
  }

  async function members(request: ApiRequest, identity: AgentIdentity, insee: string): Promise<ApiResponse> {
    if (request.method === 'GET') {
      if (!canManage(identity, insee)) return ERRORS.referentOnly();
      const invitations = admin
        .communeInvitations(insee)
        .map((i) => ({ email: i.email, role: i.role, invitedAt: i.createdAt }));
      const body: AgentsResponse = { agents: memberSummaries(insee), invitations };
      return { status: 200, body };
    }
    if (request.method !== 'POST') return ERRORS.methodNotAllowed();
    const parsed = AddMemberBody.safeParse(request.body);
    if (!parsed.success) return invalid(parsed.error.issues);
    const { email, role, password, displayName } = parsed.data;
    const existingId = accounts.agentIdByEmail(email);
    const currentRole = existingId ? accounts.roleOf(existingId, insee) : undefined;
    if (!canManage(identity, insee, role, currentRole)) return ERRORS.referentOnly();
    try {
      if (!identity.admin) {
        // A référent invites; only a member of their own commune has its role changed at once.
        if (existingId && currentRole) {
          admin.grantRole(email, insee, role, identity.id);
          const member = memberSummaries(insee).find((a) => a.id === existingId)!;
          return { status: 200, body: { member } };
        }
        await admin.invite({ insee, email, role, password, displayName }, identity.id);
        return { status: 202, body: invitationSent(email, insee, role) };
      }
      if (existingId) {
        const agent = admin.grantRole(email, insee, role, identity.id);
        return { status: 200, body: { agent } };
      }
      if (!password)
        return error(
          400,
          'invalid-request',
          'Requête invalide : mot de passe requis pour un nouveau compte.',
        );
      const agent = await admin.addAgent({ commune: insee, email, password, role, displayName }, identity.id);
      return { status: 201, body: { agent } };
    } catch (err) {
      return accountError(err);
    }
  }

  /** The référent's answer to an invitation: the same whether the address has an account or not. */
  function invitationSent(email: string, insee: string, role: Role): InvitationSentResponse {
    const address = email.trim().toLowerCase();
    return {
      invitation: { email: address, insee, role, status: 'pending' },
      message: `Invitation envoyée à ${address} (rôle : ${ROLE_FR[role]}). Elle apparaîtra à sa prochaine connexion et prendra effet quand elle sera acceptée.`,
    };
  }

  /** GET /api/me/invitations, POST /api/me/invitations/{insee}/accept|decline. */
  function myInvitations(request: ApiRequest, ctx: RequestContext): ApiResponse {
    const auth = authenticate(request, ctx);
    if ('response' in auth) return auth.response;
    const { identity } = auth;
    try {
      if (request.pathname === API_MY_INVITATIONS) {
        if (request.method !== 'GET') return ERRORS.methodNotAllowed();
        const body: MyInvitationsResponse = {
          invitations: admin.invitationsOf(identity.id).map((i) => ({
            insee: i.insee,
            communeName: accounts.commune(i.insee)?.name ?? i.insee,
            role: i.role,
            invitedAt: i.createdAt,
            invitedBy: (i.invitedBy && accounts.identity(i.invitedBy)?.displayName) || null,
          })),
        };
        return { status: 200, body };
      }
      const match = INVITATION_PATH.exec(request.pathname);
      if (!match) return ERRORS.notFound();
      if (request.method !== 'POST') return ERRORS.methodNotAllowed();
      const insee = match[1]!;
      ctx.insee = insee;
      if (match[2] === 'decline') {
        admin.declineInvitation(identity.id, insee);
        return { status: 200, body: { ok: true } };
      }
      const body: MeResponse = admin.acceptInvitation(identity.id, insee);
      return { status: 200, body };
    } catch (err) {
      return accountError(err);
    }
  }

  function member(request: ApiRequest, identity: AgentIdentity, insee: string, agentId: string): ApiResponse {
    const target = accounts.identity(agentId);
    const targetRole = target?.communes.find((c) => c.insee === insee)?.role;
    if (!target || !targetRole)
      return canManage(identity, insee) ? ERRORS.unknownAgent() : ERRORS.referentOnly();
    try {
      if (request.method === 'PUT') {
        const parsed = RoleBody.safeParse(request.body);
        if (!parsed.success) return invalid(parsed.error.issues);
        if (!canManage(identity, insee, parsed.data.role, targetRole)) return ERRORS.referentOnly();
        const agent = admin.grantRole(target.email, insee, parsed.data.role, identity.id);
        return { status: 200, body: { agent } };
      }
      if (request.method === 'DELETE') {
        if (!canManage(identity, insee, undefined, targetRole)) return ERRORS.referentOnly();
        admin.revokeRole(target.email, insee, identity.id);
        return { status: 200, body: { ok: true } };
      }
    } catch (err) {
      return accountError(err);
    }
    return ERRORS.methodNotAllowed();
  }

  async function commune(
    request: ApiRequest,
    ctx: RequestContext,
    insee: string,
    action: string,
    agentId?: string,
  ): Promise<ApiResponse> {
    ctx.insee = insee;
    const auth = authenticate(request, ctx);
    if ('response' in auth) return auth.response;
    const { identity } = auth;
    if (!accounts.commune(insee)) return ERRORS.unknownCommune();
    if (!allows(identity, insee, 'read')) return ERRORS.forbidden();
    if (agentId) return member(request, identity, insee, agentId);
    switch (action) {
      case 'publish': {
        if (request.method !== 'POST') return ERRORS.methodNotAllowed();
        if (!allows(identity, insee, 'publish')) return ERRORS.publishForbidden();
        const started = performance.now();
        try {
          const outcome = await publisher.publish(insee, identity.id, identity.displayName);
          switch (outcome.kind) {
            case 'published': {
              const body: PublishResponse = outcome.response;
              metrics?.observe('usine_publish_seconds', (performance.now() - started) / 1000);
              audit.record({
                event: 'site.published',
                insee,
                agentId: identity.id,
                outcome: 'ok',
                details: { version: body.version, pages: body.pages },
              });
              return { status: 200, body };
            }
            case 'blocked': {
              // An expected answer, not a server failure: 422 with what to fix, page by page.
              ctx.audited = true;
              audit.record({
                event: 'site.published',
                insee,
                agentId: identity.id,
                outcome: 'checks-failed',
                details: { errors: outcome.issues.filter((i) => i.severity === 'error').length },
              });
              const body: PublishBlockedResponse = {
                error: { code: 'checks-failed', message: outcome.message },
                issues: outcome.issues,
              };
              return { status: 422, body };
            }
          }
        } catch (err) {
          logger.log('error', 'site.publish_failed', { insee, error: err });
          metrics?.inc('usine_errors_total', { kind: 'publish' });
          audit.record({ event: 'site.published', insee, agentId: identity.id, outcome: 'failed' });
          if (err instanceof PublishError && err.code === 'unknown-commune') return ERRORS.unknownCommune();
          return ERRORS.publishFailed();
        }
      }
      case 'publication': {
        if (request.method !== 'GET') return ERRORS.methodNotAllowed();
        const body: PublicationResponse = publisher.publication(insee);
        return { status: 200, body };
      }
      case 'docs': {
        if (request.method !== 'GET') return ERRORS.methodNotAllowed();
        const body: DocsResponse = { docs: await store.listRooms(insee) };
        return { status: 200, body };
      }
      case 'agents':
        return members(request, identity, insee);
      case 'audit': {
        if (request.method !== 'GET') return ERRORS.methodNotAllowed();
        if (!canManage(identity, insee)) return ERRORS.referentOnly();
        const entries = audit.list({ insee, limit: 1000 });
        return {
          status: 200,
          body: { entries: identity.admin ? entries : communeAuditView(entries, insee, accounts) },
        };
      }
      case 'export': {
        if (request.method !== 'GET') return ERRORS.methodNotAllowed();
        if (!canManage(identity, insee)) return ERRORS.referentOnly();
        if (!options.exportCommune) return ERRORS.unavailable();
        const exported = await options.exportCommune(insee);
        audit.record({
          event: 'commune.exported',
          insee,
          agentId: identity.id,
          address: request.address,
          outcome: 'ok',
          details: { bytes: exported.bytes },
        });
        const commune = accounts.commune(insee)!;
        return {
          status: 200,
          body: null,
          file: {
            contentType: 'application/zip',
            filename: `usine-a-sites-${commune.insee}${isSiteSlug(commune.slug) ? `-${commune.slug}` : ''}.zip`,
            ...exported,
          },
        };
      }
      default:
        return ERRORS.notFound();
    }
  }

  async function administration(request: ApiRequest, ctx: RequestContext): Promise<ApiResponse> {
    const auth = authenticate(request, ctx);
    if ('response' in auth) return auth.response;
    const { identity } = auth;
    if (!identity.admin) return ERRORS.adminOnly();
    const { pathname, method } = request;
    if (pathname === '/api/admin/communes') {
      if (method !== 'GET') return ERRORS.methodNotAllowed();
      const communes = accounts.listCommunes().map((c) => ({
        ...c,
        referents: accounts
          .listAgents(c.insee)
          .filter((a) => a.roles.some((r) => r.insee === c.insee && r.role === 'referent'))
          .map((a) => ({ id: a.id, email: a.email, displayName: a.displayName })),
      }));
      return { status: 200, body: { communes } };
    }
    if (pathname === '/api/admin/audit') {
      if (method !== 'GET') return ERRORS.methodNotAllowed();
      return { status: 200, body: { entries: audit.list({ limit: 1000 }) } };
    }
    if (pathname === '/api/admin/backups') {
      if (method !== 'POST') return ERRORS.methodNotAllowed();
      if (!options.backupNow) return ERRORS.unavailable();
      const backup = await options.backupNow();
      return { status: 200, body: { backup } };
    }
    const agentMatch = ADMIN_AGENT_PATH.exec(pathname);
    if (agentMatch) {
      if (method !== 'POST') return ERRORS.methodNotAllowed();
      const target = accounts.identity(agentMatch[1]!);
      if (!target) return ERRORS.unknownAgent();
      const action = agentMatch[2]!;
      if (action === 'disable') admin.disableAgent(target.email, identity.id);
      else if (action === 'enable') admin.enableAgent(target.email, identity.id);
      else admin.unlock(target.email, identity.id);
      return { status: 200, body: { ok: true } };
    }
    const dataMatch = ADMIN_COMMUNE_DATA_PATH.exec(pathname);
    if (dataMatch) {
      const insee = dataMatch[1]!;
      ctx.insee = insee;
      if (method !== 'DELETE') return ERRORS.methodNotAllowed();
      if (!accounts.commune(insee)) return ERRORS.unknownCommune();
      const parsed = DeleteDataBody.safeParse(request.body);
      if (!parsed.success || parsed.data.confirm !== insee) {
        return error(
          400,
          'confirmation-required',
          `Confirmation requise : envoyez {"confirm": "${insee}"} pour supprimer les données de la commune.`,
        );
      }
      if (!options.deleteCommuneData) return ERRORS.unavailable();
      const result = await options.deleteCommuneData(insee);
      audit.record({
        event: 'commune.data_deleted',
        insee,
        agentId: identity.id,
        outcome: 'ok',
        details: result,
      });
      return { status: 200, body: { deleted: result } };
    }
    const repairMatch = ADMIN_PAGE_REPAIR_PATH.exec(pathname);
    if (repairMatch) {
      const insee = repairMatch[1]!;
      const pageId = repairMatch[2]!;
      ctx.insee = insee;
      if (method !== 'POST') return ERRORS.methodNotAllowed();
      if (!accounts.commune(insee)) return ERRORS.unknownCommune();
      if (!options.repairPage) return ERRORS.unavailable();
      const result = await options.repairPage(insee, pageId);
      if (!result)
        return error(404, 'unknown-page', `Page inconnue dans la commune ${insee} : « ${pageId} ».`);
      audit.record({
        event: 'page.repaired',
        insee,
        agentId: identity.id,
        address: request.address,
        outcome: 'ok',
        details: { pageId, ...result, via: 'api' },
      });
      return { status: 200, body: { repaired: result } };
    }
    return ERRORS.notFound();
  }

  async function route(request: ApiRequest, ctx: RequestContext): Promise<ApiResponse> {
    const { method, pathname } = request;
    switch (pathname) {
      case API_LOGIN:
        return method === 'POST' ? login(request, ctx) : ERRORS.methodNotAllowed();
      case API_REFRESH:
        return method === 'POST' ? refresh(request, ctx) : ERRORS.methodNotAllowed();
      case API_LOGOUT:
        return method === 'POST' ? logout(request, ctx) : ERRORS.methodNotAllowed();
      case API_ME: {
        if (method !== 'GET') return ERRORS.methodNotAllowed();
        const auth = authenticate(request, ctx);
        if ('response' in auth) return auth.response;
        const body: MeResponse = auth.identity;
        return { status: 200, body };
      }
    }
    if (pathname.startsWith('/api/admin/')) return administration(request, ctx);
    if (pathname === API_MY_INVITATIONS || pathname.startsWith(`${API_MY_INVITATIONS}/`))
      return myInvitations(request, ctx);
    const memberMatch = MEMBER_PATH.exec(pathname);
    if (memberMatch) return commune(request, ctx, memberMatch[1]!, 'agents', memberMatch[2]!);
    const match = COMMUNE_PATH.exec(pathname);
    if (match) return commune(request, ctx, match[1]!, match[2]!);
    return ERRORS.notFound();
  }

  // The refusal itself is counted and audited by the after-hook (refusals.ts).
  return async (request) => {
    const ctx: RequestContext = { agentId: null, insee: null, authenticated: false, audited: false };
    const response = await route(request, ctx);
    if (response.status < 400 || response.status >= 500) return response;
    const { audited, ...caller } = ctx;
    return { ...response, audited, caller };
  };
}
