/**
 * The JSON API's refusals, in French: `{ error: { code, message } }` with their status. Shared
 * by every route module, so that one situation always reads the same.
 */
import type { z } from 'zod';
import type { ApiError } from '../../site/apiContract';
import { AccountError } from '../accounts/Accounts';
import { InvitationError } from '../accounts/adminOperations';
import type { ApiResponse } from './routeTypes';

export function apiError(status: number, code: string, message: string): ApiResponse {
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

/** A body that zod refused: names the first field at fault, in French. */
export function invalidBody(issues: z.core.$ZodIssue[]): ApiResponse {
  const field = String(issues[0]?.path[0] ?? '');
  const name = FIELD_NAMES_FR[field];
  return apiError(
    400,
    'invalid-request',
    name ? `Requête invalide : champ « ${name} » absent ou incorrect.` : 'Requête invalide.',
  );
}

const parisTime = (at: number) =>
  new Date(at).toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });

export const ERRORS = {
  notFound: () => apiError(404, 'not-found', 'Adresse inconnue.'),
  methodNotAllowed: () => apiError(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.'),
  invalidCredentials: () => apiError(401, 'invalid-credentials', 'Adresse e-mail ou mot de passe incorrect.'),
  locked: (until: number) =>
    apiError(
      429,
      'account-locked',
      `Trop de tentatives de connexion : compte bloqué jusqu'à ${parisTime(until)}.`,
    ),
  addressThrottled: (until: number) =>
    apiError(
      429,
      'too-many-attempts',
      `Trop de tentatives de connexion depuis cette adresse réseau : réessayez après ${parisTime(until)}.`,
    ),
  /** Too many logins being checked at once: refused before any hashing, retry soon. */
  addressBusy: () =>
    apiError(
      429,
      'too-many-logins',
      'Trop de connexions simultanées depuis cette adresse réseau : réessayez dans quelques secondes.',
    ),
  serverBusy: () =>
    apiError(
      503,
      'server-busy',
      'Le serveur traite trop de connexions en ce moment : réessayez dans quelques secondes.',
    ),
  invalidRefresh: () =>
    apiError(401, 'invalid-refresh-token', 'Votre session a expiré : veuillez vous reconnecter.'),
  unauthorized: () => apiError(401, 'unauthorized', 'Connexion requise.'),
  tokenExpired: () => apiError(401, 'token-expired', 'Votre session a expiré : reconnexion nécessaire.'),
  forbidden: () => apiError(403, 'forbidden', "Vous n'avez pas les droits nécessaires pour cette commune."),
  referentOnly: () =>
    apiError(403, 'forbidden', 'Seul le référent de la commune ou la Métropole peut faire cette opération.'),
  adminOnly: () => apiError(403, 'forbidden', 'Opération réservée aux administrateurs de la Métropole.'),
  publishForbidden: () =>
    apiError(403, 'forbidden', 'Seul le référent de la commune ou la Métropole peut publier le site.'),
  publicationChangeForbidden: () =>
    apiError(
      403,
      'forbidden',
      'Seul le référent de la commune ou la Métropole peut modifier la publication du site.',
    ),
  pageReleaseForbidden: () =>
    apiError(
      403,
      'forbidden',
      'Seul le référent de la commune ou la Métropole peut mettre une page en ligne ou la retirer du site.',
    ),
  unknownCommune: () => apiError(404, 'unknown-commune', 'Commune inconnue.'),
  unknownAgent: () => apiError(404, 'unknown-agent', 'Agent inconnu dans cette commune.'),
  publishFailed: () =>
    apiError(
      500,
      'publish-failed',
      "La publication a échoué : le site en ligne n'a pas changé. Réessayez plus tard.",
    ),
  internal: () => apiError(500, 'internal', 'Erreur interne du serveur.'),
  unavailable: () => apiError(503, 'unavailable', "Cette fonction n'est pas disponible sur ce serveur."),
  tooLarge: () => apiError(413, 'too-large', 'Requête trop volumineuse.'),
  invalidJson: () => apiError(400, 'invalid-json', 'Requête invalide (JSON attendu).'),
};

const ACCOUNT_ERROR_STATUS: Record<string, number> = {
  'agent-exists': 409,
  'unknown-agent': 404,
  'unknown-commune': 404,
  'invalid-email': 400,
  'invalid-role': 400,
  'weak-password': 400,
  'no-role': 404,
};

/** The answer to an account or invitation error; anything else is thrown again. */
export function accountError(err: unknown): ApiResponse {
  if (err instanceof AccountError)
    return apiError(ACCOUNT_ERROR_STATUS[err.code] ?? 400, err.code, err.message);
  if (err instanceof InvitationError) return apiError(err.status, err.code, err.message);
  throw err;
}

/** The access token of an `Authorization: Bearer …` header, or null. */
export function bearer(authorization: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization?.trim() ?? '');
  return match ? match[1]! : null;
}
