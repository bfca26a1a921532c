/**
 * Routes of a commune's members and of the invitations (site/apiContract.ts). A référent
 * manages agents and relecteurs and **invites** (the answer is the same whether the address
 * has an account or not); an administrator attaches accounts directly. Who may give which role
 * is the authorization policy's `manage-members` rule.
 */
import { z } from 'zod';
import type {
  AgentIdentity,
  AgentsResponse,
  InvitationSentResponse,
  MeResponse,
  MyInvitationsResponse,
  Role,
} from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import type { Admin } from '../accounts/adminOperations';
import { allows } from '../accounts/authorization';
import { accountError, apiError, ERRORS, invalidBody } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

const Email = z.string().trim().min(3).max(320);
const RoleSchema = z.enum(['agent', 'referent', 'relecteur']);
const AddMemberBody = z.object({
  email: Email,
  role: RoleSchema,
  password: z.string().min(1).max(1024).optional(),
  displayName: z.string().trim().min(1).max(120).optional(),
});
const RoleBody = z.object({ role: RoleSchema });

const ROLE_FR: Record<Role, string> = { agent: 'agent', referent: 'référent', relecteur: 'relecteur' };

/** Who may manage agents of a commune: its référent (agents and relecteurs) or an admin (all). */
function canManage(identity: AgentIdentity, insee: string, role?: Role, targetRole?: Role): boolean {
  return allows(identity, insee, 'manage-members', { role, currentRole: targetRole });
}

/** The référent's answer to an invitation: the same whether the address has an account or not. */
function invitationSent(email: string, insee: string, role: Role): InvitationSentResponse {
  const address = email.trim().toLowerCase();
  return {
    invitation: { email: address, insee, role, status: 'pending' },
    message: `Invitation envoyée à ${address} (rôle : ${ROLE_FR[role]}). Elle apparaîtra à sa prochaine connexion et prendra effet quand elle sera acceptée.`,
  };
}

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function memberRoutes(options: { accounts: Accounts; admin: Admin }) {
  const { accounts, admin } = options;

  /** The members of a commune as its référent sees them: nothing about other communes. */
  async function memberSummaries(insee: string): Promise<AgentsResponse['agents']> {
    return (await accounts.listAgents(insee)).map((a) => ({
      id: a.id,
      email: a.email,
      displayName: a.displayName,
      disabled: a.disabled,
      role: a.roles.find((r) => r.insee === insee)!.role,
    }));
  }

  async function list({ params }: RouteCall): Promise<ApiResponse> {
    const invitations = (await admin.communeInvitations(params.insee!)).map((i) => ({
      email: i.email,
      role: i.role,
      invitedAt: i.createdAt,
    }));
    const body: AgentsResponse = { agents: await memberSummaries(params.insee!), invitations };
    return { status: 200, body };
  }

  async function add({ request, params, caller }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    const { identity } = caller;
    const parsed = AddMemberBody.safeParse(request.body);
    if (!parsed.success) return invalidBody(parsed.error.issues);
    const { email, role, password, displayName } = parsed.data;
    const existingId = await accounts.agentIdByEmail(email);
    const currentRole = existingId ? await accounts.roleOf(existingId, insee) : undefined;
    if (!canManage(identity, insee, role, currentRole)) return ERRORS.referentOnly();
    try {
      if (!identity.admin) {
        // A référent invites; only a member of their own commune has its role changed at once.
        if (existingId && currentRole) {
          await admin.grantRole(email, insee, role, identity.id);
          const member = (await memberSummaries(insee)).find((a) => a.id === existingId)!;
          return { status: 200, body: { member } };
        }
        await admin.invite({ insee, email, role, password, displayName }, identity.id);
        return { status: 202, body: invitationSent(email, insee, role) };
      }
      if (existingId) {
        const agent = await admin.grantRole(email, insee, role, identity.id);
        return { status: 200, body: { agent } };
      }
      if (!password)
        return apiError(
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

  /** The member a route names, or the refusal (unknown to a manager; forbidden to others). */
  async function target(call: RouteCall): Promise<{ email: string; role: Role } | { response: ApiResponse }> {
    const { insee, agentId } = call.params as { insee: string; agentId: string };
    const found = await accounts.identity(agentId);
    const role = found?.communes.find((c) => c.insee === insee)?.role;
    if (found && role) return { email: found.email, role };
    return {
      response: canManage(call.caller.identity, insee) ? ERRORS.unknownAgent() : ERRORS.referentOnly(),
    };
  }

  async function changeRole(call: RouteCall): Promise<ApiResponse> {
    const member = await target(call);
    if ('response' in member) return member.response;
    const { insee } = call.params as { insee: string };
    const parsed = RoleBody.safeParse(call.request.body);
    if (!parsed.success) return invalidBody(parsed.error.issues);
    if (!canManage(call.caller.identity, insee, parsed.data.role, member.role)) return ERRORS.referentOnly();
    try {
      const agent = await admin.grantRole(member.email, insee, parsed.data.role, call.caller.identity.id);
      return { status: 200, body: { agent } };
    } catch (err) {
      return accountError(err);
    }
  }

  async function remove(call: RouteCall): Promise<ApiResponse> {
    const member = await target(call);
    if ('response' in member) return member.response;
    const { insee } = call.params as { insee: string };
    if (!canManage(call.caller.identity, insee, undefined, member.role)) return ERRORS.referentOnly();
    try {
      await admin.revokeRole(member.email, insee, call.caller.identity.id);
      return { status: 200, body: { ok: true } };
    } catch (err) {
      return accountError(err);
    }
  }

  async function myInvitations({ caller }: RouteCall): Promise<ApiResponse> {
    const invitations: MyInvitationsResponse['invitations'] = [];
    for (const i of await admin.invitationsOf(caller.identity.id)) {
      const inviter = i.invitedBy ? await accounts.identity(i.invitedBy) : undefined;
      invitations.push({
        insee: i.insee,
        communeName: accounts.commune(i.insee)?.name ?? i.insee,
        role: i.role,
        invitedAt: i.createdAt,
        invitedBy: inviter?.displayName || null,
      });
    }
    const body: MyInvitationsResponse = { invitations };
    return { status: 200, body };
  }

  async function answerInvitation({ params, caller }: RouteCall): Promise<ApiResponse> {
    const insee = params.insee!;
    try {
      if (params.answer === 'decline') {
        await admin.declineInvitation(caller.identity.id, insee);
        return { status: 200, body: { ok: true } };
      }
      const body: MeResponse = await admin.acceptInvitation(caller.identity.id, insee);
      return { status: 200, body };
    } catch (err) {
      return accountError(err);
    }
  }

  return {
    listMembers: list,
    addMember: add,
    changeMemberRole: changeRole,
    removeMember: remove,
    myInvitations,
    answerInvitation,
  } satisfies Handlers;
}
