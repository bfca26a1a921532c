/**
 * The contract every AccountStore must meet, checked through Accounts (the policy above it, as
 * the server uses it). Run by accountStore.test.ts against SqliteAccountStore and by
 * storage/postgres/PgAccountStore.test.ts against PgAccountStore on a real PostgreSQL. A
 * second store on the same database stands for a second node (or the admin CLI).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/Logger';
import { AccountError, Accounts, type AccountsOptions } from './Accounts';
import type { AccountStore } from '../storage/AccountStore';

export interface AccountStoreFixture {
  /** A store on an emptied database. */
  store: AccountStore;
  /** Another store on the same database: another node. */
  another(): Promise<AccountStore>;
  cleanup(): Promise<void>;
}

const PASSWORD = 'Calanques-et-garrigue-2026';
const OTHER_PASSWORD = 'Sainte-Victoire-au-matin';
const IDLE_S = 3600;
const ABSOLUTE_S = 4 * 3600;

// Long by reason: the contract suite, one short `it` per rule, run against each store.
export function accountStoreContract(name: string, make: () => Promise<AccountStoreFixture>): void {
  describe(`AccountStore contract: ${name}`, () => {
    let fixture: AccountStoreFixture;
    let clock: number;
    const extra: AccountStore[] = [];
    const options = (overrides: Partial<AccountsOptions> = {}): AccountsOptions => ({
      logger: silentLogger,
      now: () => clock,
      failureDelayMs: 1,
      lockAfterFailures: 3,
      lockSeconds: 600,
      sessionIdleSeconds: IDLE_S,
      sessionAbsoluteSeconds: ABSOLUTE_S,
      scryptParams: { N: 2 ** 10, r: 8, p: 1 },
      ...overrides,
    });
    const open = (overrides?: Partial<AccountsOptions>) => Accounts.open(fixture.store, options(overrides));
    /** Accounts of another node on the same database. */
    const otherNode = async (overrides?: Partial<AccountsOptions>) => {
      const store = await fixture.another();
      extra.push(store);
      return Accounts.open(store, options(overrides));
    };
    const agent = (accounts: Accounts, email = 'agent@aix.fr', commune = '13001') =>
      accounts.addAgent({ commune, email, password: PASSWORD, role: 'agent' });

    beforeEach(async () => {
      clock = Date.UTC(2026, 11, 5, 9);
      fixture = await make();
    });
    afterEach(async () => {
      for (const store of extra.splice(0)) await store.close();
      await fixture.store.close();
      await fixture.cleanup();
    });

    it('[CLU-1] fills the registry once, even from two nodes, and finds communes by code and slug', async () => {
      const [a, b] = await Promise.all([open(), otherNode()]);
      expect(a.listCommunes()).toHaveLength(92);
      expect(b.listCommunes()).toEqual(a.listCommunes());
      expect(a.commune('13001')?.name).toBe('Aix-en-Provence');
      expect(a.communeBySlug(a.commune('13001')!.slug)?.insee).toBe('13001');
      const insees = a.listCommunes().map((c) => c.insee);
      expect(insees).toEqual([...insees].sort());
    });

    it('[CLU-1] creates agents with a role; a second account for the same e-mail is refused, even racing', async () => {
      const accounts = await open();
      const created = await agent(accounts);
      expect(created).toMatchObject({
        email: 'agent@aix.fr',
        admin: false,
        communes: [{ insee: '13001', role: 'agent' }],
      });
      expect(await accounts.agentIdByEmail(' Agent@Aix.fr ')).toBe(created.id);
      await expect(agent(accounts)).rejects.toMatchObject({ code: 'agent-exists' });
      const other = await otherNode();
      const racing = await Promise.allSettled([
        agent(accounts, 'double@aix.fr'),
        agent(other, 'double@aix.fr'),
      ]);
      expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = racing.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(AccountError);
      expect(await accounts.agentCount()).toBe(2);
    });

    it('[CLU-1] roles: granted, replaced, listed per commune in e-mail order, revoked', async () => {
      const accounts = await open();
      await agent(accounts, 'zoe@aix.fr');
      const bob = await agent(accounts, 'bob@aix.fr');
      await agent(accounts, 'ailleurs@marseille.fr', '13055');
      expect((await accounts.listAgents('13001')).map((a) => a.email)).toEqual(['bob@aix.fr', 'zoe@aix.fr']);
      expect((await accounts.listAgents()).map((a) => a.email)).toEqual([
        'ailleurs@marseille.fr',
        'bob@aix.fr',
        'zoe@aix.fr',
      ]);
      await accounts.grantRole('bob@aix.fr', '13055', 'referent');
      await accounts.grantRole('bob@aix.fr', '13001', 'relecteur');
      expect((await accounts.identity(bob.id))!.communes.map((c) => [c.insee, c.role])).toEqual([
        ['13001', 'relecteur'],
        ['13055', 'referent'],
      ]);
      expect(await accounts.roleOf(bob.id, '13055')).toBe('referent');
      await accounts.revokeRole('bob@aix.fr', '13055');
      expect(await accounts.roleOf(bob.id, '13055')).toBeUndefined();
      await expect(accounts.revokeRole('bob@aix.fr', '13055')).rejects.toMatchObject({ code: 'no-role' });
      await expect(accounts.grantRole('personne@aix.fr', '13001', 'agent')).rejects.toMatchObject({
        code: 'unknown-agent',
      });
      expect((await accounts.setAdmin('bob@aix.fr', true)).admin).toBe(true);
    });

    it('[CLU-2] a token issued by one node is accepted by another; a logout on either ends it on both', async () => {
      const a = await open();
      const b = await otherNode();
      const created = await agent(a);
      const login = await a.login('agent@aix.fr', PASSWORD, '198.51.100.1');
      if (!login.ok) throw new Error(login.reason);
      const onB = await b.authenticate(login.response.accessToken);
      expect(onB).toMatchObject({ ok: true, identity: { id: created.id }, sessionId: login.sessionId });
      expect(await b.connectionAllowed(created.id, login.sessionId, '13001', false)).toBe('ok');
      await b.revokeSession(login.sessionId);
      expect(await a.authenticate(login.response.accessToken)).toMatchObject({
        ok: false,
        reason: 'unknown',
      });
      expect(await a.connectionAllowed(created.id, login.sessionId, '13001', false)).toBe('session-ended');
      expect((await a.refresh(login.response.refreshToken)).ok).toBe(false);
      expect(await a.sessionOfRefreshToken(login.response.refreshToken)).toBeNull();
    });

    it('[CLU-3] [AUTH-5] a refresh rotates; the same refresh token sent to two nodes at once is rotated once, the other revokes the session', async () => {
      const a = await open();
      const b = await otherNode();
      await agent(a);
      const login = await a.login('agent@aix.fr', PASSWORD);
      if (!login.ok) throw new Error(login.reason);
      const first = await a.refresh(login.response.refreshToken);
      if (!first.ok) throw new Error(first.reason);
      expect(await b.authenticate(first.response.accessToken)).toMatchObject({ ok: true });
      const token = first.response.refreshToken;
      const [onA, onB] = await Promise.all([a.refresh(token), b.refresh(token)]);
      const outcomes = [onA, onB].map((r) => (r.ok ? 'ok' : r.reason)).sort();
      expect(outcomes).toEqual(['ok', 'reuse']);
      // The reuse revoked the family: every token of the session, the newest too.
      const rotated = [onA, onB].find((r) => r.ok)!;
      if (!rotated.ok) throw new Error('unreachable');
      expect(await a.authenticate(rotated.response.accessToken)).toMatchObject({ ok: false });
      expect(await b.authenticate(first.response.accessToken)).toMatchObject({ ok: false });
    });

    it('[CLU-1] [AUTH-4] an idle session ends; an active one ends at its absolute lifetime', async () => {
      const accounts = await open();
      await agent(accounts);
      const idle = await accounts.login('agent@aix.fr', PASSWORD);
      const active = await accounts.login('agent@aix.fr', PASSWORD);
      if (!idle.ok || !active.ok) throw new Error('login');
      let access = active.response;
      for (let hour = 0; hour < 4; hour++) {
        clock += (IDLE_S - 60) * 1000;
        const refreshed = await accounts.refresh(access.refreshToken);
        if (!refreshed.ok) throw new Error(`refresh ${hour}: ${refreshed.reason}`);
        access = refreshed.response;
      }
      expect(await accounts.refresh(idle.response.refreshToken)).toMatchObject({ ok: false, reason: 'idle' });
      clock += 5 * 60_000;
      expect(await accounts.refresh(access.refreshToken)).toMatchObject({ ok: false, reason: 'expired' });
    });

    it('[CLU-1] an access token in use keeps its session alive (touched at most once a minute)', async () => {
      const accounts = await open();
      await agent(accounts);
      const login = await accounts.login('agent@aix.fr', PASSWORD);
      if (!login.ok) throw new Error(login.reason);
      clock += (IDLE_S - 120) * 1000;
      expect(await accounts.authenticate(login.response.accessToken)).toMatchObject({ ok: true });
      clock += (IDLE_S - 120) * 1000;
      // Past the access token's hour, the refresh says the session is still alive.
      expect(await accounts.refresh(login.response.refreshToken)).toMatchObject({ ok: true });
    });

    it('[CLU-1] disabling an account or changing its password ends its sessions; re-enabled, it logs in again', async () => {
      const a = await open();
      const b = await otherNode();
      const created = await agent(a);
      const login = await a.login('agent@aix.fr', PASSWORD);
      if (!login.ok) throw new Error(login.reason);
      await b.setDisabled('agent@aix.fr', true);
      expect(await a.authenticate(login.response.accessToken)).toMatchObject({ ok: false });
      expect(await a.connectionAllowed(created.id, login.sessionId, '13001', false)).toBe('forbidden');
      expect(await a.login('agent@aix.fr', PASSWORD)).toMatchObject({ ok: false, reason: 'disabled' });
      await b.setDisabled('agent@aix.fr', false);
      const again = await a.login('agent@aix.fr', PASSWORD);
      if (!again.ok) throw new Error(again.reason);
      await b.setPassword('agent@aix.fr', OTHER_PASSWORD);
      expect(await a.authenticate(again.response.accessToken)).toMatchObject({ ok: false });
      expect(await a.login('agent@aix.fr', PASSWORD)).toMatchObject({ ok: false, reason: 'invalid' });
      expect(await a.login('agent@aix.fr', OTHER_PASSWORD)).toMatchObject({ ok: true });
    });

    it('[CLU-1] [CONN-4] one read judges many connections: role changes, disabled agents, deleted communes', async () => {
      const a = await open();
      const b = await otherNode();
      const kept = await agent(a, 'kept@aix.fr');
      const demoted = await agent(a, 'demoted@aix.fr');
      const reader = await a.addAgent({
        commune: '13001',
        email: 'lit@aix.fr',
        password: PASSWORD,
        role: 'relecteur',
      });
      await agent(a, 'ailleurs@marseille.fr', '13055');
      const checks = [
        { agentId: kept.id, sessionId: undefined, insee: '13001', readOnly: false },
        { agentId: demoted.id, sessionId: undefined, insee: '13001', readOnly: false },
        { agentId: reader.id, sessionId: undefined, insee: '13001', readOnly: true },
        { agentId: reader.id, sessionId: undefined, insee: '13001', readOnly: false },
        { agentId: kept.id, sessionId: undefined, insee: '13055', readOnly: false },
        { agentId: 'inconnu', sessionId: undefined, insee: '13001', readOnly: false },
      ];
      const before = await a.connectionJudge(checks);
      expect(checks.map(before)).toEqual(['ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden']);
      await b.grantRole('demoted@aix.fr', '13001', 'relecteur');
      await b.markCommuneDataDeleted('13055');
      await b.grantRole('kept@aix.fr', '13055', 'agent');
      // A role given in a deleted commune reopens it (a new agreement).
      expect(await a.communeDataDeleted('13055')).toBe(false);
      await b.markCommuneDataDeleted('13055');
      const after = await a.connectionJudge(checks);
      expect(checks.map(after)).toEqual(['ok', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden']);
    });

    it('[CLU-1] the end of a commune removes its roles and the agents left with none, not administrators', async () => {
      const accounts = await open();
      const only = await agent(accounts, 'seul@aix.fr');
      await agent(accounts, 'deux@aix.fr');
      await accounts.grantRole('deux@aix.fr', '13055', 'agent');
      await agent(accounts, 'admin@aix.fr');
      await accounts.setAdmin('admin@aix.fr', true);
      await agent(accounts, 'ailleurs@marseille.fr', '13055');
      const login = await accounts.login('seul@aix.fr', PASSWORD);
      if (!login.ok) throw new Error(login.reason);
      const { rolesRemoved, agentsDeleted } = await accounts.removeCommuneAgents('13001');
      expect(rolesRemoved).toBe(3);
      expect(agentsDeleted).toEqual([only.id]);
      expect(await accounts.identity(only.id)).toBeUndefined();
      expect(await accounts.authenticate(login.response.accessToken)).toMatchObject({ ok: false });
      expect((await accounts.listAgents()).map((a) => a.email)).toEqual([
        'admin@aix.fr',
        'ailleurs@marseille.fr',
        'deux@aix.fr',
      ]);
    });

    it('[CLU-4] [AUTH-2] [AUTH-6] failures lock the account from that address on every node, not from another; unlock lifts it', async () => {
      const a = await open();
      const b = await otherNode();
      await agent(a);
      const A = '198.51.100.1';
      const B = '198.51.100.2';
      const delays: number[] = [];
      for (const node of [a, b, a]) {
        const result = await node.login('agent@aix.fr', 'mauvais-mot-de-passe', A);
        if (!result.ok) delays.push(result.delayMs);
      }
      expect(delays).toEqual([1, 2, 4]);
      expect(await b.login('agent@aix.fr', PASSWORD, A)).toMatchObject({ ok: false, reason: 'locked' });
      expect(await b.login('agent@aix.fr', PASSWORD, B)).toMatchObject({ ok: true });
      await b.unlock('agent@aix.fr');
      expect(await a.login('agent@aix.fr', PASSWORD, A)).toMatchObject({ ok: true });
      clock += 601_000;
      expect(await a.login('agent@aix.fr', PASSWORD, A)).toMatchObject({ ok: true });
    });

    it('[CLU-4] [AUTH-11] parallel guesses on two nodes cannot overrun the cap: each counts before its hash', async () => {
      // Room for all ten at the hash gates: the throttle alone decides.
      const gate = { hashGate: { perAddress: 16, maxWaiting: 16 }, addressFailureBudget: 4 };
      const a = await open(gate);
      const b = await otherNode(gate);
      for (let i = 0; i < 10; i++) await agent(a, `cible${i}@aix.fr`);
      const address = '203.0.113.9';
      const guesses = Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).login(`cible${i}@aix.fr`, 'mauvais-mot-de-passe', address),
      );
      const results = await Promise.all(guesses);
      // Four guesses took the budget before their hash: three refused as wrong, the fourth
      // locking the address; the six others refused before any hash.
      expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(3);
      expect(results.filter((r) => !r.ok && r.reason === 'address-throttled')).toHaveLength(7);
      // Even the right password is refused from that address now; another one is not affected.
      expect(await a.login('cible0@aix.fr', PASSWORD, address)).toMatchObject({
        reason: 'address-throttled',
      });
      expect(await b.login('cible0@aix.fr', PASSWORD, '203.0.113.10')).toMatchObject({ ok: true });
      await a.unlockAddress(address);
      expect(await b.login('cible0@aix.fr', PASSWORD, address)).toMatchObject({ ok: true });
    });
  });
}
