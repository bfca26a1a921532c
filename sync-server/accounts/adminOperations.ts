/**
 * Administration operations shared by the CLI (admin.ts), the JSON API (api.ts) and the running
 * server (RunningServer.admin): accounts and roles. Every change is written to the audit log;
 * on a running server, hooks close the live sockets an agent no longer has the right to keep.
 * Errors are AccountError with French messages.
 */
import type { AgentIdentity, Role } from '../../site/apiContract';
import {
  AccountError,
  normalizeEmail,
  type Accounts,
  type AddAgentInput,
  type AgentSummary,
} from './Accounts';
import type { AuditLog } from '../observability/AuditLog';
import type { Commune } from './communes';
import type { Invitation, Invitations } from './Invitations';
import { passwordProblem } from './passwordPolicy';
import { hashPassword } from './passwords';
import { allows } from './authorization';

export interface InviteInput {
  insee: string;
  email: string;
  role: Role;
  /** For an address without an account: the account is created with it (and no role yet). */
  password?: string;
  displayName?: string;
}

/** A refused invitation operation; `message` is French. */
export class InvitationError extends Error {
  readonly code: 'no-invitation' | 'too-many-invitations' | 'unavailable';
  readonly status: number;
  constructor(code: InvitationError['code'], status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface Admin {
  addAgent(input: AddAgentInput, by?: string | null): Promise<AgentIdentity>;
  grantRole(email: string, insee: string, role: Role, by?: string | null): Promise<AgentIdentity>;
  /** Removes the agent's role in one commune; its sockets on that commune's rooms close. */
  revokeRole(email: string, insee: string, by?: string | null): Promise<void>;
  setAdmin(email: string, admin: boolean, by?: string | null): Promise<AgentIdentity>;
  /** Disables an account: its tokens are revoked and, on a running server, its sockets closed. */
  disableAgent(email: string, by?: string | null): Promise<void>;
  enableAgent(email: string, by?: string | null): Promise<void>;
  setPassword(email: string, password: string, by?: string | null): Promise<void>;
  /** Lifts a temporary lock after failed logins, from every address. */
  unlock(email: string, by?: string | null): Promise<void>;
  /** Lifts the failed-login budget and locks of one client address. */
  unlockAddress(address: string, by?: string | null): Promise<void>;
  listAgents(insee?: string): Promise<AgentSummary[]>;
  listCommunes(): Commune[];
  /**
   * A référent invites an e-mail address into their commune (issue #9, finding 7). Whether the
   * address has an account or not, the outcome seen by the référent is the same: a pending
   * invitation. An unknown address given a password gets an account without any role; a
   * password for a known address is hashed and dropped (same time, nothing changed).
   */
  invite(input: InviteInput, by: string): Promise<void>;
  /** Pending invitations of an account (by its e-mail). */
  invitationsOf(agentId: string): Promise<Invitation[]>;
  /** Pending invitations of a commune (what its référent typed). */
  communeInvitations(insee: string): Promise<Invitation[]>;
  /** The account accepts: it gains the role, if whoever invited may still give it. */
  acceptInvitation(agentId: string, insee: string): Promise<AgentIdentity>;
  declineInvitation(agentId: string, insee: string): Promise<void>;
}

export interface AdminHooks {
  /** The agent lost every right (disabled): close all its sockets. */
  onAgentDisabled?: (agentId: string) => void;
  /** The agent's role in a commune changed or went: close its sockets on that commune. */
  onRoleChanged?: (agentId: string, insee: string) => void;
}

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function createAdmin(
  accounts: Accounts,
  audit: AuditLog,
  hooks: AdminHooks = {},
  invitations?: Invitations,
): Admin {
  const store = (): Invitations => {
    if (!invitations)
      throw new InvitationError(
        'unavailable',
        503,
        'Les invitations ne sont pas disponibles sur ce serveur.',
      );
    return invitations;
  };
  const emailOf = async (agentId: string): Promise<string> => {
    const identity = await accounts.identity(agentId);
    if (!identity) throw new AccountError('unknown-agent', 'Compte inconnu.');
    return normalizeEmail(identity.email);
  };
  /** Whoever invited must still be the commune's référent (or an admin) when it is accepted. */
  const inviterMayStillGive = async (invitation: Invitation): Promise<boolean> => {
    if (!invitation.invitedBy) return false;
    const inviter = await accounts.identity(invitation.invitedBy);
    return !!inviter && allows(inviter, invitation.insee, 'manage-members', { role: invitation.role });
  };
  const noInvitation = () =>
    new InvitationError('no-invitation', 404, 'Aucune invitation en attente pour cette commune.');
  return {
    async addAgent(input, by = null) {
      const agent = await accounts.addAgent(input);
      audit.record({
        event: 'agent.created',
        insee: input.commune,
        agentId: by,
        details: { target: agent.id, role: input.role },
      });
      return agent;
    },
    async grantRole(email, insee, role, by = null) {
      const targetId = await accounts.agentIdByEmail(email);
      const previous = targetId ? await accounts.roleOf(targetId, insee) : undefined;
      const agent = await accounts.grantRole(email, insee, role);
      audit.record({
        event: 'agent.role_changed',
        insee,
        agentId: by,
        details: { target: agent.id, from: previous ?? null, to: role },
      });
      if (previous && previous !== role) hooks.onRoleChanged?.(agent.id, insee);
      return agent;
    },
    async revokeRole(email, insee, by = null) {
      const targetId = await accounts.revokeRole(email, insee);
      audit.record({ event: 'agent.role_removed', insee, agentId: by, details: { target: targetId } });
      hooks.onRoleChanged?.(targetId, insee);
    },
    async setAdmin(email, admin, by = null) {
      const agent = await accounts.setAdmin(email, admin);
      audit.record({ event: 'agent.admin_changed', agentId: by, details: { target: agent.id, admin } });
      if (!admin) hooks.onAgentDisabled?.(agent.id);
      return agent;
    },
    async disableAgent(email, by = null) {
      const agentId = await accounts.setDisabled(email, true);
      audit.record({ event: 'agent.disabled', agentId: by, details: { target: agentId } });
      hooks.onAgentDisabled?.(agentId);
    },
    async enableAgent(email, by = null) {
      const agentId = await accounts.setDisabled(email, false);
      audit.record({ event: 'agent.enabled', agentId: by, details: { target: agentId } });
    },
    async setPassword(email, password, by = null) {
      const agentId = await accounts.setPassword(email, password);
      audit.record({ event: 'agent.password_changed', agentId: by, details: { target: agentId } });
      hooks.onAgentDisabled?.(agentId);
    },
    async unlock(email, by = null) {
      await accounts.unlock(email);
      audit.record({ event: 'auth.unlocked', agentId: by, details: { email: email.trim().toLowerCase() } });
    },
    async unlockAddress(address, by = null) {
      await accounts.unlockAddress(address);
      audit.record({ event: 'auth.unlocked', agentId: by, address, details: { address } });
    },
    listAgents: (insee) => accounts.listAgents(insee),
    listCommunes: () => accounts.listCommunes(),
    async invite(input, by) {
      const invitationStore = store();
      const email = normalizeEmail(input.email);
      if (!EMAIL_SHAPE.test(email))
        throw new AccountError('invalid-email', `Adresse e-mail invalide : « ${input.email} ».`);
      if (input.password) {
        // Checked before looking the address up: the answer must not depend on it.
        const problem = passwordProblem(input.password, email);
        if (problem) throw new AccountError('weak-password', problem);
      }
      const existing = await accounts.agentIdByEmail(email);
      if (!existing && input.password) {
        const agent = await accounts.addAgent({
          commune: input.insee,
          email,
          password: input.password,
          role: input.role,
          displayName: input.displayName,
        });
        // The role waits for the invitation to be accepted, as for any other account.
        await accounts.revokeRole(email, input.insee);
        // Not in the commune's log: its référent must not tell new accounts from existing ones.
        audit.record({
          event: 'agent.created',
          agentId: by,
          details: { target: agent.id, invitedTo: input.insee },
        });
      } else if (input.password) {
        await hashPassword(input.password); // the same time as a creation; the hash is dropped
      }
      if (!(await invitationStore.put(email, input.insee, input.role, by))) {
        throw new InvitationError(
          'too-many-invitations',
          409,
          'Trop d’invitations en attente pour cette commune : attendez qu’elles soient acceptées ou expirées.',
        );
      }
      audit.record({
        event: 'agent.invited',
        insee: input.insee,
        agentId: by,
        details: { email, role: input.role },
      });
    },
    invitationsOf: async (agentId) => store().forEmail(await emailOf(agentId)),
    communeInvitations: (insee) => store().forCommune(insee),
    async acceptInvitation(agentId, insee) {
      const email = await emailOf(agentId);
      const invitation = await store().take(email, insee);
      if (!invitation) throw noInvitation();
      if (!(await inviterMayStillGive(invitation)) || (await accounts.communeDataDeleted(insee))) {
        audit.record({
          event: 'agent.invitation_accepted',
          insee,
          agentId,
          outcome: 'void',
          details: { role: invitation.role },
        });
        throw noInvitation();
      }
      const previous = await accounts.roleOf(agentId, insee);
      const agent = await accounts.grantRole(email, insee, invitation.role);
      audit.record({
        event: 'agent.invitation_accepted',
        insee,
        agentId,
        outcome: 'ok',
        details: { role: invitation.role, from: previous ?? null, invitedBy: invitation.invitedBy },
      });
      if (previous && previous !== invitation.role) hooks.onRoleChanged?.(agentId, insee);
      return agent;
    },
    async declineInvitation(agentId, insee) {
      const invitation = await store().take(await emailOf(agentId), insee);
      if (!invitation) throw noInvitation();
      audit.record({ event: 'agent.invitation_declined', insee, agentId, outcome: 'ok' });
    },
  };
}
