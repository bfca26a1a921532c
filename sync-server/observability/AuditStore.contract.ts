/**
 * The contract every AuditStore must meet, checked through AuditLog (as the server uses it).
 * Run by auditStore.test.ts against SqliteAuditStore and by storage/postgres/PgAuditStore.test.ts
 * against PgAuditStore on a real PostgreSQL. A second store on the same database stands for a
 * second node.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../storage/AuditStore';
import { AUDIT_MAX_TEXT, AuditLog } from './AuditLog';

export interface AuditStoreFixture {
  /** A store on an emptied database. */
  store: AuditStore;
  /** Another store on the same database: another node. */
  another(): Promise<AuditStore>;
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;

// Long by reason: the contract suite, one short `it` per rule, run against each store.
export function auditStoreContract(name: string, make: () => Promise<AuditStoreFixture>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let fixture: AuditStoreFixture;
    let clock: number;
    const logs: AuditLog[] = [];
    const extra: AuditStore[] = [];
    const log = (store: AuditStore = fixture.store) => {
      const audit = new AuditLog(store, () => clock, { flushMs: 10 });
      logs.push(audit);
      return audit;
    };

    beforeEach(async () => {
      clock = Date.UTC(2026, 11, 5, 9);
      fixture = await make();
    });
    afterEach(async () => {
      for (const audit of logs.splice(0)) await audit.close();
      for (const store of extra.splice(0)) await store.close();
      await fixture.store.close();
      await fixture.cleanup();
    });

    it('[AUD-7] rows come back as recorded, newest last, filtered by commune and event, clipped', async () => {
      const audit = log();
      audit.record({ event: 'auth.login', agentId: 'a1', address: '198.51.100.1', outcome: 'ok' });
      audit.record({
        event: 'site.published',
        insee: '13001',
        agentId: 'a1',
        details: { version: 'v1', n: 3 },
      });
      audit.record({ event: 'site.published', insee: '13055', details: { path: 'x'.repeat(500) } });
      for (let i = 0; i < 30; i++) audit.record({ event: 'page.released', insee: '13001', details: { i } });
      const all = await audit.list();
      expect(all).toHaveLength(33);
      expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
      expect(all[0]).toMatchObject({
        event: 'auth.login',
        agentId: 'a1',
        address: '198.51.100.1',
        outcome: 'ok',
        at: clock,
      });
      expect(all[1]).toMatchObject({ insee: '13001', details: { version: 'v1', n: 3 } });
      expect((all[2]!.details.path as string).length).toBe(AUDIT_MAX_TEXT + 1);
      expect(all.slice(3).map((e) => e.details.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect((await audit.list({ event: 'site.published' })).map((e) => e.insee)).toEqual(['13001', '13055']);
      const newest = await audit.list({ insee: '13001', limit: 2 });
      expect(newest.map((e) => e.details.i)).toEqual([28, 29]);
    });

    it('[AUD-7] refusals without a token are counted in one row per minute and key, the count written', async () => {
      const audit = log();
      const refusal = { event: 'api.refused' as const, address: '203.0.113.5', outcome: 'unauthorized' };
      for (let i = 0; i < 25; i++) audit.refusal(refusal, { authenticated: false });
      let rows = await audit.list({ event: 'api.refused' });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.details).toMatchObject({ count: 25, lastAt: clock });
      clock += 1_000;
      audit.refusal(refusal, { authenticated: false });
      await new Promise((resolve) => setTimeout(resolve, 50));
      rows = await log().list({ event: 'api.refused' });
      expect(rows[0]!.details).toMatchObject({ count: 26, lastAt: clock });
      // The next minute starts another row.
      clock += 60_000;
      audit.refusal(refusal, { authenticated: false });
      expect((await audit.list({ event: 'api.refused' })).map((e) => e.details.count)).toEqual([26, 1]);
    });

    it('[AUD-7] retention deletes the older rows and records the purge', async () => {
      const audit = log();
      audit.record({ event: 'auth.login', outcome: 'ok' });
      clock += 10 * DAY;
      audit.record({ event: 'auth.logout', outcome: 'ok' });
      clock += 1 * DAY;
      expect(await audit.purge(5 * DAY)).toBe(1);
      expect((await audit.list()).map((e) => e.event)).toEqual(['auth.logout', 'audit.purged']);
      expect(await audit.purge(5 * DAY)).toBe(0);
    });

    it('[AUD-7] two nodes write one log: each sees the other’s rows, each node’s in its order', async () => {
      const other = await fixture.another();
      extra.push(other);
      const a = log();
      const b = log(other);
      for (let i = 0; i < 20; i++) {
        a.record({ event: 'page.released', insee: '13001', details: { node: 'a', i } });
        b.record({ event: 'page.released', insee: '13001', details: { node: 'b', i } });
      }
      await b.close();
      const seen = await a.list({ insee: '13001' });
      expect(seen).toHaveLength(40);
      for (const node of ['a', 'b'])
        expect(seen.filter((e) => e.details.node === node).map((e) => e.details.i)).toEqual(
          Array.from({ length: 20 }, (_, i) => i),
        );
    });
  });
}
