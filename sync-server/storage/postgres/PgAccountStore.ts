/**
 * AccountStore on PostgreSQL (cluster mode, `DATABASE_URL=postgres://…`): every node reads and
 * writes the same accounts, sessions and throttle counters, so a token issued by one node is
 * accepted by another and a logout anywhere ends the session everywhere.
 *
 * Where SQLite serializes with one writer, PostgreSQL locks: the refresh step locks its token
 * row (`SELECT … FOR UPDATE`: two nodes given the same refresh token at once rotate it once,
 * the second sees a reuse); a throttle transaction takes a transaction-scoped advisory lock per
 * counter, in key order (a counter that has no row yet cannot be row-locked; the order avoids
 * deadlocks between two logins). Orders use the "C" collation: the same as SQLite's.
 */
import { sql, type Transaction } from 'kysely';
import type { CommuneRef, Role } from '../../../site/apiContract';
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
} from '../AccountStore';
import { LOCK_NAMESPACE } from './advisoryLocks';
import { openPostgres, type PgDatabase, type PgOpenOptions, type PgSchema } from './pgDatabase';

type AgentRow = PgSchema['agents'];

const agentOf = (row: AgentRow): AgentRecord => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  color: row.color,
  passwordHash: row.password_hash,
  admin: row.admin,
  disabled: row.disabled,
});

const tokenOf = (row: PgSchema['tokens']): TokenRecord => ({
  agentId: row.agent_id,
  kind: row.kind as TokenRecord['kind'],
  family: row.family,
  expiresAt: Number(row.expires_at),
  rotated: row.rotated,
  revoked: row.revoked,
});

const sessionOf = (row: {
  created_at: string | number;
  last_used_at: string | number;
  revoked: boolean;
}) => ({
  createdAt: Number(row.created_at),
  lastUsedAt: Number(row.last_used_at),
  revoked: row.revoked,
});

export class PgAccountStore implements AccountStore {
  private readonly db: PgDatabase;
  private readonly ownsDatabase: boolean;

  /** `ownsDatabase`: close() also ends the pool (as `PgAccountStore.open` sets). */
  constructor(db: PgDatabase, options: { ownsDatabase?: boolean } = {}) {
    this.db = db;
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  /** Connects to `url` and migrates the schema (tests; the server shares composition's pool). */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PgAccountStore> {
    return new PgAccountStore(await openPostgres(url, options), { ownsDatabase: true });
  }

  async ensureCommunes(communes: Commune[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      // Two nodes starting together: the second waits, then finds the table filled.
      await sql`lock table communes in exclusive mode`.execute(trx);
      const { n } = await trx
        .selectFrom('communes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(n) > 0 || communes.length === 0) return 0;
      await trx.insertInto('communes').values(communes).execute();
      return communes.length;
    });
  }

  async listCommunes(): Promise<Commune[]> {
    return this.db
      .selectFrom('communes')
      .select(['insee', 'name', 'slug', 'siren', 'population'])
      .orderBy(sql`insee collate "C"`)
      .execute();
  }

  async agentCount(): Promise<number> {
    const { n } = await this.db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async agentByEmail(email: string): Promise<AgentRecord | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('email', '=', email).executeTakeFirst();
    return row && agentOf(row);
  }

  /** Roles of the agents, by agent, communes in INSEE order. */
  private async rolesOf(agentIds: string[], db: PgDatabase | Transaction<PgSchema> = this.db) {
    const roles = new Map<string, CommuneRef[]>();
    if (agentIds.length === 0) return roles;
    const rows = await db
      .selectFrom('agent_roles as r')
      .innerJoin('communes as c', 'c.insee', 'r.insee')
      .select(['r.agent_id', 'c.insee', 'c.name', 'c.slug', 'r.role'])
      .where('r.agent_id', 'in', agentIds)
      .orderBy(sql`c.insee collate "C"`)
      .execute();
    for (const { agent_id: agentId, ...ref } of rows) {
      let list = roles.get(agentId);
      if (!list) roles.set(agentId, (list = []));
      list.push({ ...ref, role: ref.role as Role });
    }
    return roles;
  }

  private async withRoles(rows: AgentRow[]): Promise<AgentWithRoles[]> {
    const roles = await this.rolesOf(rows.map((row) => row.id));
    return rows.map((row) => ({ ...agentOf(row), roles: roles.get(row.id) ?? [] }));
  }

  async agentWithRoles(agentId: string): Promise<AgentWithRoles | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
    return row && (await this.withRoles([row]))[0];
  }

  async listAgents(insee?: string): Promise<AgentWithRoles[]> {
    let query = this.db.selectFrom('agents as a').selectAll('a');
    if (insee) query = query.innerJoin('agent_roles as r', 'r.agent_id', 'a.id').where('r.insee', '=', insee);
    const rows = await query.orderBy(sql`a.email collate "C"`).execute();
    return this.withRoles(rows);
  }

  async insertAgent(agent: AgentRecord & { createdAt: number }, insee: string, role: Role): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('agents')
        .values({
          id: agent.id,
          email: agent.email,
          display_name: agent.displayName,
          color: agent.color,
          password_hash: agent.passwordHash,
          admin: agent.admin,
          disabled: agent.disabled,
          created_at: agent.createdAt,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      await trx.insertInto('agent_roles').values({ agent_id: agent.id, insee, role }).execute();
      await trx.deleteFrom('commune_data_deleted').where('insee', '=', insee).execute();
      return true;
    });
  }

  async roleOf(agentId: string, insee: string): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('agent_roles')
      .select('role')
      .where('agent_id', '=', agentId)
      .where('insee', '=', insee)
      .executeTakeFirst();
    return row?.role as Role | undefined;
  }

  async upsertRole(agentId: string, insee: string, role: Role): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('agent_roles')
        .values({ agent_id: agentId, insee, role })
        .onConflict((oc) => oc.columns(['agent_id', 'insee']).doUpdateSet({ role }))
        .execute();
      await trx.deleteFrom('commune_data_deleted').where('insee', '=', insee).execute();
    });
  }

  async deleteRole(agentId: string, insee: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('agent_roles')
      .where('agent_id', '=', agentId)
      .where('insee', '=', insee)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async setAdmin(agentId: string, admin: boolean): Promise<void> {
    await this.db.updateTable('agents').set({ admin }).where('id', '=', agentId).execute();
  }

  private async revokeAllOf(trx: Transaction<PgSchema>, agentId: string): Promise<void> {
    await trx.updateTable('tokens').set({ revoked: true }).where('agent_id', '=', agentId).execute();
    await trx.updateTable('sessions').set({ revoked: true }).where('agent_id', '=', agentId).execute();
  }

  async setDisabled(agentId: string, disabled: boolean): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('agents').set({ disabled }).where('id', '=', agentId).execute();
      if (disabled) await this.revokeAllOf(trx, agentId);
    });
  }

  async setPasswordHash(agentId: string, hash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('agents').set({ password_hash: hash }).where('id', '=', agentId).execute();
      await this.revokeAllOf(trx, agentId);
    });
  }

  async removeCommuneAgents(insee: string): Promise<{ rolesRemoved: number; agentsDeleted: string[] }> {
    return this.db.transaction().execute(async (trx) => {
      const removed = await trx
        .deleteFrom('agent_roles')
        .where('insee', '=', insee)
        .returning('agent_id')
        .execute();
      const members = [...new Set(removed.map((row) => row.agent_id))];
      if (members.length === 0) return { rolesRemoved: 0, agentsDeleted: [] };
      const deleted = await trx
        .deleteFrom('agents')
        .where('id', 'in', members)
        .where('admin', '=', false)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('agent_roles').select('agent_id').whereRef('agent_roles.agent_id', '=', 'agents.id'),
            ),
          ),
        )
        .returning('id')
        .execute();
      const gone = new Set(deleted.map((row) => row.id));
      return { rolesRemoved: removed.length, agentsDeleted: members.filter((id) => gone.has(id)) };
    });
  }

  async markCommuneDataDeleted(insee: string, at: number): Promise<void> {
    await this.db
      .insertInto('commune_data_deleted')
      .values({ insee, deleted_at: at })
      .onConflict((oc) => oc.column('insee').doUpdateSet({ deleted_at: at }))
      .execute();
  }

  async communeDataDeleted(insee: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('commune_data_deleted')
      .select('insee')
      .where('insee', '=', insee)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertSession(id: string, agentId: string, now: number): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ id, agent_id: agentId, created_at: now, last_used_at: now, revoked: false })
      .execute();
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .select(['created_at', 'last_used_at', 'revoked'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && sessionOf(row);
  }

  async touchSession(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where('last_used_at', '<', now - 60_000)
      .execute();
  }

  private async revokeSessionIn(trx: Transaction<PgSchema>, id: string): Promise<void> {
    await trx.updateTable('tokens').set({ revoked: true }).where('family', '=', id).execute();
    await trx.updateTable('sessions').set({ revoked: true }).where('id', '=', id).execute();
  }

  async revokeSession(id: string): Promise<void> {
    await this.db.transaction().execute((trx) => this.revokeSessionIn(trx, id));
  }

  async insertTokens(now: number, tokens: NewToken[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tokens').where('expires_at', '<', now).execute();
      await trx
        .insertInto('tokens')
        .values(
          tokens.map((t) => ({
            hash: t.hash,
            agent_id: t.agentId,
            kind: t.kind,
            family: t.family,
            expires_at: t.expiresAt,
            rotated: false,
            revoked: false,
          })),
        )
        .execute();
    });
  }

  async token(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && tokenOf(row);
  }

  async tokenContext(hash: string): Promise<TokenContext | undefined> {
    // One statement: the token, its session and its agent as of one snapshot.
    const row = await this.db
      .selectFrom('tokens as t')
      .leftJoin('sessions as s', 's.id', 't.family')
      .leftJoin('agents as a', 'a.id', 't.agent_id')
      .selectAll('t')
      .select([
        's.created_at as s_created_at',
        's.last_used_at as s_last_used_at',
        's.revoked as s_revoked',
        'a.id as a_id',
        'a.email as a_email',
        'a.display_name as a_display_name',
        'a.color as a_color',
        'a.password_hash as a_password_hash',
        'a.admin as a_admin',
        'a.disabled as a_disabled',
      ])
      .where('t.hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const session =
      row.s_created_at === null || row.s_last_used_at === null || row.s_revoked === null
        ? undefined
        : sessionOf({
            created_at: row.s_created_at,
            last_used_at: row.s_last_used_at,
            revoked: row.s_revoked,
          });
    let agent: AgentWithRoles | undefined;
    if (row.a_id !== null) {
      const roles = await this.rolesOf([row.a_id]);
      agent = {
        id: row.a_id,
        email: row.a_email!,
        displayName: row.a_display_name!,
        color: row.a_color!,
        passwordHash: row.a_password_hash!,
        admin: row.a_admin!,
        disabled: row.a_disabled!,
        roles: roles.get(row.a_id) ?? [],
      };
    }
    return { token: tokenOf(row), session, agent };
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
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('tokens')
        .selectAll()
        .where('hash', '=', hash)
        .forUpdate()
        .executeTakeFirst();
      const token = row && tokenOf(row);
      const sessionRow =
        token &&
        (await trx
          .selectFrom('sessions')
          .select(['created_at', 'last_used_at', 'revoked'])
          .where('id', '=', token.family)
          .forUpdate()
          .executeTakeFirst());
      const { effect, outcome } = decide(token, sessionRow ? sessionOf(sessionRow) : undefined);
      if (token && effect.kind === 'revoke-session') await this.revokeSessionIn(trx, token.family);
      if (token && effect.kind === 'rotate') {
        await trx.updateTable('tokens').set({ rotated: true }).where('hash', '=', hash).execute();
        await trx
          .updateTable('sessions')
          .set({ last_used_at: effect.at })
          .where('id', '=', token.family)
          .execute();
      }
      return outcome;
    });
  }

  async accessFacts(agentIds: string[], sessionIds: string[], insees: string[]): Promise<AccessFacts> {
    const facts: AccessFacts = { agents: new Map(), sessions: new Map(), deletedCommunes: new Set() };
    // One statement for the whole pass, whatever the number of connections.
    const result = await sql<{ agents: unknown; roles: unknown; sessions: unknown; deleted: unknown }>`
      select
        (select coalesce(json_agg(json_build_object('id', id, 'admin', admin, 'disabled', disabled)), '[]')
           from agents where id = any(${agentIds}::text[])) as agents,
        (select coalesce(json_agg(json_build_object('agent_id', r.agent_id, 'insee', c.insee, 'name', c.name,
                   'slug', c.slug, 'role', r.role) order by c.insee collate "C"), '[]')
           from agent_roles r join communes c on c.insee = r.insee
           where r.agent_id = any(${agentIds}::text[])) as roles,
        (select coalesce(json_agg(json_build_object('id', id, 'created_at', created_at,
                   'last_used_at', last_used_at, 'revoked', revoked)), '[]')
           from sessions where id = any(${sessionIds}::text[])) as sessions,
        (select coalesce(json_agg(insee), '[]')
           from commune_data_deleted where insee = any(${insees}::text[])) as deleted
    `.execute(this.db);
    const row = result.rows[0]!;
    for (const agent of row.agents as Array<{ id: string; admin: boolean; disabled: boolean }>)
      facts.agents.set(agent.id, { admin: agent.admin, disabled: agent.disabled, roles: [] });
    for (const { agent_id: agentId, ...ref } of row.roles as Array<CommuneRef & { agent_id: string }>)
      facts.agents.get(agentId)?.roles.push(ref);
    for (const s of row.sessions as Array<{
      id: string;
      created_at: number;
      last_used_at: number;
      revoked: boolean;
    }>)
      facts.sessions.set(s.id, sessionOf(s));
    for (const insee of row.deleted as string[]) facts.deletedCommunes.add(insee);
    return facts;
  }

  async throttleTransaction<T>(
    keys: ThrottleKey[],
    decide: (rows: Array<ThrottleRow | undefined>) => { writes: ThrottleWrites; result: T },
  ): Promise<T> {
    const name = (k: ThrottleKey) => JSON.stringify([k.scope, k.email, k.address]);
    return this.db.transaction().execute(async (trx) => {
      for (const lock of [...new Set(keys.map(name))].sort())
        await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE.loginThrottle}::int, hashtext(${lock}))`.execute(
          trx,
        );
      const rows = await Promise.all(
        keys.map((k) =>
          trx
            .selectFrom('login_throttle')
            .select(['failures', 'window_start', 'locked_until'])
            .where('scope', '=', k.scope)
            .where('email', '=', k.email)
            .where('address', '=', k.address)
            .executeTakeFirst(),
        ),
      );
      const { writes, result } = decide(
        rows.map(
          (row) =>
            row && {
              failures: row.failures,
              windowStart: Number(row.window_start),
              lockedUntil: Number(row.locked_until),
            },
        ),
      );
      for (const [i, k] of keys.entries()) {
        const write = writes[i];
        const where = trx
          .deleteFrom('login_throttle')
          .where('scope', '=', k.scope)
          .where('email', '=', k.email)
          .where('address', '=', k.address);
        if (write === null) await where.execute();
        else if (write) {
          const values = {
            failures: write.failures,
            window_start: write.windowStart,
            locked_until: write.lockedUntil,
          };
          await trx
            .insertInto('login_throttle')
            .values({ scope: k.scope, email: k.email, address: k.address, ...values })
            .onConflict((oc) => oc.columns(['scope', 'email', 'address']).doUpdateSet(values))
            .execute();
        }
      }
      return result;
    });
  }

  async deleteThrottle(filter: { email: string } | { address: string }): Promise<void> {
    const query = this.db.deleteFrom('login_throttle');
    await (
      'email' in filter
        ? query.where('email', '=', filter.email)
        : query.where('address', '=', filter.address)
    ).execute();
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.db.destroy();
  }
}
