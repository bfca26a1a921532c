// Login throttling with the production defaults, against the real server (tier c): the
// server is started as main.ts starts it — no throttle options, or options present but
// undefined — and each budget must still hold (issue #9, finding 2). Each client speaks from
// its own loopback address (127.0.0.x), a real different peer. scrypt is cheaper here (a test
// hook) so that a hundred failures stay fast; the cost does not change what is counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
  DEFAULT_ADDRESS_FAILURE_BUDGET,
} from '../accounts/LoginThrottle';
import { DEFAULT_LOCK_AFTER_FAILURES } from '../accounts/Accounts';
import type { RunningServer } from '../app/server';
import { callApiFrom, startTestServer, tempDataDir } from '../app/testHarness';

const PASSWORD = 'Quai-de-Rive-Neuve-et-Pharo';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };

const attempt = (from: string, email: string, password: string) =>
  callApiFrom(server, from, 'POST', '/api/auth/login', { body: { email, password } });

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    loginFailureDelayMs: 1,
    sessions: {
      lockAfterFailures: undefined,
      lockSeconds: undefined,
      addressFailureBudget: undefined,
      accountLockAfterFailures: undefined,
      scryptParams: { N: 2 ** 10, r: 8, p: 1 },
    },
  });
  for (const email of ['paire@cassis.fr', 'repartie@cassis.fr']) {
    await server.admin.addAgent({ commune: '13022', email, password: PASSWORD, role: 'agent' });
  }
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('login throttling defaults', () => {
  it('[AUTH-10] the budgets are 30 per address, 50 per account, 10 per account and address', () => {
    expect([
      DEFAULT_ADDRESS_FAILURE_BUDGET,
      DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
      DEFAULT_LOCK_AFTER_FAILURES,
    ]).toEqual([30, 50, 10]);
  });

  it('[AUTH-10] 36 failures from one address on as many e-mails: 429 from the 30th, even for a right password', async () => {
    const from = '127.0.3.1';
    const statuses: number[] = [];
    for (let i = 1; i <= 36; i++) {
      statuses.push((await attempt(from, `inconnu${i}@cassis.fr`, 'Essai-au-hasard-numero')).status);
    }
    expect(statuses.slice(0, 29)).toEqual(Array(29).fill(401));
    expect(statuses.slice(29)).toEqual(Array(7).fill(429));
    const right = await attempt(from, 'repartie@cassis.fr', PASSWORD);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('too-many-attempts');
  });

  it('[AUTH-10] 55 failures on one account from 55 addresses: locked from the 50th, the right password then refused everywhere', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 55; i++) {
      statuses.push((await attempt(`127.0.4.${i}`, 'repartie@cassis.fr', `Mauvais-essai-${i}`)).status);
    }
    expect(statuses.slice(0, 49)).toEqual(Array(49).fill(401));
    expect(statuses.slice(49)).toEqual(Array(6).fill(429));
    const right = await attempt('127.0.4.200', 'repartie@cassis.fr', PASSWORD);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('account-locked');
  });

  it('[AUTH-10] 10 failures on one account from one address lock that pair; the agent still logs in elsewhere', async () => {
    const from = '127.0.5.1';
    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) {
      statuses.push((await attempt(from, 'paire@cassis.fr', `Mauvais-essai-${i}`)).status);
    }
    expect(statuses).toEqual([...Array(9).fill(401), 429, 429]);
    expect((await attempt(from, 'paire@cassis.fr', PASSWORD)).status).toBe(429);
    expect((await attempt('127.0.5.2', 'paire@cassis.fr', PASSWORD)).status).toBe(200);
  });
});
