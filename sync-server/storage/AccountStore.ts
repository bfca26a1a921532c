/**
 * Where accounts, roles, tokens, sessions and login-throttle counters are kept: DATA_DIR's
 * SQLite (SqliteAccountStore, the embedded default) or PostgreSQL (postgres/PgAccountStore,
 * with DATABASE_URL, shared by every node). accounts/Accounts.ts and LoginThrottle.ts hold the
 * policy (lifetimes, caps, hashing); a store holds rows and makes each method one
 * transaction. Both run the contract suite in accounts/AccountStore.contract.ts.
 *
 * The methods taking a `decide` callback read rows, let the caller decide synchronously, and
 * write the decision in the same transaction, rows locked: two nodes racing (the same refresh
 * token, the same throttle counter) are serialized as they are within one SQLite process.
 */
import type { CommuneRef, Role } from '../../site/apiContract';

/** A commune of the registry (accounts/communes.ts fills the table). */
export interface Commune {
  insee: string;
  name: string;
  slug: string;
  siren: string;
  population: number;
}

export interface AgentRecord {
  id: string;
  email: string;
  displayName: string;
  color: string;
  passwordHash: string;
  admin: boolean;
  disabled: boolean;
}

export interface AgentWithRoles extends AgentRecord {
  roles: CommuneRef[];
}

export interface TokenRecord {
  agentId: string;
  kind: 'access' | 'refresh';
  family: string;
  expiresAt: number;
  rotated: boolean;
  revoked: boolean;
}

export interface SessionRecord {
  createdAt: number;
  lastUsedAt: number;
  revoked: boolean;
}

/** A token with its session (absent for tokens older than sessions) and its agent. */
export interface TokenContext {
  token: TokenRecord;
  session: SessionRecord | undefined;
  agent: AgentWithRoles | undefined;
}

/** What the periodic re-authorization of live sockets reads, for all of them at once. */
export interface AccessFacts {
  agents: Map<string, { admin: boolean; disabled: boolean; roles: CommuneRef[] }>;
  sessions: Map<string, SessionRecord>;
  deletedCommunes: Set<string>;
}

export type ThrottleScope = 'pair' | 'address' | 'account';

export interface ThrottleKey {
  scope: ThrottleScope;
  email: string;
  address: string;
}

export interface ThrottleRow {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Per key: a row to write, null to delete it, undefined to leave it. */
export type ThrottleWrites = Array<ThrottleRow | null | undefined>;

export type RefreshEffect =
  | { kind: 'none' }
  | { kind: 'revoke-session' }
  /** The token is rotated (never valid again) and its session marked used at `at`. */
  | { kind: 'rotate'; at: number };

export interface NewToken {
  hash: string;
  agentId: string;
  kind: 'access' | 'refresh';
  family: string;
  expiresAt: number;
}

export interface AccountStore {
  /** Fills the communes table when empty; how many were inserted (0 when it was not empty). */
  ensureCommunes(communes: Commune[]): Promise<number>;
  listCommunes(): Promise<Commune[]>;

  agentCount(): Promise<number>;
  agentByEmail(email: string): Promise<AgentRecord | undefined>;
  agentWithRoles(agentId: string): Promise<AgentWithRoles | undefined>;
  /** Agents (of one commune, or all) sorted by e-mail, with their roles. */
  listAgents(insee?: string): Promise<AgentWithRoles[]>;
  /** Inserts an agent with one role (and reopens the commune); false when the e-mail exists. */
  insertAgent(agent: AgentRecord & { createdAt: number }, insee: string, role: Role): Promise<boolean>;
  roleOf(agentId: string, insee: string): Promise<Role | undefined>;
  /** Sets the agent's role in a commune (replacing one there) and reopens the commune. */
  upsertRole(agentId: string, insee: string, role: Role): Promise<void>;
  /** Removes the role; false when there was none. */
  deleteRole(agentId: string, insee: string): Promise<boolean>;
  setAdmin(agentId: string, admin: boolean): Promise<void>;
  /** Disabling also revokes every token and session of the agent. */
  setDisabled(agentId: string, disabled: boolean): Promise<void>;
  /** Changes the hash and revokes every token and session of the agent. */
  setPasswordHash(agentId: string, hash: string): Promise<void>;
  /** Removes the commune's roles; deletes the agents left without any role (not administrators). */
  removeCommuneAgents(insee: string): Promise<{ rolesRemoved: number; agentsDeleted: string[] }>;
  markCommuneDataDeleted(insee: string, at: number): Promise<void>;
  communeDataDeleted(insee: string): Promise<boolean>;

  insertSession(id: string, agentId: string, now: number): Promise<void>;
  session(id: string): Promise<SessionRecord | undefined>;
  /** Marks a session used at `now` unless it was within the last minute. */
  touchSession(id: string, now: number): Promise<void>;
  /** Revokes a session and every token of its family. */
  revokeSession(id: string): Promise<void>;
  /** Deletes the tokens expired before `now`, then inserts `tokens`, in one transaction. */
  insertTokens(now: number, tokens: NewToken[]): Promise<void>;
  token(hash: string): Promise<TokenRecord | undefined>;
  tokenContext(hash: string): Promise<TokenContext | undefined>;
  /**
   * The refresh step, one transaction with the token row locked: `decide` sees the token and
   * its session as they are, its effect is written before any other refresh of that token.
   */
  refreshTransaction<T>(
    hash: string,
    decide: (
      token: TokenRecord | undefined,
      session: SessionRecord | undefined,
    ) => {
      effect: RefreshEffect;
      outcome: T;
    },
  ): Promise<T>;
  /** Agents, sessions and deleted communes among those asked: one read for a whole pass. */
  accessFacts(agentIds: string[], sessionIds: string[], insees: string[]): Promise<AccessFacts>;

  /**
   * One transaction over some throttle counters, locked: `decide` sees their rows and says
   * what to write (ThrottleWrites, per key, in the same order).
   */
  throttleTransaction<T>(
    keys: ThrottleKey[],
    decide: (rows: Array<ThrottleRow | undefined>) => { writes: ThrottleWrites; result: T },
  ): Promise<T>;
  /** Deletes every counter of an e-mail, or of an address. */
  deleteThrottle(filter: { email: string } | { address: string }): Promise<void>;

  close(): Promise<void>;
}
