/**
 * Routes of one commune's site (site/apiContract.ts): its documents' sequence numbers, the
 * whole-site publication and its state, the export of all its data (art. 11 of the agreement)
 * and its audit log as its référent may read it.
 */
import type { PublicationResponse, PublishBlockedResponse, PublishResponse } from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import { communeAuditView, type AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import { PublishError, type Publisher } from '../publishing/Publisher';
import type { DocStore, RoomSeq } from '../storage/DocStore';
import { isSiteSlug } from '../storage/safePaths';
import { ERRORS } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

/** GET /api/communes/{insee}/docs: every doc of the commune with its sequence number. */
export interface DocsResponse {
  docs: RoomSeq[];
}

export interface CommuneRoutesOptions {
  accounts: Accounts;
  audit: AuditLog;
  publisher: Publisher;
  store: DocStore;
  logger: Logger;
  metrics?: Metrics;
  /** Writes the commune's export zip into a temporary file (the caller streams then deletes it). */
  exportCommune?: (insee: string) => Promise<{ tempFile: string; bytes: number }>;
}

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function communeRoutes(options: CommuneRoutesOptions) {
  const { accounts, audit, publisher, store, logger, metrics } = options;

  async function publish({ params, caller, ctx }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    const { identity } = caller;
    const started = performance.now();
    try {
      const outcome = await publisher.publish(insee, identity.id, identity.displayName);
      if (outcome.kind === 'published') {
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
    } catch (err) {
      logger.log('error', 'site.publish_failed', { insee, error: err });
      metrics?.inc('usine_errors_total', { kind: 'publish' });
      audit.record({ event: 'site.published', insee, agentId: identity.id, outcome: 'failed' });
      if (err instanceof PublishError && err.code === 'unknown-commune') return ERRORS.unknownCommune();
      return ERRORS.publishFailed();
    }
  }

  async function exportCommune({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    if (!options.exportCommune) return ERRORS.unavailable();
    const exported = await options.exportCommune(insee);
    audit.record({
      event: 'commune.exported',
      insee,
      agentId: caller.identity.id,
      address: request.address,
      outcome: 'ok',
      details: { bytes: exported.bytes },
    });
    const commune = accounts.commune(insee)!;
    const slug = isSiteSlug(commune.slug) ? `-${commune.slug}` : '';
    return {
      status: 200,
      body: null,
      file: {
        contentType: 'application/zip',
        filename: `usine-a-sites-${commune.insee}${slug}.zip`,
        ...exported,
      },
    };
  }

  async function communeAudit({ params, caller }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    const entries = await audit.list({ insee, limit: 1000 });
    const visible = caller.identity.admin ? entries : await communeAuditView(entries, insee, accounts);
    return { status: 200, body: { entries: visible } };
  }

  return {
    docs: async ({ params }: RouteCall): Promise<ApiResponse> => {
      const body: DocsResponse = { docs: await store.listRooms(params.insee!) };
      return { status: 200, body };
    },
    publish,
    publication: async ({ params }: RouteCall): Promise<ApiResponse> => {
      const body: PublicationResponse = await publisher.publication(params.insee!);
      return { status: 200, body };
    },
    exportCommune,
    communeAudit,
  } satisfies Handlers;
}
