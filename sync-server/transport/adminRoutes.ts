/**
 * The Métropole's administration routes (site/apiContract.ts `admin*`), for administrators
 * only: the communes and their référents, the whole audit log, a backup now, an account's
 * disabling, enabling or unlocking, a commune's data deleted at the end of its agreement, a
 * page nested deeper than its schema trimmed.
 */
import { z } from 'zod';
import type { Accounts } from '../accounts/Accounts';
import type { Admin } from '../accounts/adminOperations';
import type { AuditLog } from '../observability/AuditLog';
import { apiError, ERRORS } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

export interface AdminRoutesOptions {
  accounts: Accounts;
  admin: Admin;
  audit: AuditLog;
  /** Deletes a commune's data at the end of its agreement. */
  deleteCommuneData?: (insee: string) => Promise<Record<string, unknown>>;
  /** Trims a page nested deeper than its schema (pageRepair.ts); null when the page is unknown. */
  repairPage?: (insee: string, pageId: string) => Promise<Record<string, unknown> | null>;
  /** Takes a backup now. */
  backupNow?: () => Promise<{ file: string; bytes: number }>;
}

const DeleteDataBody = z.object({ confirm: z.string() });

export function adminRoutes(options: AdminRoutesOptions) {
  const { accounts, admin, audit } = options;

  function communes(): ApiResponse {
    const list = accounts.listCommunes().map((c) => ({
      ...c,
      referents: accounts
        .listAgents(c.insee)
        .filter((a) => a.roles.some((r) => r.insee === c.insee && r.role === 'referent'))
        .map((a) => ({ id: a.id, email: a.email, displayName: a.displayName })),
    }));
    return { status: 200, body: { communes: list } };
  }

  function agentAction({ params, caller }: RouteCall): ApiResponse {
    const target = accounts.identity(params.agentId!);
    if (!target) return ERRORS.unknownAgent();
    const by = caller.identity.id;
    if (params.agentAction === 'disable') admin.disableAgent(target.email, by);
    else if (params.agentAction === 'enable') admin.enableAgent(target.email, by);
    else admin.unlock(target.email, by);
    return { status: 200, body: { ok: true } };
  }

  async function deleteCommuneData({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    const parsed = DeleteDataBody.safeParse(request.body);
    if (!parsed.success || parsed.data.confirm !== insee) {
      return apiError(
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
      agentId: caller.identity.id,
      outcome: 'ok',
      details: result,
    });
    return { status: 200, body: { deleted: result } };
  }

  async function repairPage({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const { insee, pageId } = params as { insee: string; pageId: string };
    if (!options.repairPage) return ERRORS.unavailable();
    const result = await options.repairPage(insee, pageId);
    if (!result)
      return apiError(404, 'unknown-page', `Page inconnue dans la commune ${insee} : « ${pageId} ».`);
    audit.record({
      event: 'page.repaired',
      insee,
      agentId: caller.identity.id,
      address: request.address,
      outcome: 'ok',
      details: { pageId, ...result, via: 'api' },
    });
    return { status: 200, body: { repaired: result } };
  }

  return {
    adminCommunes: communes,
    adminAudit: (): ApiResponse => ({ status: 200, body: { entries: audit.list({ limit: 1000 }) } }),
    adminBackup: async (): Promise<ApiResponse> => {
      if (!options.backupNow) return ERRORS.unavailable();
      return { status: 200, body: { backup: await options.backupNow() } };
    },
    adminAgentAction: agentAction,
    adminDeleteCommuneData: deleteCommuneData,
    adminRepairPage: repairPage,
  } satisfies Handlers;
}
