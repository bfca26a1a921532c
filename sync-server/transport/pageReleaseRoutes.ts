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
import type { PageStatusResponse, PublishBlockedResponse, PublishResponse } from '../../site/apiContract';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import { PublishError, type Publisher } from '../publishing/Publisher';
import { apiError, ERRORS } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

export interface PageReleaseRoutesOptions {
  publisher: Publisher;
  audit: AuditLog;
  logger: Logger;
}

/** Publications of one commune waiting or under way beyond which a new one is refused. */
export const MAX_QUEUED = 4;

function busy(): ApiResponse {
  return {
    ...apiError(
      429,
      'too-many-requests',
      'Une publication est déjà en cours pour cette commune : réessayez dans quelques secondes.',
    ),
    headers: { 'Retry-After': '5' },
  };
}

/** A failed release or withdrawal as its answer: the site online has not changed. */
function releaseFailure(err: unknown, logger: Logger, insee: string): ApiResponse {
  if (!(err instanceof PublishError)) {
    logger.log('error', 'site.page_release_failed', { insee, error: err });
    return ERRORS.internal();
  }
  const code = err.code;
  if (code === 'unknown-page' || code === 'unknown-commune') return apiError(404, code, err.message);
  if (code === 'not-online') return apiError(409, code, err.message);
  if (code === 'acte-online') return apiError(422, code, err.message);
  return apiError(500, 'publish-failed', 'La publication a échoué ; le site en ligne n’a pas changé.');
}

export function pageReleaseRoutes(options: PageReleaseRoutesOptions) {
  const { publisher, audit, logger } = options;

  async function statuses({ params }: RouteCall): Promise<ApiResponse> {
    if (publisher.queued(params.insee!) >= MAX_QUEUED) return busy();
    const body: PageStatusResponse = { pages: await publisher.pageStatuses(params.insee!) };
    return { status: 200, body };
  }

  async function change(call: RouteCall, action: 'release' | 'withdraw'): Promise<ApiResponse> {
    const { insee, pageId } = call.params as { insee: string; pageId: string };
    const { identity } = call.caller;
    if (publisher.queued(insee) >= MAX_QUEUED) return busy();
    const event = action === 'release' ? 'page.released' : 'page.withdrawn';
    let outcome;
    try {
      outcome = await publisher.publish(
        insee,
        identity.id,
        identity.displayName,
        action === 'release' ? { kind: 'page', pageId } : { kind: 'withdraw', pageId },
      );
    } catch (err) {
      return releaseFailure(err, logger, insee);
    }
    if (outcome.kind === 'blocked') {
      // A 4xx is counted and audited by the after-hook (refusals.ts), unless audited here.
      call.ctx.audited = true;
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

  return {
    pageStatuses: async (call: RouteCall): Promise<ApiResponse> => {
      try {
        return await statuses(call);
      } catch (err) {
        return releaseFailure(err, logger, call.params.insee!);
      }
    },
    releasePage: (call: RouteCall) => change(call, 'release'),
    withdrawPage: (call: RouteCall) => change(call, 'withdraw'),
  } satisfies Handlers;
}
