/**
 * Agents, their roles per commune, and opaque bearer tokens, in an AccountStore (DATA_DIR's
 * SQLite by default, PostgreSQL shared by every node with DATABASE_URL).
 * Tokens are 32 random bytes (base64url) stored as SHA-256 hashes: a short-lived access
 * token and a rotating refresh token; reusing a rotated refresh token revokes its family.
 * A token family is a session, with an idle and an absolute lifetime; logout revokes it.
 * Failed logins slow down (growing delay) then lock the account for a while, per client
 * address (LoginThrottle.ts: nobody can lock an agent out from elsewhere). Password hashes go
 * through a bounded gate (HashGate.ts): a login flood is refused rather than queued.
 */
import crypto from 'node:crypto';
import type { AgentIdentity, LoginResponse, Role } from '../../site/apiContract';
import type {
  AccessFacts,
  AccountStore,
  AgentRecord,
  AgentWithRoles,
  RefreshEffect,
} from '../storage/AccountStore';
import { loadMetropoleCommunes, type Commune } from './communes';
import type { Logger } from '../observability/Logger';
import { HashGate, type HashGateOptions } from './HashGate';
import {
  DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
  DEFAULT_ADDRESS_FAILURE_BUDGET,
  LoginThrottle,
} from './LoginThrottle';
import { throttleKey } from '../observability/addressKey';
import { passwordProblem } from './passwordPolicy';
import {
  SCRYPT_PARAMS,
  hashPassword,
  randomPassword,
  verifyAgainstNothing,
  verifyPassword,
  type ScryptParams,
} from './passwords';
import { allows } from './authorization';

export const ROLES: readonly Role[] = ['agent', 'referent', 'relecteur'];
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export { MIN_PASSWORD_LENGTH } from './passwordPolicy';
/** A session (token family) unused for this long is over. */
export const DEFAULT_SESSION_IDLE_SECONDS = 7 * 24 * 3600;
/** A session is over this long after its login, however active. */
export const DEFAULT_SESSION_ABSOLUTE_SECONDS = 30 * 24 * 3600;
/** Failed logins before the account is locked for `lockSeconds`. */
export const DEFAULT_LOCK_AFTER_FAILURES = 10;
export const DEFAULT_LOCK_SECONDS = 15 * 60;
/** The demo commune: Aurons, a village of the Métropole (seeded with starter pages, demoCommune.ts). */
export const DEMO_COMMUNE = '13008';

/** Presence colours, dark enough for white text on them (WCAG AA). */
const PRESENCE_COLOURS = [
  '#1f5fbf',
  '#b34700',
  '#2e7d32',
  '#8e24aa',
  '#c2185b',
  '#00695c',
  '#6d4c41',
  '#3949ab',
  '#ad1457',
  '#455a64',
];

export type AccountErrorCode =
  | 'agent-exists'
  | 'unknown-agent'
  | 'unknown-commune'
  | 'invalid-email'
  | 'invalid-role'
  | 'weak-password'
  | 'no-role';

/** A refused account operation; `message` is French, shown to the operator or the agent. */
export class AccountError extends Error {
  readonly code: AccountErrorCode;
  constructor(code: AccountErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type TokenCheck =
  | { ok: true; identity: AgentIdentity; sessionId: string }
  | { ok: false; reason: 'unknown' | 'expired'; agentId?: string };

export type LoginResult =
  | { ok: true; response: LoginResponse; sessionId: string }
  | {
      ok: false;
      /**
       * `address-throttled`: too many failures from this address, whatever the accounts.
       * `address-busy` / `server-busy`: too many logins being checked at once, from this
       * address / in all; nothing was checked or counted — retry in a few seconds.
       */
      reason: 'invalid' | 'locked' | 'address-throttled' | 'address-busy' | 'server-busy' | 'disabled';
      agentId: string | null;
      /** How long the caller should wait before answering (growing with failures). */
      delayMs: number;
      /** For a locked account: when it unlocks. */
      lockedUntil?: number;
    };

export type RefreshResult =
  | { ok: true; response: LoginResponse }
  | {
      ok: false;
      reason: 'unknown' | 'reuse' | 'expired' | 'idle' | 'disabled';
      agentId?: string;
      /** The session this refusal revoked: its live sockets must be closed. */
      sessionId?: string;
    };

export interface AddAgentInput {
  commune: string;
  email: string;
  password: string;
  role: Role;
  displayName?: string;
}

export interface AgentSummary {
  id: string;
  email: string;
  displayName: string;
  admin: boolean;
  disabled: boolean;
  roles: Array<{ insee: string; role: Role }>;
}

export interface AccountsOptions {
  logger: Logger;
  now?: () => number;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  sessionIdleSeconds?: number;
  sessionAbsoluteSeconds?: number;
  /** Failures of one account from one address before that pair is locked. */
  lockAfterFailures?: number;
  lockSeconds?: number;
  /** Failures from one address, any accounts, before the address is refused (credential stuffing). */
  addressFailureBudget?: number;
  /** Failures of one account, any addresses, before the account is locked everywhere. */
  accountLockAfterFailures?: number;
  /** Delay after the first failed login; doubles with each further failure up to maxFailureDelayMs. */
  failureDelayMs?: number;
  maxFailureDelayMs?: number;
  /** Bounds on password hashes at once (defaults in HashGate.ts). */
  hashGate?: Partial<HashGateOptions>;
  /** Test hook: cheaper scrypt for new hashes and unknown e-mails (stored hashes keep theirs). */
  scryptParams?: ScryptParams;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function sha256(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function colourFor(id: string): string {
  const digest = crypto.createHash('sha256').update(id).digest();
  return PRESENCE_COLOURS[digest[0]! % PRESENCE_COLOURS.length]!;
}

export type ConnectionVerdict = 'ok' | 'session-ended' | 'forbidden';

/** One live connection to re-authorize (Accounts.connectionsAllowed). */
export interface ConnectionCheck {
  agentId: string;
  sessionId: string | undefined;
  insee: string;
  readOnly: boolean;
}

const summaryOf = (agent: AgentWithRoles): AgentSummary => ({
  id: agent.id,
  email: agent.email,
  displayName: agent.displayName,
  admin: agent.admin,
  disabled: agent.disabled,
  roles: agent.roles.map((r) => ({ insee: r.insee, role: r.role })),
});

const identityOf = (agent: AgentWithRoles): AgentIdentity => ({
  id: agent.id,
  email: agent.email,
  displayName: agent.displayName,
  color: agent.color,
  admin: agent.admin,
  communes: agent.roles,
});

export class Accounts {
  private readonly store: AccountStore;
  private readonly logger: Logger;
  private readonly now: () => number;
  readonly accessTokenTtlSeconds: number;
  private readonly refreshTokenTtlSeconds: number;
  private readonly sessionIdleMs: number;
  private readonly sessionAbsoluteMs: number;
  private readonly throttle: LoginThrottle;
  private readonly failureDelayMs: number;
  private readonly maxFailureDelayMs: number;
  private readonly hashGate: HashGate;
  private readonly scryptParams: ScryptParams;
  /** The registry's communes, read once at open (the table never changes afterwards). */
  private communes: Commune[] = [];
  private communeByInsee = new Map<string, Commune>();
  private communeBySlugs = new Map<string, Commune>();

  private constructor(store: AccountStore, options: AccountsOptions) {
    this.store = store;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
    this.refreshTokenTtlSeconds = options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS;
    this.sessionIdleMs = (options.sessionIdleSeconds ?? DEFAULT_SESSION_IDLE_SECONDS) * 1000;
    this.sessionAbsoluteMs = (options.sessionAbsoluteSeconds ?? DEFAULT_SESSION_ABSOLUTE_SECONDS) * 1000;
    this.failureDelayMs = options.failureDelayMs ?? 400;
    this.maxFailureDelayMs = options.maxFailureDelayMs ?? 8_000;
    this.hashGate = new HashGate(options.hashGate);
    this.scryptParams = options.scryptParams ?? SCRYPT_PARAMS;
    this.throttle = new LoginThrottle(store, {
      now: this.now,
      lockAfterFailures: options.lockAfterFailures ?? DEFAULT_LOCK_AFTER_FAILURES,
      lockMs: (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000,
      addressFailureBudget: options.addressFailureBudget ?? DEFAULT_ADDRESS_FAILURE_BUDGET,
      accountLockAfterFailures: options.accountLockAfterFailures ?? DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
    });
  }

  /** Accounts on `store`; fills the communes table from the registry on first start. */
  static async open(store: AccountStore, options: AccountsOptions): Promise<Accounts> {
    const accounts = new Accounts(store, options);
    const created = await store.ensureCommunes(loadMetropoleCommunes());
    if (created > 0) accounts.logger.log('info', 'communes.created', { count: created });
    accounts.communes = await store.listCommunes();
    for (const commune of accounts.communes) {
      accounts.communeByInsee.set(commune.insee, commune);
      accounts.communeBySlugs.set(commune.slug, commune);
    }
    return accounts;
  }

  listCommunes(): Commune[] {
    return this.communes.map((commune) => ({ ...commune }));
  }

  commune(insee: string): Commune | undefined {
    const found = this.communeByInsee.get(insee);
    return found && { ...found };
  }

  communeBySlug(slug: string): Commune | undefined {
    const found = this.communeBySlugs.get(slug);
    return found && { ...found };
  }

  agentCount(): Promise<number> {
    return this.store.agentCount();
  }

  async addAgent(input: AddAgentInput): Promise<AgentIdentity> {
    const email = normalizeEmail(input.email);
    if (!EMAIL.test(email))
      throw new AccountError('invalid-email', `Adresse e-mail invalide : « ${input.email} ».`);
    if (!ROLES.includes(input.role)) {
      throw new AccountError(
        'invalid-role',
        `Rôle inconnu : « ${input.role} » (agent, referent ou relecteur).`,
      );
    }
    if (!this.commune(input.commune)) {
      throw new AccountError(
        'unknown-commune',
        `Commune inconnue : « ${input.commune} » (code INSEE d'une commune de la Métropole attendu).`,
      );
    }
    const problem = passwordProblem(input.password, email);
    if (problem) throw new AccountError('weak-password', problem);
    if (await this.store.agentByEmail(email)) {
      throw new AccountError('agent-exists', `Un compte existe déjà pour ${email}.`);
    }
    const passwordHash = await this.hash(input.password);
    const id = crypto.randomUUID();
    const displayName = input.displayName?.trim() || email.split('@')[0]!;
    // Checked again inside the transaction: the hash took time.
    const inserted = await this.store.insertAgent(
      {
        id,
        email,
        displayName,
        color: colourFor(id),
        passwordHash,
        admin: false,
        disabled: false,
        createdAt: this.now(),
      },
      input.commune,
      input.role,
    );
    if (!inserted) throw new AccountError('agent-exists', `Un compte existe déjà pour ${email}.`);
    this.logger.log('info', 'agent.created', { agentId: id, commune: input.commune, role: input.role });
    return (await this.identity(id))!;
  }

  /** The agent's role in a commune, if any. */
  roleOf(agentId: string, insee: string): Promise<Role | undefined> {
    return this.store.roleOf(agentId, insee);
  }

  async agentIdByEmail(email: string): Promise<string | undefined> {
    return (await this.store.agentByEmail(normalizeEmail(email)))?.id;
  }

  private async existingAgent(email: string): Promise<AgentRecord> {
    const agent = await this.store.agentByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    return agent;
  }

  /** Removes an agent's role in a commune. Returns the agent id. */
  async revokeRole(email: string, insee: string): Promise<string> {
    const agent = await this.existingAgent(email);
    if (!(await this.store.deleteRole(agent.id, insee))) {
      throw new AccountError('no-role', `${agent.email} n'a pas de rôle dans la commune ${insee}.`);
    }
    this.logger.log('info', 'agent.role_removed', { agentId: agent.id, commune: insee });
    return agent.id;
  }

  /** Gives an existing agent a role in a commune (replacing the previous role there). */
  async grantRole(email: string, insee: string, role: Role): Promise<AgentIdentity> {
    const agent = await this.existingAgent(email);
    if (!ROLES.includes(role)) throw new AccountError('invalid-role', `Rôle inconnu : « ${role} ».`);
    if (!this.commune(insee)) throw new AccountError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    await this.store.upsertRole(agent.id, insee, role);
    return (await this.identity(agent.id))!;
  }

  /**
   * A commune whose data was deleted (end of agreement) accepts no sync connection, not even an
   * administrator's: an editor left open would otherwise write the deleted documents back. A
   * role given in it again (a new agreement) reopens it.
   */
  markCommuneDataDeleted(insee: string): Promise<void> {
    return this.store.markCommuneDataDeleted(insee, this.now());
  }

  communeDataDeleted(insee: string): Promise<boolean> {
    return this.store.communeDataDeleted(insee);
  }

  async setAdmin(email: string, admin: boolean): Promise<AgentIdentity> {
    const agent = await this.existingAgent(email);
    await this.store.setAdmin(agent.id, admin);
    return (await this.identity(agent.id))!;
  }

  /** Disables (or re-enables) an account; disabling revokes its tokens. Returns the agent id. */
  async setDisabled(email: string, disabled: boolean): Promise<string> {
    const agent = await this.existingAgent(email);
    await this.store.setDisabled(agent.id, disabled);
    this.logger.log('info', disabled ? 'agent.disabled' : 'agent.enabled', { agentId: agent.id });
    return agent.id;
  }

  /**
   * End of a commune's agreement: its roles go, and the agents left with no role anywhere (and
   * not administrators) are deleted with their tokens and sessions (RGPD: no orphan personal data).
   */
  removeCommuneAgents(insee: string): Promise<{ rolesRemoved: number; agentsDeleted: string[] }> {
    return this.store.removeCommuneAgents(insee);
  }

  async listAgents(insee?: string): Promise<AgentSummary[]> {
    return (await this.store.listAgents(insee)).map(summaryOf);
  }

  /**
   * Whether a live connection may go on: the account is enabled, its session neither revoked
   * nor expired, and it still holds the same kind of role in the room's commune. Re-checked
   * periodically by the server, because the admin CLI (or another node) changes accounts and
   * sessions expire while sockets stay open.
   */
  async connectionAllowed(
    agentId: string,
    sessionId: string | undefined,
    insee: string,
    readOnly: boolean,
  ): Promise<ConnectionVerdict> {
    const check = { agentId, sessionId, insee, readOnly };
    return (await this.connectionJudge([check]))(check);
  }

  /**
   * connectionAllowed for many connections (a re-authorization pass): ONE read of the store for
   * all of them, then a synchronous judge per check (the caller spreads those over its slices).
   */
  async connectionJudge(checks: ConnectionCheck[]): Promise<(check: ConnectionCheck) => ConnectionVerdict> {
    const distinct = (values: Array<string | undefined>) => [
      ...new Set(values.filter((v): v is string => v !== undefined)),
    ];
    const facts = await this.store.accessFacts(
      distinct(checks.map((c) => c.agentId)),
      distinct(checks.map((c) => c.sessionId)),
      distinct(checks.map((c) => c.insee)),
    );
    return (check) => this.verdict(facts, check);
  }

  private verdict(
    facts: AccessFacts,
    { agentId, sessionId, insee, readOnly }: ConnectionCheck,
  ): ConnectionVerdict {
    const agent = facts.agents.get(agentId);
    if (!agent || agent.disabled) return 'forbidden';
    if (sessionId && this.sessionProblem(facts.sessions.get(sessionId))) return 'session-ended';
    if (facts.deletedCommunes.has(insee)) return 'forbidden';
    // The connection was admitted read-only or not by the same policy: a changed role refuses it.
    const caller = { admin: agent.admin, communes: agent.roles };
    if (!allows(caller, insee, 'read') || allows(caller, insee, 'edit') === readOnly) return 'forbidden';
    return 'ok';
  }

  async identity(agentId: string): Promise<AgentIdentity | undefined> {
    const agent = await this.store.agentWithRoles(agentId);
    return agent && identityOf(agent);
  }

  /**
   * Checks a password. Failures are counted per (e-mail, client address), per address and per
   * e-mail (LoginThrottle): each one asks the caller to wait longer, and past a cap the pair,
   * the address or — much later — the account is locked for `lockSeconds` (even the right
   * password is then refused). The attempt is counted before the hash and given back on
   * success, so parallel guesses cannot overrun a cap. Unknown e-mails cost the same scrypt
   * time. Past the hash gate's bounds the login is refused at once, unchecked and uncounted.
   */
  async login(email: string, password: string, address = 'unknown'): Promise<LoginResult> {
    const normalized = normalizeEmail(email);
    const admission = this.hashGate.enter(throttleKey(address));
    if (!admission.ok) {
      const reason = admission.reason === 'address' ? 'address-busy' : 'server-busy';
      const agentId = (await this.store.agentByEmail(normalized))?.id ?? null;
      return { ok: false, reason, agentId, delayMs: 0 };
    }
    let row: AgentRecord | undefined;
    let blocked: Awaited<ReturnType<LoginThrottle['reserve']>>;
    try {
      row = await this.store.agentByEmail(normalized);
      blocked = await this.throttle.reserve(normalized, address);
    } catch (error) {
      admission.ticket.leave();
      throw error;
    }
    const agentId = row?.id ?? null;
    if (blocked.blocked) {
      admission.ticket.leave();
      return this.throttled(blocked.scope, blocked.until, agentId, this.failureDelayMs);
    }
    let ok: boolean;
    try {
      ok = await admission.ticket.run(() =>
        row ? verifyPassword(password, row.passwordHash) : verifyAgainstNothing(password, this.scryptParams),
      );
    } catch (error) {
      await this.throttle.release(normalized, address);
      throw error;
    }
    if (!row || !ok) {
      const { failures, locked } = await this.throttle.settleFailure(normalized, address);
      const delayMs = Math.min(this.failureDelayMs * 2 ** Math.max(0, failures - 1), this.maxFailureDelayMs);
      if (locked.blocked) return this.throttled(locked.scope, locked.until, agentId, delayMs);
      return { ok: false, reason: 'invalid', agentId, delayMs };
    }
    if (row.disabled) {
      await this.throttle.release(normalized, address);
      return { ok: false, reason: 'disabled', agentId: row.id, delayMs: this.failureDelayMs };
    }
    await this.throttle.settleSuccess(normalized, address);
    const sessionId = crypto.randomUUID();
    await this.store.insertSession(sessionId, row.id, this.now());
    this.logger.log('info', 'auth.login', { agentId: row.id });
    return { ok: true, response: await this.issue(row.id, sessionId), sessionId };
  }

  private throttled(
    scope: 'address' | 'account' | 'pair',
    until: number,
    agentId: string | null,
    delayMs: number,
  ): LoginResult {
    return {
      ok: false,
      reason: scope === 'address' ? 'address-throttled' : 'locked',
      agentId,
      delayMs,
      lockedUntil: until,
    };
  }

  /** A new password hash, in its turn at the gate (not bounded: the callers are authenticated). */
  private hash(password: string): Promise<string> {
    return this.hashGate.enterTrusted().run(() => hashPassword(password, this.scryptParams));
  }

  /** Lifts the locks of an account after failed logins, from every address (operator action). */
  unlock(email: string): Promise<void> {
    return this.throttle.unlockAccount(normalizeEmail(email));
  }

  /** Lifts the failed-login budget and locks of a client address (operator action). */
  unlockAddress(address: string): Promise<void> {
    return this.throttle.unlockAddress(address);
  }

  /** Why a session can no longer be used, or null when it can. */
  private sessionProblem(
    session: { createdAt: number; lastUsedAt: number; revoked: boolean } | undefined,
  ): 'unknown' | 'expired' | 'idle' | null {
    // Tokens issued before sessions existed have no row: treat them as a session started now.
    if (!session) return null;
    if (session.revoked) return 'unknown';
    const now = this.now();
    if (now - session.createdAt >= this.sessionAbsoluteMs) return 'expired';
    if (now - session.lastUsedAt >= this.sessionIdleMs) return 'idle';
    return null;
  }

  /** Rotates a refresh token; a reused (already rotated) one revokes its whole family. */
  async refresh(refreshToken: string): Promise<RefreshResult> {
    type Refused = Extract<RefreshResult, { ok: false }>;
    const now = this.now();
    const outcome = await this.store.refreshTransaction(
      sha256(refreshToken),
      (row, session): { effect: RefreshEffect; outcome: Refused | { agentId: string; family: string } } => {
        const none = { kind: 'none' } as const;
        const revoke = { kind: 'revoke-session' } as const;
        if (!row || row.kind !== 'refresh' || row.revoked)
          return { effect: none, outcome: { ok: false, reason: 'unknown' } };
        if (row.rotated) {
          return {
            effect: revoke,
            outcome: { ok: false, reason: 'reuse', agentId: row.agentId, sessionId: row.family },
          };
        }
        if (row.expiresAt <= now)
          return { effect: none, outcome: { ok: false, reason: 'expired', agentId: row.agentId } };
        const problem = this.sessionProblem(session);
        if (problem) {
          return {
            effect: revoke,
            outcome: {
              ok: false,
              reason: problem === 'idle' ? 'idle' : 'expired',
              agentId: row.agentId,
              sessionId: row.family,
            },
          };
        }
        return { effect: { kind: 'rotate', at: now }, outcome: { agentId: row.agentId, family: row.family } };
      },
    );
    if ('reason' in outcome) {
      if (outcome.reason === 'reuse')
        this.logger.log('warn', 'auth.refresh_reuse_detected', { agentId: outcome.agentId });
      return outcome;
    }
    const agent = await this.store.agentWithRoles(outcome.agentId);
    if (!agent || agent.disabled) return { ok: false, reason: 'disabled', agentId: outcome.agentId };
    return { ok: true, response: await this.issue(outcome.agentId, outcome.family) };
  }

  /** Resolves an access token to the agent's identity and session. */
  async authenticate(accessToken: string): Promise<TokenCheck> {
    const context = await this.store.tokenContext(sha256(accessToken));
    if (!context) return { ok: false, reason: 'unknown' };
    const { token: row, session, agent } = context;
    if (row.kind !== 'access' || row.revoked) return { ok: false, reason: 'unknown' };
    if (row.expiresAt <= this.now()) return { ok: false, reason: 'expired', agentId: row.agentId };
    const problem = this.sessionProblem(session);
    if (problem === 'unknown') return { ok: false, reason: 'unknown', agentId: row.agentId };
    // Past its lifetime the session is over; the refresh will say so.
    if (problem) return { ok: false, reason: 'expired', agentId: row.agentId };
    if (!agent || agent.disabled) return { ok: false, reason: 'unknown', agentId: row.agentId };
    // At most one write a minute per session.
    if (session && session.lastUsedAt < this.now() - 60_000)
      await this.store.touchSession(row.family, this.now());
    return { ok: true, identity: identityOf(agent), sessionId: row.family };
  }

  /** The live session a current (not rotated, not revoked) refresh token belongs to, or null. */
  async sessionOfRefreshToken(refreshToken: string): Promise<{ agentId: string; sessionId: string } | null> {
    const row = await this.store.token(sha256(refreshToken));
    if (!row || row.kind !== 'refresh' || row.revoked || row.rotated) return null;
    return { agentId: row.agentId, sessionId: row.family };
  }

  /** Ends a session: every token of its family is revoked. */
  revokeSession(sessionId: string): Promise<void> {
    return this.store.revokeSession(sessionId);
  }

  /** Changes a password; every session of the agent ends. */
  async setPassword(email: string, password: string): Promise<string> {
    const agent = await this.existingAgent(email);
    const problem = passwordProblem(password, agent.email);
    if (problem) throw new AccountError('weak-password', problem);
    const hash = await this.hash(password);
    await this.store.setPasswordHash(agent.id, hash);
    return agent.id;
  }

  /**
   * On first start (no agent at all), creates the demo référent of DEMO_COMMUNE with a random
   * password, returned once for the entry point to print. Never logged.
   */
  async ensureDemoAccount(
    commune: string = DEMO_COMMUNE,
  ): Promise<{ email: string; password: string } | null> {
    if ((await this.agentCount()) > 0) return null;
    const email = `referent@${commune}.demo`;
    const password = randomPassword();
    try {
      await this.addAgent({
        commune,
        email,
        password,
        role: 'referent',
        displayName: 'Référent de démonstration',
      });
    } catch (error) {
      // Another node on the same PostgreSQL, starting at the same time, created it first.
      if (error instanceof AccountError && error.code === 'agent-exists') return null;
      throw error;
    }
    return { email, password };
  }

  private async issue(agentId: string, family: string): Promise<LoginResponse> {
    const now = this.now();
    const accessToken = newToken();
    const refreshToken = newToken();
    await this.store.insertTokens(now, [
      {
        hash: sha256(accessToken),
        agentId,
        kind: 'access',
        family,
        expiresAt: now + this.accessTokenTtlSeconds * 1000,
      },
      {
        hash: sha256(refreshToken),
        agentId,
        kind: 'refresh',
        family,
        expiresAt: now + this.refreshTokenTtlSeconds * 1000,
      },
    ]);
    return {
      accessToken,
      refreshToken,
      expiresIn: this.accessTokenTtlSeconds,
      agent: (await this.identity(agentId))!,
    };
  }
}
