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

  async function communes(): Promise<ApiResponse> {
    // One read of the agents for every commune (sorted by e-mail, as per commune).
    const agents = await accounts.listAgents();
    const list = accounts.listCommunes().map((c) => ({
      ...c,
      referents: agents
        .filter((a) => a.roles.some((r) => r.insee === c.insee && r.role === 'referent'))
        .map((a) => ({ id: a.id, email: a.email, displayName: a.displayName })),
    }));
    return { status: 200, body: { communes: list } };
  }

  async function agentAction({ params, caller }: RouteCall): Promise<ApiResponse> {
    const target = await accounts.identity(params.agentId!);
    if (!target) return ERRORS.unknownAgent();
    const by = caller.identity.id;
    if (params.agentAction === 'disable') await admin.disableAgent(target.email, by);
    else if (params.agentAction === 'enable') await admin.enableAgent(target.email, by);
    else await admin.unlock(target.email, by);
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
    adminAudit: async (): Promise<ApiResponse> => ({
      status: 200,
      body: { entries: await audit.list({ limit: 1000 }) },
    }),
    adminBackup: async (): Promise<ApiResponse> => {
      if (!options.backupNow) return ERRORS.unavailable();
      return { status: 200, body: { backup: await options.backupNow() } };
    },
    adminAgentAction: agentAction,
    adminDeleteCommuneData: deleteCommuneData,
    adminRepairPage: repairPage,
  } satisfies Handlers;
}
