// [AUD-1..4] issue #9, finding 4: nobody can grow the audit log without logging in. The attack
// replayed on loopback against the real server (real HTTP, real WebSocket handshakes, the real
// SQLite file measured before and after): thousands of refused requests with 14 KB paths, refused
// upgrades, and the caps of AuditLog on a real SQLite file.
import { SqliteAuditStore } from '../storage/SqliteAuditStore';
import Database from 'better-sqlite3';
import http from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '../../site/syncProtocol';
import { AUDIT_MAX_TEXT, AuditLog, DEFAULT_AUDIT_LIMITS } from '../observability/AuditLog';
import { openDatabase } from '../storage/database';
import type { RunningServer } from '../app/server';
import { login, startTestServer, syncUrl, tempDataDir } from '../app/testHarness';

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
// A still clock: the whole flood falls in one minute (the counting window).
const clock = Date.UTC(2026, 2, 10, 9, 0, 5);
const LONG = 'x'.repeat(14_000);
let token: string;

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, { createDemoAccount: false, now: () => clock });
  await server.admin.addAgent({
    commune: '13001',
    email: 'referent@aix.fr',
    password: 'Sainte-Victoire-au-matin',
    role: 'referent',
  });
  token = (await login(server, 'referent@aix.fr', 'Sainte-Victoire-au-matin')).accessToken;
});

afterAll(async () => {
  await server?.close();
  await dataDir?.remove();
});

/** Rows and bytes of the audit table and size of the database, read from the file itself. */
async function measure(): Promise<{ rows: number; bytes: number; dbBytes: number }> {
  await server.audit.list({ limit: 1 }); // writes the counts still in memory
  const db = new Database(path.join(dataDir.dir, 'usine.sqlite'), { readonly: true });
  try {
    const { rows, bytes } = db
      .prepare(
        "SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(details) + LENGTH(COALESCE(address, ''))), 0) AS bytes FROM audit_log",
      )
      .get() as { rows: number; bytes: number };
    const pages =
      (db.pragma('page_count', { simple: true }) as number) *
      (db.pragma('page_size', { simple: true }) as number);
    return { rows, bytes, dbBytes: pages };
  } finally {
    db.close();
  }
}

/** `total` requests from `localAddress`, `concurrency` at a time over keep-alive connections. */
async function flood(
  localAddress: string,
  total: number,
  request: (i: number) => { method: string; path: string; token?: string },
  concurrency = 16,
): Promise<Map<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, localAddress });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const { method, path: requestPath, token: bearer } = request(next++);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${server.url}${requestPath}`,
          { method, agent, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}

const countOf = (details: Record<string, unknown>) => (typeof details.count === 'number' ? details.count : 1);

describe('refusals without a valid token', () => {
  it('[AUD-1] 3,000 refused requests with 14 KB paths (and 200 made-up communes) add a handful of rows and a few KB, every one counted', async () => {
    const attacker = '127.0.0.41';
    const before = await measure();
    const started = Date.now();
    const statuses = await flood(attacker, 3_000, (i) =>
      i % 3 === 0
        ? { method: 'GET', path: `/api/${LONG}${i}` }
        : i % 3 === 1
          ? { method: 'GET', path: `/api/me`, token: `forged-${i}` }
          : { method: 'POST', path: `/api/communes/${LONG.slice(0, 1)}${i}/agents` },
    );
    const spread = await flood(attacker, 200, (i) => ({
      method: 'GET',
      path: `/api/communes/${String(20_000 + i)}/docs`,
    }));
    const after = await measure();
    console.log(
      `[AUD-1] 3,200 refusals in ${Date.now() - started} ms: +${after.rows - before.rows} rows, +${after.bytes - before.bytes} bytes of audit, database ${before.dbBytes} → ${after.dbBytes} bytes`,
      Object.fromEntries(statuses),
      Object.fromEntries(spread),
    );
    expect([...statuses.values(), ...spread.values()].reduce((a, b) => a + b, 0)).toBe(3_200);
    // One row per (event, outcome, commune) key, at most 8 keys an address a minute, then overflow.
    expect(after.rows - before.rows).toBeLessThanOrEqual(10);
    expect(after.bytes - before.bytes).toBeLessThan(8_000);
    expect(after.dbBytes - before.dbBytes).toBeLessThan(256 * 1024);
    // Nothing is lost: the counts add up to every refusal, paths clipped.
    const rows = (await server.audit.list({ event: 'api.refused' })).filter((e) => e.address === attacker);
    expect(rows.reduce((sum, e) => sum + countOf(e.details), 0)).toBe(3_200);
    for (const row of rows) expect(JSON.stringify(row).length).toBeLessThan(1_000);
    expect(rows.some((e) => e.outcome === 'overflow')).toBe(true);
  }, 120_000);

  it('[AUD-2] a logged-in agent’s refusals are still written one by one, paths clipped', async () => {
    const agentAddress = '127.0.0.42';
    const statuses = await flood(
      agentAddress,
      5,
      (i) => ({ method: 'GET', path: `/api/${LONG}${i}`, token }),
      1,
    );
    const forbidden = await flood(
      agentAddress,
      3,
      () => ({ method: 'GET', path: '/api/communes/13002/agents', token }),
      1,
    );
    expect(statuses.get(404)).toBe(5);
    expect(forbidden.get(403)).toBe(3);
    const rows = (await server.audit.list({ event: 'api.refused' })).filter(
      (e) => e.address === agentAddress,
    );
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      expect(row.agentId).toEqual(expect.any(String));
      expect(row.details.count).toBeUndefined();
      expect(String(row.details.path).length).toBeLessThanOrEqual(AUDIT_MAX_TEXT + 1);
    }
    expect(rows.filter((e) => e.outcome === 'forbidden')).toHaveLength(3);
  });

  it('[AUD-3] 1,000 refused WebSocket upgrades with 14 KB room names, the last ones too fast (4429), add a handful of rows', async () => {
    const before = await measure();
    const url = `${syncUrl(server)}/${LONG}`;
    let next = 0;
    const codes = new Map<number, number>();
    const worker = async () => {
      while (next < 1_000) {
        next += 1;
        const code = await new Promise<number>((resolve) => {
          const socket = new WebSocket(url, [SUBPROTOCOL, 'forged-token'], { localAddress: '127.0.0.43' });
          socket.on('close', (closeCode) => resolve(closeCode));
          socket.on('error', () => resolve(-1));
        });
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    const after = await measure();
    console.log(
      `[AUD-3] upgrades: +${after.rows - before.rows} rows, +${after.bytes - before.bytes} bytes`,
      Object.fromEntries(codes),
    );
    expect(codes.get(4404)).toBeGreaterThan(0);
    // Past the burst of 800 connections per address: refused as too fast, counted the same way.
    expect(codes.get(4429)).toBeGreaterThan(0);
    expect(after.rows - before.rows).toBeLessThanOrEqual(3);
    const rows = (await server.audit.list({ event: 'sync.refused' })).filter(
      (e) => e.address === '127.0.0.43',
    );
    expect(rows.reduce((sum, e) => sum + countOf(e.details), 0)).toBe(1_000);
  }, 60_000);
});

describe('AuditLog caps (real SQLite file)', () => {
  it('[AUD-4] past the per-address and server-wide caps, refusals go into overflow rows; authenticated ones past 60 a minute are counted', async () => {
    const dir = await tempDataDir();
    const db = openDatabase(dir.dir);
    try {
      let now = Date.UTC(2026, 2, 10, 9, 0, 1);
      const audit = new AuditLog(new SqliteAuditStore(db), () => now);
      for (let i = 0; i < 1_000; i++) {
        audit.refusal(
          { event: 'api.refused', address: `10.0.${i >> 8}.${i & 255}`, outcome: 'unauthorized' },
          { authenticated: false },
        );
      }
      for (let i = 0; i < 100; i++) {
        audit.refusal(
          {
            event: 'api.refused',
            address: '10.9.9.9',
            agentId: 'a',
            outcome: 'forbidden',
            details: { path: LONG },
          },
          { authenticated: true },
        );
      }
      let entries = await audit.list();
      expect(entries.length).toBeLessThanOrEqual(DEFAULT_AUDIT_LIMITS.countedKeysPerMinute + 2 + 60);
      expect(entries.reduce((sum, e) => sum + countOf(e.details), 0)).toBe(1_100);
      expect(entries.filter((e) => e.outcome === 'overflow' && e.address === null)).toHaveLength(1);
      expect(entries.filter((e) => e.address === '10.9.9.9' && e.details.count === undefined)).toHaveLength(
        60,
      );
      // A new minute, a new window.
      now += 60_000;
      audit.refusal(
        { event: 'api.refused', address: '10.0.0.0', outcome: 'unauthorized' },
        { authenticated: false },
      );
      entries = await audit.list();
      expect(entries.at(-1)).toMatchObject({ address: '10.0.0.0', details: { count: 1 } });
      audit.close();
    } finally {
      db.close();
      await dir.remove();
    }
  });

  it('[AUD-5] an IPv6 client rotating its addresses inside its /64 gets the caps of one address', async () => {
    const dir = await tempDataDir();
    const db = openDatabase(dir.dir);
    try {
      const audit = new AuditLog(new SqliteAuditStore(db), () => Date.UTC(2026, 2, 10, 9, 0, 1));
      for (let i = 0; i < 500; i++) {
        audit.refusal(
          { event: 'sync.refused', address: `2001:db8:1:2::${i.toString(16)}`, outcome: 'token-expired' },
          { authenticated: false },
        );
      }
      const entries = await audit.list();
      expect(entries.length).toBeLessThanOrEqual(DEFAULT_AUDIT_LIMITS.countedKeysPerAddressPerMinute + 1);
      expect(entries.at(-1)).toMatchObject({ address: '2001:db8:1:2::/64', outcome: 'overflow' });
      expect(entries.reduce((sum, e) => sum + countOf(e.details), 0)).toBe(500);
      audit.close();
    } finally {
      db.close();
      await dir.remove();
    }
  });
});
