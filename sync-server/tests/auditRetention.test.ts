// Audit log retention (RGPD, convention art. 13), against the real server with an injected
// clock: the daily backup job purges the entries older than the retention (default one year)
// and records the purge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { callApi, startTestServer, tempDataDir, waitFor } from '../app/testHarness';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 9);
let clock = T0;
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };

const failLogin = (email: string) =>
  callApi(server, 'POST', '/api/auth/login', undefined, { email, password: 'mauvais-mot-de-passe' });
const backupDays = () => server.backups.list().map((b) => new Date(b.takenAt).toISOString().slice(0, 10));

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    now: () => clock,
    backups: { daily: true, checkEveryMs: 50 },
  });
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('audit log retention', () => {
  it('[RET-1] the daily backup job purges audit entries older than a year, keeps the others, and records the purge', async () => {
    await failLogin('ancien@aix.fr');
    await waitFor(() => backupDays().includes('2026-01-10'), 'first daily backup');
    clock = T0 + 200 * DAY;
    await failLogin('recent@aix.fr');
    await waitFor(() => backupDays().includes('2026-07-29'), 'daily backup 200 days later');
    // Nothing is a year old yet.
    expect(await server.audit.list({ event: 'audit.purged' })).toEqual([]);
    expect(await server.audit.list({ event: 'auth.login_failed' })).toHaveLength(2);

    clock = T0 + 366 * DAY;
    await waitFor(
      async () => (await server.audit.list({ event: 'audit.purged' })).length === 1,
      'purge recorded',
    );
    const entries = await server.audit.list();
    expect(entries.every((e) => e.at >= clock - 365 * DAY)).toBe(true);
    expect(entries.filter((e) => e.event === 'auth.login_failed')).toHaveLength(1);
    expect(entries.find((e) => e.event === 'auth.login_failed')!.at).toBe(T0 + 200 * DAY);
    const purge = entries.find((e) => e.event === 'audit.purged')!;
    expect(purge).toMatchObject({
      outcome: 'ok',
      at: clock,
      details: { removed: 1, retentionDays: 365, before: new Date(clock - 365 * DAY).toISOString() },
    });
    // The purge came with that day's backup, and only once.
    expect(backupDays()).toContain('2027-01-11');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await server.audit.list({ event: 'audit.purged' })).toHaveLength(1);
  });

  it('[RET-2] a retention that is not a whole number of days stops the start with a French message', async () => {
    const dir = await tempDataDir();
    try {
      await expect(startTestServer(dir.dir, { auditRetentionDays: 0 })).rejects.toThrow(
        /durée de conservation du journal d'audit invalide : « 0 »/,
      );
      await expect(startTestServer(dir.dir, { auditRetentionDays: Number('un an') })).rejects.toThrow(
        /conservation du journal d'audit/,
      );
    } finally {
      await dir.remove();
    }
  });
});
