/**
 * HTTP routes of publishing beyond « publish » (site/apiContract.ts): the history of
 * publications, rollback to a kept version (422 `acte-online` when it would remove an acte
 * inside its two months), scheduled publications. Wraps the JSON API of api.ts: requests it does not own
 * go through unchanged.
 *
 *   GET  /api/communes/{insee}/publications          history (every member of the commune)
 *   POST /api/communes/{insee}/rollback {version}    référent or Métropole
 *   GET  /api/communes/{insee}/schedule              every member
 *   POST /api/communes/{insee}/schedule {pageId, at} référent or Métropole
 *   POST /api/communes/{insee}/schedule/{id}/cancel  référent or Métropole
 */
import { z } from 'zod';
import type {
  AgentIdentity,
  ApiError,
  PublicationsResponse,
  RollbackResponse,
  ScheduleResponse,
} from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import type { ApiRequest, ApiResponse } from './api';
import type { DocStore } from '../storage/DocStore';
import type { Logger } from '../observability/Logger';
import { PublishError, type Publisher, type PublisherOptions } from '../publishing/Publisher';
import type { RoomManager } from '../sync/RoomManager';
import { allows } from '../accounts/authorization';

export interface PublishingRoutesOptions {
  accounts: Accounts;
  publisher: Publisher;
  logger: Logger;
}

const ROUTE =
  /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/(publications|rollback|schedule|publish)(?:\/([A-Za-z0-9_-]{1,40})\/cancel)?$/;

const RollbackBody = z.object({ version: z.string().min(1).max(80) });
const ScheduleBody = z.object({
  pageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  at: z.number().int().positive(),
});

function error(status: number, code: string, message: string): ApiResponse {
  const body: ApiError = { error: { code, message } };
  return { status, body };
}

const FORBIDDEN_WRITE = () =>
  error(
    403,
    'forbidden',
    'Seul le référent de la commune ou la Métropole peut modifier la publication du site.',
  );

/**
 * The caller of a commune route: a member of the commune (any role) or the Métropole; the
 * answer to send otherwise (401, 403, 404). Shared by the publishing and page-history routes.
 */
export function authorizeMember(
  accounts: Accounts,
  request: ApiRequest,
  insee: string,
): { identity: AgentIdentity; canPublish: boolean } | { response: ApiResponse } {
  const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(request.authorization?.trim() ?? '');
  if (!match) return { response: error(401, 'unauthorized', 'Connexion requise.') };
  const check = accounts.authenticate(match[1]!);
  if (!check.ok)
    return {
      response:
        check.reason === 'expired'
          ? error(401, 'token-expired', 'Votre session a expiré : reconnexion nécessaire.')
          : error(401, 'unauthorized', 'Connexion requise.'),
    };
  const { identity } = check;
  if (!accounts.commune(insee)) return { response: error(404, 'unknown-commune', 'Commune inconnue.') };
  if (!allows(identity, insee, 'read'))
    return {
      response: error(403, 'forbidden', "Vous n'avez pas les droits nécessaires pour cette commune."),
    };
  return { identity, canPublish: allows(identity, insee, 'publish') };
}

export function withPublishingRoutes(
  inner: (request: ApiRequest) => Promise<ApiResponse>,
  options: PublishingRoutesOptions,
): (request: ApiRequest) => Promise<ApiResponse> {
  const { accounts, publisher, logger } = options;

  return async (request) => {
    const match = ROUTE.exec(request.pathname);
    if (!match) return inner(request);
    const [, insee, action, scheduleId] = match as unknown as [string, string, string, string | undefined];

    // api.ts answers « publish » itself, a refusal by the checks included (422).
    if (action === 'publish') return inner(request);

    const auth = authorizeMember(accounts, request, insee);
    if ('response' in auth) return auth.response;
    const { identity, canPublish } = auth;
    try {
      switch (action) {
        case 'publications': {
          if (request.method !== 'GET' || scheduleId) return inner(request);
          const body: PublicationsResponse = { publications: await publisher.history(insee) };
          return { status: 200, body };
        }
        case 'rollback': {
          if (request.method !== 'POST' || scheduleId) return inner(request);
          if (!canPublish) return FORBIDDEN_WRITE();
          const parsed = RollbackBody.safeParse(request.body);
          if (!parsed.success) return error(400, 'invalid-request', 'Requête invalide : version attendue.');
          const body: RollbackResponse = await publisher.rollback(
            insee,
            parsed.data.version,
            identity.id,
            identity.displayName,
          );
          return { status: 200, body };
        }
        case 'schedule': {
          if (scheduleId) {
            if (request.method !== 'POST') return inner(request);
            if (!canPublish) return FORBIDDEN_WRITE();
            if (!publisher.cancelScheduled(insee, scheduleId))
              return error(404, 'not-found', 'Cette publication programmée n’existe pas ou a déjà eu lieu.');
          } else if (request.method === 'POST') {
            if (!canPublish) return FORBIDDEN_WRITE();
            const parsed = ScheduleBody.safeParse(request.body);
            if (!parsed.success)
              return error(
                400,
                'invalid-request',
                'Requête invalide : page et date de publication attendues.',
              );
            publisher.schedule(insee, parsed.data.pageId, parsed.data.at, identity.id);
          } else if (request.method !== 'GET') return inner(request);
          const body: ScheduleResponse = { scheduled: publisher.listScheduled(insee) };
          return { status: 200, body };
        }
        default:
          return inner(request);
      }
    } catch (err) {
      if (err instanceof PublishError && (err.code === 'unknown-version' || err.code === 'unknown-commune'))
        return error(404, err.code, err.message);
      // [PUBL-7] the version lacks an acte that must stay online: refused, nothing changed.
      if (err instanceof PublishError && (err.code === 'acte-online' || err.code === 'schedule-in-past'))
        return error(422, err.code, err.message);
      logger.log('error', 'site.publishing_route_failed', { insee, action, error: err });
      return error(500, 'internal', 'Erreur interne du serveur.');
    }
  };
}

/**
 * What the Publisher needs from the server's rooms and store: sequence numbers of the docs
 * (incremental republish) and writing the live manifest (scheduled publication).
 */
export function publishingHooks(deps: {
  rooms: Pick<RoomManager, 'open'>;
  store: Pick<DocStore, 'listRooms'>;
}): Pick<PublisherOptions, 'listRoomSeqs' | 'writeDoc'> {
  return {
    listRoomSeqs: (insee) => deps.store.listRooms(insee),
    writeDoc: async (name, change) => {
      const room = await deps.rooms.open(name);
      try {
        change(room.doc);
        await room.whenFlushed();
      } finally {
        room.releaseLease();
      }
    },
  };
}
