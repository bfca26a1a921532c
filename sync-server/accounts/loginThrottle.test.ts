// Failed-login throttling against the real server (tier c): counted per (account, client
// address), per address across accounts, and — softer — per account across addresses. Each
// test client speaks from its own loopback address (127.0.0.x), a real different peer.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from './LoginThrottle';
import { SqliteAccountStore } from '../storage/SqliteAccountStore';
import { throttleKey } from '../observability/addressKey';
import { migrate } from '../storage/schema';
import type { RunningServer } from '../app/server';
import { callApiFrom, login, startTestServer, tempDataDir } from '../app/testHarness';

const PASSWORD = 'Tour-de-Keroman-et-phare';
const ADMIN_PASSWORD = 'Hotel-de-ville-Aubagne-1';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let adminToken: string;
let clock = Date.now();

const attempt = (from: string, email: string, password: string) =>
  callApiFrom(server, from, 'POST', '/api/auth/login', { body: { email, password } });

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    now: () => clock,
    loginFailureDelayMs: 5,
    sessions: {
      lockAfterFailures: 3,
      lockSeconds: 600,
      addressFailureBudget: 5,
      accountLockAfterFailures: 7,
      // Cheaper scrypt (test hook): what is tested is the counting.
      scryptParams: { N: 2 ** 12, r: 8, p: 1 },
    },
  });
  await Promise.all(
    ['cible@aubagne.fr', 'autre@aubagne.fr', 'distribue@aubagne.fr'].map((email) =>
      server.admin.addAgent({ commune: '13005', email, password: PASSWORD, role: 'agent' }),
    ),
  );
  await server.admin.addAgent({
    commune: '13005',
    email: 'admin@ampmetropole.fr',
    password: ADMIN_PASSWORD,
    role: 'agent',
  });
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  adminToken = (await login(server, 'admin@ampmetropole.fr', ADMIN_PASSWORD)).accessToken;
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('login throttling', () => {
  it('[AUTH-6] an attacker locking an account from address A does not stop its agent logging in from address B; unlock lifts A', async () => {
    const A = '127.0.0.2';
    const B = '127.0.0.3';
    expect((await attempt(A, 'cible@aubagne.fr', 'devine-essai-numero-1')).status).toBe(401);
    expect((await attempt(A, 'cible@aubagne.fr', 'devine-essai-numero-2')).status).toBe(401);
    const third = await attempt(A, 'cible@aubagne.fr', 'devine-essai-numero-3');
    expect(third.status).toBe(429);
    expect(third.body.error).toEqual({
      code: 'account-locked',
      message: expect.stringMatching(/bloqué jusqu'à/),
    });
    // Even the right password, from A, is refused…
    expect((await attempt(A, 'cible@aubagne.fr', PASSWORD)).status).toBe(429);
    // …but the agent at the town hall logs in.
    expect((await attempt(B, 'cible@aubagne.fr', PASSWORD)).status).toBe(200);
    // Their success does not lift the attacker's lock.
    expect((await attempt(A, 'cible@aubagne.fr', PASSWORD)).status).toBe(429);
    const locked = (await server.audit.list()).filter((e) => e.event === 'auth.locked');
    expect(locked.at(-1)).toMatchObject({ address: A, outcome: 'account-locked' });
    expect(
      (await server.audit.list())
        .filter((e) => e.event === 'auth.login_failed')
        .every((e) => e.address === A),
    ).toBe(true);
    const target = (
      await callApiFrom(server, B, 'GET', '/api/communes/13005/agents', { token: adminToken })
    ).body.agents.find((a: { email: string }) => a.email === 'cible@aubagne.fr');
    const unlock = await callApiFrom(server, B, 'POST', `/api/admin/agents/${target.id}/unlock`, {
      token: adminToken,
    });
    expect(unlock.status).toBe(200);
    expect((await attempt(A, 'cible@aubagne.fr', PASSWORD)).status).toBe(200);
    expect((await server.audit.list()).at(-2)).toMatchObject({
      event: 'auth.unlocked',
      details: { email: 'cible@aubagne.fr' },
    });
  });

  it('[AUTH-7] one address trying many accounts gets 429 with a French message; other addresses are not affected', async () => {
    const C = '127.0.0.4';
    const D = '127.0.0.5';
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof attempt>> | null = null;
    for (let i = 1; i <= 5; i++) {
      last = await attempt(C, `inconnu${i}@aubagne.fr`, 'motdepasse-au-hasard');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(last!.body.error).toEqual({
      code: 'too-many-attempts',
      message: expect.stringMatching(
        /^Trop de tentatives de connexion depuis cette adresse réseau : réessayez après \d\d:\d\d\.$/,
      ),
    });
    // Refused before any password is checked, even a right one, for any account.
    const right = await attempt(C, 'autre@aubagne.fr', PASSWORD);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('too-many-attempts');
    expect((await attempt(D, 'autre@aubagne.fr', PASSWORD)).status).toBe(200);
    expect(
      (await server.audit.list()).filter((e) => e.event === 'auth.address_throttled').at(-1),
    ).toMatchObject({
      address: C,
      outcome: 'too-many-attempts',
    });
    await server.admin.unlockAddress(C);
    expect((await attempt(C, 'autre@aubagne.fr', PASSWORD)).status).toBe(200);
    // The window ends: the address may fail again.
    clock += 601_000;
  });

  it('[AUTH-8] failures spread over many addresses lock the account everywhere at the softer per-account cap', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      // Two failures per address: no pair lock (3), no address budget (5).
      const from = `127.0.1.${10 + Math.floor(i / 2)}`;
      codes.push((await attempt(from, 'distribue@aubagne.fr', `essai-distribue-${i}`)).status);
    }
    expect(codes).toEqual([401, 401, 401, 401, 401, 401, 429]);
    const fresh = await attempt('127.0.2.1', 'distribue@aubagne.fr', PASSWORD);
    expect(fresh.status).toBe(429);
    expect(fresh.body.error.code).toBe('account-locked');
    clock += 601_000;
    expect((await attempt('127.0.2.1', 'distribue@aubagne.fr', PASSWORD)).status).toBe(200);
  });

  it('[AUTH-9] IPv6 clients count by their /64: one subscriber rotating addresses gets one budget, not 2^64', async () => {
    expect(throttleKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('198.51.100.7')).toBe('198.51.100.7');
    const db = new Database(':memory:');
    migrate(db);
    const throttle = new LoginThrottle(new SqliteAccountStore(db), {
      now: () => 0,
      lockAfterFailures: 10,
      lockMs: 60_000,
      addressFailureBudget: 3,
    });
    for (let i = 1; i <= 3; i++) await throttle.recordFailure(`agent${i}@aix.fr`, `2001:db8:1:2::${i}`);
    expect(await throttle.check('autre@aix.fr', '2001:db8:1:2:ffff::9')).toMatchObject({
      blocked: true,
      scope: 'address',
    });
    expect(await throttle.check('autre@aix.fr', '2001:db8:1:3::9')).toEqual({ blocked: false });
    db.close();
  });
});

describe('reservations', () => {
  it('[AUTH-11] an attempt counts before its hash: past the cap the rest wait; a success gives its place back, not a lock', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const throttle = new LoginThrottle(new SqliteAccountStore(db), {
      now: () => 0,
      lockAfterFailures: 3,
      lockMs: 60_000,
      addressFailureBudget: undefined,
      accountLockAfterFailures: undefined,
    });
    const A = '198.51.100.1';
    for (let i = 0; i < 3; i++) expect(await throttle.reserve('agent@aix.fr', A)).toEqual({ blocked: false });
    // Three attempts in flight fill the pair's cap: a fourth is refused before any hash.
    expect(await throttle.reserve('agent@aix.fr', A)).toMatchObject({ blocked: true, scope: 'pair' });
    // One of them was the right password: its place comes back.
    await throttle.settleSuccess('agent@aix.fr', A);
    expect(await throttle.reserve('agent@aix.fr', A)).toEqual({ blocked: false });
    // Three pending failures: the first to settle locks the pair (pending counts as failed)…
    expect((await throttle.settleFailure('agent@aix.fr', A)).locked).toMatchObject({
      blocked: true,
      scope: 'pair',
    });
    // …and a right password checked meanwhile does not lift that lock.
    await throttle.settleSuccess('agent@aix.fr', A);
    expect(await throttle.check('agent@aix.fr', A)).toMatchObject({ blocked: true, scope: 'pair' });
    // Undefined budgets keep their defaults: 30 attempts from one address, then refused.
    const B = '198.51.100.2';
    let passed = 0;
    while (!(await throttle.reserve(`autre${passed}@aix.fr`, B)).blocked) passed++;
    expect(passed).toBe(30);
    db.close();
  });
});
