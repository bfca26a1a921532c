/**
 * HTTP routes of the per-page publishing model ([PUBL-9], site/apiContract.ts):
 *
 *   GET  /api/communes/{insee}/pages/status             every member: each page online or not,
 *                                                        changed since, scheduled
 *   POST /api/communes/{insee}/pages/{pageId}/release   « Mettre en ligne » (référent, Métropole)
 *   POST /api/communes/{insee}/pages/{pageId}/withdraw  « Retirer du site » (référent, Métropole);
 *                                                        422 `acte-online` inside its two months
 *
 * A commune's publications run one at a time; beyond MAX_QUEUED waiting, a request is refused
 * at once (429) rather than queued. Every outcome is audited (`page.released`,
 * `page.withdrawn`; refusals `api.refused`).
 */
import type {
  ApiError,
  PageStatusResponse,
  PublishBlockedResponse,
  PublishResponse,
} from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import type { ApiRequest, ApiResponse } from './api';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import { PublishError, type Publisher } from '../publishing/Publisher';
import { authorizeMember } from './publishingApi';

export interface PageReleaseRoutesOptions {
  accounts: Accounts;
  publisher: Publisher;
  audit: AuditLog;
  logger: Logger;
}

/** Publications of one commune waiting or under way beyond which a new one is refused. */
export const MAX_QUEUED = 4;

const STATUS_ROUTE = /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/pages\/status$/;
const PAGE_ROUTE =
  /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/pages\/([A-Za-z0-9_-]{1,64})\/(release|withdraw)$/;

function error(status: number, code: string, message: string): ApiResponse {
  const body: ApiError = { error: { code, message } };
  return { status, body };
}

export function withPageReleaseRoutes(
  inner: (request: ApiRequest) => Promise<ApiResponse>,
  options: PageReleaseRoutesOptions,
): (request: ApiRequest) => Promise<ApiResponse> {
  const { accounts, publisher, audit, logger } = options;

  async function status(request: ApiRequest, insee: string): Promise<ApiResponse> {
    if (request.method !== 'GET')
      return error(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.');
    const auth = authorizeMember(accounts, request, insee);
    if ('response' in auth) return auth.response;
    if (publisher.queued(insee) >= MAX_QUEUED) return busy();
    const body: PageStatusResponse = { pages: await publisher.pageStatuses(insee) };
    return { status: 200, body };
  }

  function busy(): ApiResponse {
    return {
      ...error(
        429,
        'too-many-requests',
        'Une publication est déjà en cours pour cette commune : réessayez dans quelques secondes.',
      ),
      headers: { 'Retry-After': '5' },
    };
  }

  async function change(
    request: ApiRequest,
    insee: string,
    pageId: string,
    action: 'release' | 'withdraw',
    ctx: { audited: boolean },
  ): Promise<ApiResponse> {
    if (request.method !== 'POST')
      return error(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.');
    const auth = authorizeMember(accounts, request, insee);
    if ('response' in auth) return auth.response;
    const { identity, canPublish } = auth;
    if (!canPublish)
      return error(
        403,
        'forbidden',
        'Seul le référent de la commune ou la Métropole peut mettre une page en ligne ou la retirer du site.',
      );
    if (publisher.queued(insee) >= MAX_QUEUED) return busy();
    const event = action === 'release' ? 'page.released' : 'page.withdrawn';
    const outcome = await publisher.publish(
      insee,
      identity.id,
      identity.displayName,
      action === 'release' ? { kind: 'page', pageId } : { kind: 'withdraw', pageId },
    );
    if (outcome.kind === 'blocked') {
      ctx.audited = true;
      audit.record({
        event,
        insee,
        agentId: identity.id,
        outcome: 'checks-failed',
        details: { pageId, errors: outcome.issues.filter((i) => i.severity === 'error').length },
      });
      const body: PublishBlockedResponse = {
        error: { code: 'checks-failed', message: outcome.message },
        issues: outcome.issues,
      };
      return { status: 422, body };
    }
    const body: PublishResponse = outcome.response;
    audit.record({
      event,
      insee,
      agentId: identity.id,
      outcome: 'ok',
      details: { pageId, version: body.version },
    });
    return { status: 200, body };
  }

  return async (request) => {
    const statusMatch = STATUS_ROUTE.exec(request.pathname);
    const pageMatch = statusMatch ? null : PAGE_ROUTE.exec(request.pathname);
    if (!statusMatch && !pageMatch) return inner(request);
    const insee = (statusMatch ?? pageMatch)![1]!;
    let response: ApiResponse;
    const ctx = { audited: false };
    try {
      response = statusMatch
        ? await status(request, insee)
        : await change(request, insee, pageMatch![2]!, pageMatch![3] as 'release' | 'withdraw', ctx);
    } catch (err) {
      if (err instanceof PublishError) {
        const code = err.code;
        response =
          code === 'unknown-page' || code === 'unknown-commune'
            ? error(404, code, err.message)
            : code === 'not-online'
              ? error(409, code, err.message)
              : code === 'acte-online'
                ? error(422, code, err.message)
                : error(500, 'publish-failed', 'La publication a échoué ; le site en ligne n’a pas changé.');
      } else {
        logger.log('error', 'site.page_release_failed', { insee, error: err });
        response = error(500, 'internal', 'Erreur interne du serveur.');
      }
    }
    // A 4xx is counted and audited by the after-hook (refusals.ts), unless audited here.
    return ctx.audited ? { ...response, audited: true } : response;
  };
}
