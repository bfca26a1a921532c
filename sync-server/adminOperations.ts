/**
 * Administration operations shared by the CLI (admin.ts) and the running server
 * (RunningServer.admin): accounts and roles. Errors are AccountError with French messages.
 */
import type { AgentIdentity, Role } from '../site/apiContract';
import type { Accounts, AddAgentInput, AgentSummary } from './Accounts';
import type { Commune } from './communes';

export interface Admin {
  addAgent(input: AddAgentInput): Promise<AgentIdentity>;
  grantRole(email: string, insee: string, role: Role): AgentIdentity;
  setAdmin(email: string, admin: boolean): AgentIdentity;
  /** Disables an account: its tokens are revoked and, on a running server, its sockets closed. */
  disableAgent(email: string): void;
  enableAgent(email: string): void;
  listAgents(insee?: string): AgentSummary[];
  listCommunes(): Commune[];
}

export interface AdminHooks {
  onAgentDisabled?: (agentId: string) => void;
}

export function createAdmin(accounts: Accounts, hooks: AdminHooks = {}): Admin {
  return {
    addAgent: (input) => accounts.addAgent(input),
    grantRole: (email, insee, role) => accounts.grantRole(email, insee, role),
    setAdmin: (email, admin) => accounts.setAdmin(email, admin),
    disableAgent(email) {
      const agentId = accounts.setDisabled(email, true);
      hooks.onAgentDisabled?.(agentId);
    },
    enableAgent(email) {
      accounts.setDisabled(email, false);
    },
    listAgents: (insee) => accounts.listAgents(insee),
    listCommunes: () => accounts.listCommunes(),
  };
}
