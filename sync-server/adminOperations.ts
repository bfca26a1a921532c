/**
 * Administration operations shared by the CLI (admin.ts), the JSON API (api.ts) and the running
 * server (RunningServer.admin): accounts and roles. Every change is written to the audit log;
 * on a running server, hooks close the live sockets an agent no longer has the right to keep.
 * Errors are AccountError with French messages.
 */
import type { AgentIdentity, Role } from '../site/apiContract';
import type { Accounts, AddAgentInput, AgentSummary } from './Accounts';
import type { AuditLog } from './AuditLog';
import type { Commune } from './communes';

export interface Admin {
  addAgent(input: AddAgentInput, by?: string | null): Promise<AgentIdentity>;
  grantRole(email: string, insee: string, role: Role, by?: string | null): AgentIdentity;
  /** Removes the agent's role in one commune; its sockets on that commune's rooms close. */
  revokeRole(email: string, insee: string, by?: string | null): void;
  setAdmin(email: string, admin: boolean, by?: string | null): AgentIdentity;
  /** Disables an account: its tokens are revoked and, on a running server, its sockets closed. */
  disableAgent(email: string, by?: string | null): void;
  enableAgent(email: string, by?: string | null): void;
  setPassword(email: string, password: string, by?: string | null): Promise<void>;
  /** Lifts a temporary lock after failed logins, from every address. */
  unlock(email: string, by?: string | null): void;
  /** Lifts the failed-login budget and locks of one client address. */
  unlockAddress(address: string, by?: string | null): void;
  listAgents(insee?: string): AgentSummary[];
  listCommunes(): Commune[];
}

export interface AdminHooks {
  /** The agent lost every right (disabled): close all its sockets. */
  onAgentDisabled?: (agentId: string) => void;
  /** The agent's role in a commune changed or went: close its sockets on that commune. */
  onRoleChanged?: (agentId: string, insee: string) => void;
}

export function createAdmin(accounts: Accounts, audit: AuditLog, hooks: AdminHooks = {}): Admin {
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
    grantRole(email, insee, role, by = null) {
      const targetId = accounts.agentIdByEmail(email);
      const previous = targetId ? accounts.roleOf(targetId, insee) : undefined;
      const agent = accounts.grantRole(email, insee, role);
      audit.record({
        event: 'agent.role_changed',
        insee,
        agentId: by,
        details: { target: agent.id, from: previous ?? null, to: role },
      });
      if (previous && previous !== role) hooks.onRoleChanged?.(agent.id, insee);
      return agent;
    },
    revokeRole(email, insee, by = null) {
      const targetId = accounts.revokeRole(email, insee);
      audit.record({ event: 'agent.role_removed', insee, agentId: by, details: { target: targetId } });
      hooks.onRoleChanged?.(targetId, insee);
    },
    setAdmin(email, admin, by = null) {
      const agent = accounts.setAdmin(email, admin);
      audit.record({ event: 'agent.admin_changed', agentId: by, details: { target: agent.id, admin } });
      if (!admin) hooks.onAgentDisabled?.(agent.id);
      return agent;
    },
    disableAgent(email, by = null) {
      const agentId = accounts.setDisabled(email, true);
      audit.record({ event: 'agent.disabled', agentId: by, details: { target: agentId } });
      hooks.onAgentDisabled?.(agentId);
    },
    enableAgent(email, by = null) {
      const agentId = accounts.setDisabled(email, false);
      audit.record({ event: 'agent.enabled', agentId: by, details: { target: agentId } });
    },
    async setPassword(email, password, by = null) {
      const agentId = await accounts.setPassword(email, password);
      audit.record({ event: 'agent.password_changed', agentId: by, details: { target: agentId } });
      hooks.onAgentDisabled?.(agentId);
    },
    unlock(email, by = null) {
      accounts.unlock(email);
      audit.record({ event: 'auth.unlocked', agentId: by, details: { email: email.trim().toLowerCase() } });
    },
    unlockAddress(address, by = null) {
      accounts.unlockAddress(address);
      audit.record({ event: 'auth.unlocked', agentId: by, address, details: { address } });
    },
    listAgents: (insee) => accounts.listAgents(insee),
    listCommunes: () => accounts.listCommunes(),
  };
}
