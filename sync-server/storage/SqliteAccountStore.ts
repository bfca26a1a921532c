/**
 * AccountStore in DATA_DIR's SQLite file (the embedded default): better-sqlite3, synchronous
 * underneath — every method runs to completion before it returns its promise, each write in an
 * immediate transaction, so the admin CLI (another process) and the server see each other's
 * changes at once.
 */
import type { CommuneRef, Role } from '../../site/apiContract';
import type { SqliteDatabase } from './database';
import { statementCache, type Prepare } from './statementCache';
import type {
  AccessFacts,
  AccountStore,
  Commune,
  AgentRecord,
  AgentWithRoles,
  NewToken,
  RefreshEffect,
  SessionRecord,
  ThrottleKey,
  ThrottleRow,
  ThrottleWrites,
  TokenContext,
  TokenRecord,
} from './AccountStore';

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

interface SessionRow {
  created_at: number;
  last_used_at: number;
  revoked: number;
}

const agentOf = (row: AgentRow): AgentRecord => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  color: row.color,
  passwordHash: row.password_hash,
  admin: row.admin === 1,
  disabled: row.disabled === 1,
});

const tokenOf = (row: TokenRow): TokenRecord => ({
  agentId: row.agent_id,
  kind: row.kind,
  family: row.family,
  expiresAt: row.expires_at,
  rotated: row.rotated === 1,
  revoked: row.revoked === 1,
});

const sessionOf = (row: SessionRow): SessionRecord => ({
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revoked: row.revoked === 1,
});

export class SqliteAccountStore implements AccountStore {
  private readonly db: SqliteDatabase;
  private readonly sql: Prepare;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.sql = statementCache(db);
  }

  async ensureCommunes(communes: Commune[]): Promise<number> {
    const insert = this.sql(
      'INSERT INTO communes (insee, name, slug, siren, population) VALUES (@insee, @name, @slug, @siren, @population)',
    );
    return this.db
      .transaction(() => {
        const count = (this.sql('SELECT COUNT(*) AS n FROM communes').get() as { n: number }).n;
        if (count > 0) return 0;
        for (const commune of communes) insert.run(commune);
        return communes.length;
      })
      .immediate();
  }

  async listCommunes(): Promise<Commune[]> {
    return this.sql(
      'SELECT insee, name, slug, siren, population FROM communes ORDER BY insee',
    ).all() as Commune[];
  }

  async agentCount(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n;
  }

  private agentRowByEmail(email: string): AgentRow | undefined {
    return this.sql('SELECT * FROM agents WHERE email = ?').get(email) as AgentRow | undefined;
  }

  async agentByEmail(email: string): Promise<AgentRecord | undefined> {
    const row = this.agentRowByEmail(email);
    return row && agentOf(row);
  }

  private rolesOf(agentId: string): CommuneRef[] {
    return this.sql(
      'SELECT c.insee, c.name, c.slug, r.role FROM agent_roles r JOIN communes c ON c.insee = r.insee WHERE r.agent_id = ? ORDER BY c.insee',
    ).all(agentId) as CommuneRef[];
  }

  private withRoles(row: AgentRow): AgentWithRoles {
    return { ...agentOf(row), roles: this.rolesOf(row.id) };
  }

  async agentWithRoles(agentId: string): Promise<AgentWithRoles | undefined> {
    const row = this.sql('SELECT * FROM agents WHERE id = ?').get(agentId) as AgentRow | undefined;
    return row && this.withRoles(row);
  }

  async listAgents(insee?: string): Promise<AgentWithRoles[]> {
    const rows = (
      insee
        ? this.sql(
            'SELECT a.* FROM agents a JOIN agent_roles r ON r.agent_id = a.id WHERE r.insee = ? ORDER BY a.email',
          ).all(insee)
        : this.sql('SELECT * FROM agents ORDER BY email').all()
    ) as AgentRow[];
    return rows.map((row) => this.withRoles(row));
  }

  async insertAgent(agent: AgentRecord & { createdAt: number }, insee: string, role: Role): Promise<boolean> {
    return this.db
      .transaction(() => {
        if (this.agentRowByEmail(agent.email)) return false;
        this.sql(
          'INSERT INTO agents (id, email, display_name, color, password_hash, admin, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          agent.id,
          agent.email,
          agent.displayName,
          agent.color,
          agent.passwordHash,
          agent.admin ? 1 : 0,
          agent.disabled ? 1 : 0,
          agent.createdAt,
        );
        this.sql('INSERT INTO agent_roles (agent_id, insee, role) VALUES (?, ?, ?)').run(
          agent.id,
          insee,
          role,
        );
        this.reopenCommune(insee);
        return true;
      })
      .immediate();
  }

  async roleOf(agentId: string, insee: string): Promise<Role | undefined> {
    const row = this.sql('SELECT role FROM agent_roles WHERE agent_id = ? AND insee = ?').get(
      agentId,
      insee,
    ) as { role: Role } | undefined;
    return row?.role;
  }

  async upsertRole(agentId: string, insee: string, role: Role): Promise<void> {
    this.db
      .transaction(() => {
        this.sql(
          'INSERT INTO agent_roles (agent_id, insee, role) VALUES (?, ?, ?) ON CONFLICT (agent_id, insee) DO UPDATE SET role = excluded.role',
        ).run(agentId, insee, role);
        this.reopenCommune(insee);
      })
      .immediate();
  }

  async deleteRole(agentId: string, insee: string): Promise<boolean> {
    return (
      this.sql('DELETE FROM agent_roles WHERE agent_id = ? AND insee = ?').run(agentId, insee).changes > 0
    );
  }

  async setAdmin(agentId: string, admin: boolean): Promise<void> {
    this.sql('UPDATE agents SET admin = ? WHERE id = ?').run(admin ? 1 : 0, agentId);
  }

  private revokeAllOf(agentId: string): void {
    this.sql('UPDATE tokens SET revoked = 1 WHERE agent_id = ?').run(agentId);
    this.sql('UPDATE sessions SET revoked = 1 WHERE agent_id = ?').run(agentId);
  }

  async setDisabled(agentId: string, disabled: boolean): Promise<void> {
    this.db
      .transaction(() => {
        this.sql('UPDATE agents SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, agentId);
        if (disabled) this.revokeAllOf(agentId);
      })
      .immediate();
  }

  async setPasswordHash(agentId: string, hash: string): Promise<void> {
    this.db
      .transaction(() => {
        this.sql('UPDATE agents SET password_hash = ? WHERE id = ?').run(hash, agentId);
        this.revokeAllOf(agentId);
      })
      .immediate();
  }

  async removeCommuneAgents(insee: string): Promise<{ rolesRemoved: number; agentsDeleted: string[] }> {
    return this.db
      .transaction(() => {
        const members = this.sql('SELECT agent_id FROM agent_roles WHERE insee = ?').all(insee) as Array<{
          agent_id: string;
        }>;
        const rolesRemoved = this.sql('DELETE FROM agent_roles WHERE insee = ?').run(insee).changes;
        const agentsDeleted: string[] = [];
        for (const { agent_id: id } of members) {
          const left = this.sql('SELECT COUNT(*) AS n FROM agent_roles WHERE agent_id = ?').get(id) as {
            n: number;
          };
          const row = this.sql('SELECT admin FROM agents WHERE id = ?').get(id) as
            { admin: number } | undefined;
          if (left.n === 0 && row && row.admin === 0) {
            this.sql('DELETE FROM agents WHERE id = ?').run(id);
            agentsDeleted.push(id);
          }
        }
        return { rolesRemoved, agentsDeleted };
      })
      .immediate();
  }

  async markCommuneDataDeleted(insee: string, at: number): Promise<void> {
    this.sql(
      'INSERT INTO commune_data_deleted (insee, deleted_at) VALUES (?, ?) ON CONFLICT (insee) DO UPDATE SET deleted_at = excluded.deleted_at',
    ).run(insee, at);
  }

  async communeDataDeleted(insee: string): Promise<boolean> {
    return this.sql('SELECT 1 FROM commune_data_deleted WHERE insee = ?').get(insee) !== undefined;
  }

  private reopenCommune(insee: string): void {
    this.sql('DELETE FROM commune_data_deleted WHERE insee = ?').run(insee);
  }

  async insertSession(id: string, agentId: string, now: number): Promise<void> {
    this.sql('INSERT INTO sessions (id, agent_id, created_at, last_used_at) VALUES (?, ?, ?, ?)').run(
      id,
      agentId,
      now,
      now,
    );
  }

  private sessionRow(id: string): SessionRecord | undefined {
    const row = this.sql('SELECT created_at, last_used_at, revoked FROM sessions WHERE id = ?').get(id) as
      SessionRow | undefined;
    return row && sessionOf(row);
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    return this.sessionRow(id);
  }

  async touchSession(id: string, now: number): Promise<void> {
    this.sql('UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at < ?').run(
      now,
      id,
      now - 60_000,
    );
  }

  private revokeSessionNow(id: string): void {
    this.sql('UPDATE tokens SET revoked = 1 WHERE family = ?').run(id);
    this.sql('UPDATE sessions SET revoked = 1 WHERE id = ?').run(id);
  }

  async revokeSession(id: string): Promise<void> {
    this.db.transaction(() => this.revokeSessionNow(id)).immediate();
  }

  async insertTokens(now: number, tokens: NewToken[]): Promise<void> {
    const insert = this.sql(
      'INSERT INTO tokens (hash, agent_id, kind, family, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db
      .transaction(() => {
        this.sql('DELETE FROM tokens WHERE expires_at < ?').run(now);
        for (const t of tokens) insert.run(t.hash, t.agentId, t.kind, t.family, t.expiresAt);
      })
      .immediate();
  }

  private tokenRow(hash: string): TokenRecord | undefined {
    const row = this.sql(
      'SELECT agent_id, kind, family, expires_at, rotated, revoked FROM tokens WHERE hash = ?',
    ).get(hash) as TokenRow | undefined;
    return row && tokenOf(row);
  }

  async token(hash: string): Promise<TokenRecord | undefined> {
    return this.tokenRow(hash);
  }

  async tokenContext(hash: string): Promise<TokenContext | undefined> {
    const token = this.tokenRow(hash);
    if (!token) return undefined;
    return {
      token,
      session: this.sessionRow(token.family),
      agent: await this.agentWithRoles(token.agentId),
    };
  }

  async refreshTransaction<T>(
    hash: string,
    decide: (
      token: TokenRecord | undefined,
      session: SessionRecord | undefined,
    ) => {
      effect: RefreshEffect;
      outcome: T;
    },
  ): Promise<T> {
    return this.db
      .transaction(() => {
        const token = this.tokenRow(hash);
        const { effect, outcome } = decide(token, token && this.sessionRow(token.family));
        if (token && effect.kind === 'revoke-session') this.revokeSessionNow(token.family);
        if (token && effect.kind === 'rotate') {
          this.sql('UPDATE tokens SET rotated = 1 WHERE hash = ?').run(hash);
          this.sql('UPDATE sessions SET last_used_at = ? WHERE id = ?').run(effect.at, token.family);
        }
        return outcome;
      })
      .immediate();
  }

  async accessFacts(agentIds: string[], sessionIds: string[], insees: string[]): Promise<AccessFacts> {
    const facts: AccessFacts = { agents: new Map(), sessions: new Map(), deletedCommunes: new Set() };
    // One statement per table, whatever the number of connections (ids passed as one JSON array).
    const ids = JSON.stringify(agentIds);
    const agents = this.sql(
      'SELECT id, admin, disabled FROM agents WHERE id IN (SELECT value FROM json_each(?))',
    ).all(ids) as Array<{ id: string; admin: number; disabled: number }>;
    for (const row of agents)
      facts.agents.set(row.id, { admin: row.admin === 1, disabled: row.disabled === 1, roles: [] });
    const roles = this.sql(
      `SELECT r.agent_id, c.insee, c.name, c.slug, r.role FROM agent_roles r JOIN communes c ON c.insee = r.insee
         WHERE r.agent_id IN (SELECT value FROM json_each(?)) ORDER BY c.insee`,
    ).all(ids) as Array<CommuneRef & { agent_id: string }>;
    for (const { agent_id: agentId, ...ref } of roles) facts.agents.get(agentId)?.roles.push(ref);
    const sessions = this.sql(
      'SELECT id, created_at, last_used_at, revoked FROM sessions WHERE id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(sessionIds)) as Array<SessionRow & { id: string }>;
    for (const row of sessions) facts.sessions.set(row.id, sessionOf(row));
    const deleted = this.sql(
      'SELECT insee FROM commune_data_deleted WHERE insee IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(insees)) as Array<{ insee: string }>;
    for (const { insee } of deleted) facts.deletedCommunes.add(insee);
    return facts;
  }

  async throttleTransaction<T>(
    keys: ThrottleKey[],
    decide: (rows: Array<ThrottleRow | undefined>) => { writes: ThrottleWrites; result: T },
  ): Promise<T> {
    const select = this.sql(
      'SELECT failures, window_start, locked_until FROM login_throttle WHERE scope = ? AND email = ? AND address = ?',
    );
    const upsert = this.sql(
      `INSERT INTO login_throttle (scope, email, address, failures, window_start, locked_until)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, email, address) DO UPDATE SET failures = excluded.failures,
         window_start = excluded.window_start, locked_until = excluded.locked_until`,
    );
    const remove = this.sql('DELETE FROM login_throttle WHERE scope = ? AND email = ? AND address = ?');
    return this.db
      .transaction(() => {
        const rows = keys.map((k) => {
          const row = select.get(k.scope, k.email, k.address) as
            { failures: number; window_start: number; locked_until: number } | undefined;
          return (
            row && { failures: row.failures, windowStart: row.window_start, lockedUntil: row.locked_until }
          );
        });
        const { writes, result } = decide(rows);
        keys.forEach((k, i) => {
          const write = writes[i];
          if (write === null) remove.run(k.scope, k.email, k.address);
          else if (write)
            upsert.run(k.scope, k.email, k.address, write.failures, write.windowStart, write.lockedUntil);
        });
        return result;
      })
      .immediate();
  }

  async deleteThrottle(filter: { email: string } | { address: string }): Promise<void> {
    if ('email' in filter) this.sql('DELETE FROM login_throttle WHERE email = ?').run(filter.email);
    else this.sql('DELETE FROM login_throttle WHERE address = ?').run(filter.address);
  }

  async close(): Promise<void> {}
}
