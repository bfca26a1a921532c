/**
 * Agents, their roles per commune, and opaque bearer tokens, in the server's SQLite file.
 * Tokens are 32 random bytes (base64url) stored as SHA-256 hashes: a short-lived access
 * token and a rotating refresh token; reusing a rotated refresh token revokes its family.
 * A token family is a session, with an idle and an absolute lifetime; logout revokes it.
 * Failed logins slow down (growing delay) then lock the account for a while, per client
 * address (LoginThrottle.ts: nobody can lock an agent out from elsewhere). Password hashes go
 * through a bounded gate (HashGate.ts): a login flood is refused rather than queued.
 */
import crypto from 'node:crypto';
import type { AgentIdentity, CommuneRef, LoginResponse, Role } from '../../site/apiContract';
import type { SqliteDatabase } from '../storage/database';
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

interface AgentRow {
  id: string;
  email: string;
  display_name: string;
  color: string;
  password_hash: string;
  admin: number;
  disabled: number;
}

interface TokenRow {
  agent_id: string;
  kind: 'access' | 'refresh';
  family: string;
  expires_at: number;
  rotated: number;
  revoked: number;
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

export class Accounts {
  private readonly db: SqliteDatabase;
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

  constructor(db: SqliteDatabase, options: AccountsOptions) {
    this.db = db;
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
    this.throttle = new LoginThrottle(db, {
      now: this.now,
      lockAfterFailures: options.lockAfterFailures ?? DEFAULT_LOCK_AFTER_FAILURES,
      lockMs: (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000,
      addressFailureBudget: options.addressFailureBudget ?? DEFAULT_ADDRESS_FAILURE_BUDGET,
      accountLockAfterFailures: options.accountLockAfterFailures ?? DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
    });
    this.ensureCommunes();
  }

  /** Fills the communes table from the registry on first start. */
  private ensureCommunes(): void {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM communes').get() as { n: number }).n;
    if (count > 0) return;
    const insert = this.db.prepare(
      'INSERT INTO communes (insee, name, slug, siren, population) VALUES (@insee, @name, @slug, @siren, @population)',
    );
    const communes = loadMetropoleCommunes();
    this.db
      .transaction(() => {
        for (const commune of communes) insert.run(commune);
      })
      .immediate();
    this.logger.log('info', 'communes.created', { count: communes.length });
  }

  listCommunes(): Commune[] {
    return this.db
      .prepare('SELECT insee, name, slug, siren, population FROM communes ORDER BY insee')
      .all() as Commune[];
  }

  commune(insee: string): Commune | undefined {
    return this.db
      .prepare('SELECT insee, name, slug, siren, population FROM communes WHERE insee = ?')
      .get(insee) as Commune | undefined;
  }

  communeBySlug(slug: string): Commune | undefined {
    return this.db
      .prepare('SELECT insee, name, slug, siren, population FROM communes WHERE slug = ?')
      .get(slug) as Commune | undefined;
  }

  agentCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n;
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
    if (this.agentRowByEmail(email)) {
      throw new AccountError('agent-exists', `Un compte existe déjà pour ${email}.`);
    }
    const passwordHash = await this.hash(input.password);
    const id = crypto.randomUUID();
    const displayName = input.displayName?.trim() || email.split('@')[0]!;
    this.db
      .transaction(() => {
        // Checked again inside the transaction: the hash took time.
        if (this.agentRowByEmail(email))
          throw new AccountError('agent-exists', `Un compte existe déjà pour ${email}.`);
        this.db
          .prepare(
            'INSERT INTO agents (id, email, display_name, color, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(id, email, displayName, colourFor(id), passwordHash, this.now());
        this.db
          .prepare('INSERT INTO agent_roles (agent_id, insee, role) VALUES (?, ?, ?)')
          .run(id, input.commune, input.role);
        this.reopenCommune(input.commune);
      })
      .immediate();
    this.logger.log('info', 'agent.created', { agentId: id, commune: input.commune, role: input.role });
    return this.identity(id)!;
  }

  /** The agent's role in a commune, if any. */
  roleOf(agentId: string, insee: string): Role | undefined {
    const row = this.db
      .prepare('SELECT role FROM agent_roles WHERE agent_id = ? AND insee = ?')
      .get(agentId, insee) as { role: Role } | undefined;
    return row?.role;
  }

  agentIdByEmail(email: string): string | undefined {
    return this.agentRowByEmail(normalizeEmail(email))?.id;
  }

  /** Removes an agent's role in a commune. Returns the agent id. */
  revokeRole(email: string, insee: string): string {
    const agent = this.agentRowByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    const removed = this.db
      .prepare('DELETE FROM agent_roles WHERE agent_id = ? AND insee = ?')
      .run(agent.id, insee);
    if (removed.changes === 0) {
      throw new AccountError('no-role', `${agent.email} n'a pas de rôle dans la commune ${insee}.`);
    }
    this.logger.log('info', 'agent.role_removed', { agentId: agent.id, commune: insee });
    return agent.id;
  }

  /** Gives an existing agent a role in a commune (replacing the previous role there). */
  grantRole(email: string, insee: string, role: Role): AgentIdentity {
    const agent = this.agentRowByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    if (!ROLES.includes(role)) throw new AccountError('invalid-role', `Rôle inconnu : « ${role} ».`);
    if (!this.commune(insee)) throw new AccountError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    this.db
      .prepare(
        'INSERT INTO agent_roles (agent_id, insee, role) VALUES (?, ?, ?) ON CONFLICT (agent_id, insee) DO UPDATE SET role = excluded.role',
      )
      .run(agent.id, insee, role);
    this.reopenCommune(insee);
    return this.identity(agent.id)!;
  }

  /**
   * A commune whose data was deleted (end of agreement) accepts no sync connection, not even an
   * administrator's: an editor left open would otherwise write the deleted documents back. A
   * role given in it again (a new agreement) reopens it.
   */
  markCommuneDataDeleted(insee: string): void {
    this.db
      .prepare(
        'INSERT INTO commune_data_deleted (insee, deleted_at) VALUES (?, ?) ON CONFLICT (insee) DO UPDATE SET deleted_at = excluded.deleted_at',
      )
      .run(insee, this.now());
  }

  communeDataDeleted(insee: string): boolean {
    return this.db.prepare('SELECT 1 FROM commune_data_deleted WHERE insee = ?').get(insee) !== undefined;
  }

  private reopenCommune(insee: string): void {
    this.db.prepare('DELETE FROM commune_data_deleted WHERE insee = ?').run(insee);
  }

  setAdmin(email: string, admin: boolean): AgentIdentity {
    const agent = this.agentRowByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    this.db.prepare('UPDATE agents SET admin = ? WHERE id = ?').run(admin ? 1 : 0, agent.id);
    return this.identity(agent.id)!;
  }

  /** Disables (or re-enables) an account; disabling revokes its tokens. Returns the agent id. */
  setDisabled(email: string, disabled: boolean): string {
    const agent = this.agentRowByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE agents SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, agent.id);
        if (disabled) {
          this.db.prepare('UPDATE tokens SET revoked = 1 WHERE agent_id = ?').run(agent.id);
          this.db.prepare('UPDATE sessions SET revoked = 1 WHERE agent_id = ?').run(agent.id);
        }
      })
      .immediate();
    this.logger.log('info', disabled ? 'agent.disabled' : 'agent.enabled', { agentId: agent.id });
    return agent.id;
  }

  /**
   * End of a commune's agreement: its roles go, and the agents left with no role anywhere (and
   * not administrators) are deleted with their tokens and sessions (RGPD: no orphan personal data).
   */
  removeCommuneAgents(insee: string): { rolesRemoved: number; agentsDeleted: string[] } {
    return this.db
      .transaction(() => {
        const members = this.db
          .prepare('SELECT agent_id FROM agent_roles WHERE insee = ?')
          .all(insee) as Array<{
          agent_id: string;
        }>;
        const rolesRemoved = this.db.prepare('DELETE FROM agent_roles WHERE insee = ?').run(insee).changes;
        const agentsDeleted: string[] = [];
        for (const { agent_id: id } of members) {
          const left = this.db
            .prepare('SELECT COUNT(*) AS n FROM agent_roles WHERE agent_id = ?')
            .get(id) as {
            n: number;
          };
          const row = this.db.prepare('SELECT admin FROM agents WHERE id = ?').get(id) as
            { admin: number } | undefined;
          if (left.n === 0 && row && row.admin === 0) {
            this.db.prepare('DELETE FROM agents WHERE id = ?').run(id);
            agentsDeleted.push(id);
          }
        }
        return { rolesRemoved, agentsDeleted };
      })
      .immediate();
  }

  listAgents(insee?: string): AgentSummary[] {
    const rows = (
      insee
        ? this.db
            .prepare(
              'SELECT a.* FROM agents a JOIN agent_roles r ON r.agent_id = a.id WHERE r.insee = ? ORDER BY a.email',
            )
            .all(insee)
        : this.db.prepare('SELECT * FROM agents ORDER BY email').all()
    ) as AgentRow[];
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      displayName: row.display_name,
      admin: row.admin === 1,
      disabled: row.disabled === 1,
      roles: this.rolesOf(row.id).map((r) => ({ insee: r.insee, role: r.role })),
    }));
  }

  /**
   * Whether a live connection may go on: the account is enabled, its session neither revoked
   * nor expired, and it still holds the same kind of role in the room's commune. Re-checked
   * periodically by the server, because the admin CLI changes accounts from another process
   * and sessions expire while sockets stay open.
   */
  connectionAllowed(
    agentId: string,
    sessionId: string | undefined,
    insee: string,
    readOnly: boolean,
  ): 'ok' | 'session-ended' | 'forbidden' {
    const row = this.db.prepare('SELECT admin, disabled FROM agents WHERE id = ?').get(agentId) as
      { admin: number; disabled: number } | undefined;
    if (!row || row.disabled === 1) return 'forbidden';
    if (sessionId && this.sessionProblem(sessionId)) return 'session-ended';
    if (this.communeDataDeleted(insee)) return 'forbidden';
    // The connection was admitted read-only or not by the same policy: a changed role refuses it.
    const caller = { admin: row.admin === 1, communes: this.rolesOf(agentId) };
    if (!allows(caller, insee, 'read') || allows(caller, insee, 'edit') === readOnly) return 'forbidden';
    return 'ok';
  }

  identity(agentId: string): AgentIdentity | undefined {
    const row = this.db.prepare('SELECT * FROM agents WHERE id = ?').get(agentId) as AgentRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      email: row.email,
      displayName: row.display_name,
      color: row.color,
      admin: row.admin === 1,
      communes: this.rolesOf(row.id),
    };
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
    const row = this.agentRowByEmail(normalized);
    const agentId = row?.id ?? null;
    const admission = this.hashGate.enter(throttleKey(address));
    if (!admission.ok) {
      const reason = admission.reason === 'address' ? 'address-busy' : 'server-busy';
      return { ok: false, reason, agentId, delayMs: 0 };
    }
    const blocked = this.throttle.reserve(normalized, address);
    if (blocked.blocked) {
      admission.ticket.leave();
      return this.throttled(blocked.scope, blocked.until, agentId, this.failureDelayMs);
    }
    let ok: boolean;
    try {
      ok = await admission.ticket.run(() =>
        row ? verifyPassword(password, row.password_hash) : verifyAgainstNothing(password, this.scryptParams),
      );
    } catch (error) {
      this.throttle.release(normalized, address);
      throw error;
    }
    if (!row || !ok) {
      const { failures, locked } = this.throttle.settleFailure(normalized, address);
      const delayMs = Math.min(this.failureDelayMs * 2 ** Math.max(0, failures - 1), this.maxFailureDelayMs);
      if (locked.blocked) return this.throttled(locked.scope, locked.until, agentId, delayMs);
      return { ok: false, reason: 'invalid', agentId, delayMs };
    }
    if (row.disabled === 1) {
      this.throttle.release(normalized, address);
      return { ok: false, reason: 'disabled', agentId: row.id, delayMs: this.failureDelayMs };
    }
    this.throttle.settleSuccess(normalized, address);
    const now = this.now();
    const sessionId = crypto.randomUUID();
    this.db
      .prepare('INSERT INTO sessions (id, agent_id, created_at, last_used_at) VALUES (?, ?, ?, ?)')
      .run(sessionId, row.id, now, now);
    this.logger.log('info', 'auth.login', { agentId: row.id });
    return { ok: true, response: this.issue(row.id, sessionId), sessionId };
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
  unlock(email: string): void {
    this.throttle.unlockAccount(normalizeEmail(email));
  }

  /** Lifts the failed-login budget and locks of a client address (operator action). */
  unlockAddress(address: string): void {
    this.throttle.unlockAddress(address);
  }

  /** Why a session can no longer be used, or null when it can. */
  private sessionProblem(sessionId: string): 'unknown' | 'expired' | 'idle' | null {
    const session = this.db
      .prepare('SELECT created_at, last_used_at, revoked FROM sessions WHERE id = ?')
      .get(sessionId) as { created_at: number; last_used_at: number; revoked: number } | undefined;
    // Tokens issued before sessions existed have no row: treat them as a session started now.
    if (!session) return null;
    if (session.revoked === 1) return 'unknown';
    const now = this.now();
    if (now - session.created_at >= this.sessionAbsoluteMs) return 'expired';
    if (now - session.last_used_at >= this.sessionIdleMs) return 'idle';
    return null;
  }

  private touchSession(sessionId: string): void {
    // At most one write a minute per session.
    this.db
      .prepare('UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at < ?')
      .run(this.now(), sessionId, this.now() - 60_000);
  }

  /** Rotates a refresh token; a reused (already rotated) one revokes its whole family. */
  refresh(refreshToken: string): RefreshResult {
    type Refused = Extract<RefreshResult, { ok: false }>;
    const outcome = this.db
      .transaction((): Refused | { agentId: string; family: string } => {
        const row = this.tokenRow(refreshToken);
        if (!row || row.kind !== 'refresh' || row.revoked === 1) return { ok: false, reason: 'unknown' };
        if (row.rotated === 1) {
          this.revokeSession(row.family);
          return { ok: false, reason: 'reuse', agentId: row.agent_id, sessionId: row.family };
        }
        if (row.expires_at <= this.now()) return { ok: false, reason: 'expired', agentId: row.agent_id };
        const problem = this.sessionProblem(row.family);
        if (problem) {
          this.revokeSession(row.family);
          return {
            ok: false,
            reason: problem === 'idle' ? 'idle' : 'expired',
            agentId: row.agent_id,
            sessionId: row.family,
          };
        }
        this.db.prepare('UPDATE tokens SET rotated = 1 WHERE hash = ?').run(sha256(refreshToken));
        this.db.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?').run(this.now(), row.family);
        return { agentId: row.agent_id, family: row.family };
      })
      .immediate();
    if ('reason' in outcome) {
      if (outcome.reason === 'reuse')
        this.logger.log('warn', 'auth.refresh_reuse_detected', { agentId: outcome.agentId });
      return outcome;
    }
    const agent = this.db.prepare('SELECT disabled FROM agents WHERE id = ?').get(outcome.agentId) as
      { disabled: number } | undefined;
    if (!agent || agent.disabled === 1) return { ok: false, reason: 'disabled', agentId: outcome.agentId };
    return { ok: true, response: this.issue(outcome.agentId, outcome.family) };
  }

  /** Resolves an access token to the agent's identity and session. */
  authenticate(accessToken: string): TokenCheck {
    const row = this.tokenRow(accessToken);
    if (!row || row.kind !== 'access' || row.revoked === 1) return { ok: false, reason: 'unknown' };
    if (row.expires_at <= this.now()) return { ok: false, reason: 'expired', agentId: row.agent_id };
    const problem = this.sessionProblem(row.family);
    if (problem === 'unknown') return { ok: false, reason: 'unknown', agentId: row.agent_id };
    // Past its lifetime the session is over; the refresh will say so.
    if (problem) return { ok: false, reason: 'expired', agentId: row.agent_id };
    const agent = this.db.prepare('SELECT disabled FROM agents WHERE id = ?').get(row.agent_id) as
      { disabled: number } | undefined;
    if (!agent || agent.disabled === 1) return { ok: false, reason: 'unknown', agentId: row.agent_id };
    const identity = this.identity(row.agent_id);
    if (!identity) return { ok: false, reason: 'unknown' };
    this.touchSession(row.family);
    return { ok: true, identity, sessionId: row.family };
  }

  /** The live session a current (not rotated, not revoked) refresh token belongs to, or null. */
  sessionOfRefreshToken(refreshToken: string): { agentId: string; sessionId: string } | null {
    const row = this.tokenRow(refreshToken);
    if (!row || row.kind !== 'refresh' || row.revoked === 1 || row.rotated === 1) return null;
    return { agentId: row.agent_id, sessionId: row.family };
  }

  /** Ends a session: every token of its family is revoked. */
  revokeSession(sessionId: string): void {
    this.db.prepare('UPDATE tokens SET revoked = 1 WHERE family = ?').run(sessionId);
    this.db.prepare('UPDATE sessions SET revoked = 1 WHERE id = ?').run(sessionId);
  }

  /** Changes a password; every session of the agent ends. */
  async setPassword(email: string, password: string): Promise<string> {
    const agent = this.agentRowByEmail(normalizeEmail(email));
    if (!agent) throw new AccountError('unknown-agent', `Aucun compte pour ${normalizeEmail(email)}.`);
    const problem = passwordProblem(password, agent.email);
    if (problem) throw new AccountError('weak-password', problem);
    const hash = await this.hash(password);
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE agents SET password_hash = ? WHERE id = ?').run(hash, agent.id);
        this.db.prepare('UPDATE tokens SET revoked = 1 WHERE agent_id = ?').run(agent.id);
        this.db.prepare('UPDATE sessions SET revoked = 1 WHERE agent_id = ?').run(agent.id);
      })
      .immediate();
    return agent.id;
  }

  /**
   * On first start (no agent at all), creates the demo référent of DEMO_COMMUNE with a random
   * password, returned once for the entry point to print. Never logged.
   */
  async ensureDemoAccount(
    commune: string = DEMO_COMMUNE,
  ): Promise<{ email: string; password: string } | null> {
    if (this.agentCount() > 0) return null;
    const email = `referent@${commune}.demo`;
    const password = randomPassword();
    await this.addAgent({
      commune,
      email,
      password,
      role: 'referent',
      displayName: 'Référent de démonstration',
    });
    return { email, password };
  }

  private issue(agentId: string, family: string): LoginResponse {
    const now = this.now();
    const accessToken = newToken();
    const refreshToken = newToken();
    const insert = this.db.prepare(
      'INSERT INTO tokens (hash, agent_id, kind, family, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM tokens WHERE expires_at < ?').run(now);
        insert.run(sha256(accessToken), agentId, 'access', family, now + this.accessTokenTtlSeconds * 1000);
        insert.run(
          sha256(refreshToken),
          agentId,
          'refresh',
          family,
          now + this.refreshTokenTtlSeconds * 1000,
        );
      })
      .immediate();
    return {
      accessToken,
      refreshToken,
      expiresIn: this.accessTokenTtlSeconds,
      agent: this.identity(agentId)!,
    };
  }

  private tokenRow(token: string): TokenRow | undefined {
    return this.db
      .prepare('SELECT agent_id, kind, family, expires_at, rotated, revoked FROM tokens WHERE hash = ?')
      .get(sha256(token)) as TokenRow | undefined;
  }

  private agentRowByEmail(email: string): AgentRow | undefined {
    return this.db.prepare('SELECT * FROM agents WHERE email = ?').get(email) as AgentRow | undefined;
  }

  private rolesOf(agentId: string): CommuneRef[] {
    return this.db
      .prepare(
        'SELECT c.insee, c.name, c.slug, r.role FROM agent_roles r JOIN communes c ON c.insee = r.insee WHERE r.agent_id = ? ORDER BY c.insee',
      )
      .all(agentId) as CommuneRef[];
  }
}
