/**
 * Routes of publishing beyond « publish » (site/apiContract.ts): the history of publications,
 * rollback to a kept version (422 `acte-online` when it would remove an acte inside its two
 * months), scheduled publications. Every member reads; the référent or the Métropole changes.
 */
import { z } from 'zod';
import type { PublicationsResponse, RollbackResponse, ScheduleResponse } from '../../site/apiContract';
import type { Logger } from '../observability/Logger';
import { PublishError, type Publisher } from '../publishing/Publisher';
import { apiError, ERRORS } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

const RollbackBody = z.object({ version: z.string().min(1).max(80) });
const ScheduleBody = z.object({
  pageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  at: z.number().int().positive(),
});

/** A publishing error as its answer; anything unexpected is logged and answered 500. */
function publishingFailure(err: unknown, logger: Logger, insee: string, route: string): ApiResponse {
  if (err instanceof PublishError && (err.code === 'unknown-version' || err.code === 'unknown-commune'))
    return apiError(404, err.code, err.message);
  // [PUBL-7] the version lacks an acte that must stay online: refused, nothing changed.
  if (err instanceof PublishError && (err.code === 'acte-online' || err.code === 'schedule-in-past'))
    return apiError(422, err.code, err.message);
  logger.log('error', 'site.publishing_route_failed', { insee, route, error: err });
  return ERRORS.internal();
}

export function publishingRoutes(options: { publisher: Publisher; logger: Logger }) {
  const { publisher, logger } = options;

  /** Runs a handler, answering a publishing error as such. */
  const guarded =
    (route: string, handler: (call: RouteCall) => Promise<ApiResponse> | ApiResponse) =>
    async (call: RouteCall): Promise<ApiResponse> => {
      try {
        return await handler(call);
      } catch (err) {
        return publishingFailure(err, logger, call.params.insee!, route);
      }
    };

  const scheduled = async (insee: string): Promise<ApiResponse> => {
    const body: ScheduleResponse = { scheduled: await publisher.listScheduled(insee) };
    return { status: 200, body };
  };

  async function rollback({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const parsed = RollbackBody.safeParse(request.body);
    if (!parsed.success) return apiError(400, 'invalid-request', 'Requête invalide : version attendue.');
    const { identity } = caller;
    const body: RollbackResponse = await publisher.rollback(
      params.insee!,
      parsed.data.version,
      identity.id,
      identity.displayName,
    );
    return { status: 200, body };
  }

  async function schedule({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const parsed = ScheduleBody.safeParse(request.body);
    if (!parsed.success)
      return apiError(400, 'invalid-request', 'Requête invalide : page et date de publication attendues.');
    await publisher.schedule(params.insee!, parsed.data.pageId, parsed.data.at, caller.identity.id);
    return scheduled(params.insee!);
  }

  async function cancelScheduled({ params }: RouteCall): Promise<ApiResponse> {
    if (!(await publisher.cancelScheduled(params.insee!, params.scheduleId!)))
      return apiError(404, 'not-found', 'Cette publication programmée n’existe pas ou a déjà eu lieu.');
    return scheduled(params.insee!);
  }

  return {
    publications: guarded('publications', async ({ params }) => {
      const body: PublicationsResponse = { publications: await publisher.history(params.insee!) };
      return { status: 200, body };
    }),
    rollback: guarded('rollback', rollback),
    listScheduled: ({ params }: RouteCall) => scheduled(params.insee!),
    schedule: guarded('schedule', schedule),
    cancelScheduled: guarded('cancel-scheduled', cancelScheduled),
  } satisfies Handlers;
}
