/**
 * The JSON HTTP API of site/apiContract.ts, transport-free: server.ts hands in the method,
 * path, Authorization header and parsed body, and writes back status + JSON. Request bodies
 * are validated with zod; errors are `{ error: { code, message } }` with a French message.
 */
import { z } from 'zod';
import {
  API_LOGIN,
  API_ME,
  API_REFRESH,
  type AgentIdentity,
  type ApiError,
  type LoginResponse,
  type MeResponse,
  type PublicationResponse,
  type PublishResponse,
} from '../site/apiContract';
import type { Accounts } from './Accounts';
import type { DocStore, RoomSeq } from './DocStore';
import type { Logger } from './Logger';
import { PublishError, type Publisher } from './Publisher';

export interface ApiRequest {
  method: string;
  pathname: string;
  authorization: string | undefined;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** GET /api/communes/{insee}/docs: every doc of the commune with its sequence number. */
export const apiDocsPath = (insee: string) => `/api/communes/${insee}/docs`;
export interface DocsResponse {
  docs: RoomSeq[];
}

export interface ApiOptions {
  accounts: Accounts;
  publisher: Publisher;
  store: DocStore;
  logger: Logger;
  /** Constant delay added to every failed login (slows guessing, hides which step failed). */
  loginFailureDelayMs?: number;
}

const LoginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

const COMMUNE_PATH = /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/(publish|publication|docs)$/;

function error(status: number, code: string, message: string): ApiResponse {
  const body: ApiError = { error: { code, message } };
  return { status, body };
}

const ERRORS = {
  notFound: () => error(404, 'not-found', 'Adresse inconnue.'),
  methodNotAllowed: () => error(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.'),
  invalidRequest: () => error(400, 'invalid-request', 'Requête invalide.'),
  invalidCredentials: () => error(401, 'invalid-credentials', 'Adresse e-mail ou mot de passe incorrect.'),
  invalidRefresh: () =>
    error(401, 'invalid-refresh-token', 'Votre session a expiré : veuillez vous reconnecter.'),
  unauthorized: () => error(401, 'unauthorized', 'Connexion requise.'),
  tokenExpired: () => error(401, 'token-expired', 'Votre session a expiré : reconnexion nécessaire.'),
  forbidden: () => error(403, 'forbidden', "Vous n'avez pas les droits nécessaires pour cette commune."),
  publishForbidden: () =>
    error(403, 'forbidden', 'Seul le référent de la commune ou la Métropole peut publier le site.'),
  unknownCommune: () => error(404, 'unknown-commune', 'Commune inconnue.'),
  publishFailed: () =>
    error(
      500,
      'publish-failed',
      "La publication a échoué : le site en ligne n'a pas changé. Réessayez plus tard.",
    ),
};

function bearer(authorization: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization?.trim() ?? '');
  return match ? match[1]! : null;
}

export function createApi(options: ApiOptions): (request: ApiRequest) => Promise<ApiResponse> {
  const { accounts, publisher, store, logger } = options;
  const loginFailureDelayMs = options.loginFailureDelayMs ?? 400;

  function authenticate(request: ApiRequest): { identity: AgentIdentity } | { response: ApiResponse } {
    const token = bearer(request.authorization);
    if (!token) return { response: ERRORS.unauthorized() };
    const check = accounts.authenticate(token);
    if (!check.ok)
      return { response: check.reason === 'expired' ? ERRORS.tokenExpired() : ERRORS.unauthorized() };
    return { identity: check.identity };
  }

  async function login(request: ApiRequest): Promise<ApiResponse> {
    const parsed = LoginBody.safeParse(request.body);
    if (!parsed.success) return ERRORS.invalidRequest();
    const result = await accounts.login(parsed.data.email, parsed.data.password);
    if (!result) {
      await new Promise((resolve) => setTimeout(resolve, loginFailureDelayMs));
      logger.log('info', 'auth.login_failed');
      return ERRORS.invalidCredentials();
    }
    const body: LoginResponse = result;
    return { status: 200, body };
  }

  function refresh(request: ApiRequest): ApiResponse {
    const parsed = RefreshBody.safeParse(request.body);
    if (!parsed.success) return ERRORS.invalidRequest();
    const result = accounts.refresh(parsed.data.refreshToken);
    if (!result) return ERRORS.invalidRefresh();
    const body: LoginResponse = result;
    return { status: 200, body };
  }

  async function commune(request: ApiRequest, insee: string, action: string): Promise<ApiResponse> {
    const auth = authenticate(request);
    if ('response' in auth) return auth.response;
    const { identity } = auth;
    if (!accounts.commune(insee)) return ERRORS.unknownCommune();
    const role = identity.communes.find((c) => c.insee === insee)?.role;
    if (!identity.admin && !role) return ERRORS.forbidden();
    switch (action) {
      case 'publish': {
        if (request.method !== 'POST') return ERRORS.methodNotAllowed();
        if (!identity.admin && role !== 'referent') return ERRORS.publishForbidden();
        try {
          const body: PublishResponse = await publisher.publish(insee, identity.id);
          return { status: 200, body };
        } catch (err) {
          logger.log('error', 'site.publish_failed', { insee, error: err });
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
      default:
        return ERRORS.notFound();
    }
  }

  return async (request) => {
    const { method, pathname } = request;
    switch (pathname) {
      case API_LOGIN:
        return method === 'POST' ? login(request) : ERRORS.methodNotAllowed();
      case API_REFRESH:
        return method === 'POST' ? refresh(request) : ERRORS.methodNotAllowed();
      case API_ME: {
        if (method !== 'GET') return ERRORS.methodNotAllowed();
        const auth = authenticate(request);
        if ('response' in auth) return auth.response;
        const body: MeResponse = auth.identity;
        return { status: 200, body };
      }
    }
    const match = COMMUNE_PATH.exec(pathname);
    if (match) return commune(request, match[1]!, match[2]!);
    return ERRORS.notFound();
  };
}
