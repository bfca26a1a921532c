// The client address behind a reverse proxy (TRUST_PROXY), against the real server: believed
// from X-Forwarded-For only when the direct peer is a trusted proxy, ignored (spoofing)
// otherwise. Test clients speak from their own loopback addresses (127.0.0.x).
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import { callApiFrom, startTestServer, syncUrl, tempDataDir } from '../app/testHarness';

const PROXY = '127.0.0.1';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };

const failLogin = (from: string, forwardedFor?: string, email = 'personne@aix.fr') =>
  callApiFrom(server, from, 'POST', '/api/auth/login', {
    body: { email, password: 'mauvais-mot-de-passe' },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });

const lastFailure = async () => (await server.audit.list()).filter((e) => e.event.startsWith('auth.')).at(-1);

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    trustProxy: [PROXY, '10.0.0.0/8'],
    loginFailureDelayMs: 5,
    sessions: { addressFailureBudget: 3, lockAfterFailures: 10 },
  });
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('trusted proxy', () => {
  it('[PROXY-1] through a trusted proxy, each client behind it is audited and throttled on its own address', async () => {
    await failLogin(PROXY, '198.51.100.7');
    expect(await lastFailure()).toMatchObject({ event: 'auth.login_failed', address: '198.51.100.7' });
    await failLogin(PROXY, '198.51.100.7', 'autre@aix.fr');
    const third = await failLogin(PROXY, '198.51.100.7', 'encore@aix.fr');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('too-many-attempts');
    // Another agent behind the same proxy is not refused: the budget is that client's.
    expect((await failLogin(PROXY, '198.51.100.8')).status).toBe(401);
    // Proxies in the chain are skipped (10.0.0.0/8 is trusted), the client is the first other hop.
    await failLogin(PROXY, '198.51.100.9, 10.1.2.3');
    expect(await lastFailure()).toMatchObject({ address: '198.51.100.9' });
  });

  it('[PROXY-2] X-Forwarded-For from a peer that is not a trusted proxy is ignored; forged entries to the left are never used', async () => {
    await failLogin('127.0.0.2', '198.51.100.50');
    expect(await lastFailure()).toMatchObject({ event: 'auth.login_failed', address: '127.0.0.2' });
    // A client forging the header through the real proxy: the proxy appends what it saw.
    await failLogin(PROXY, '203.0.113.66, 198.51.100.51');
    expect(await lastFailure()).toMatchObject({ address: '198.51.100.51' });
    // Garbage in the header: the proxy's own address, not the garbage.
    await failLogin(PROXY, 'pas-une-adresse');
    expect(await lastFailure()).toMatchObject({ address: PROXY });
    // A proxy that writes the client's port too: the address without it.
    await failLogin(PROXY, '198.51.100.53:51234');
    expect(await lastFailure()).toMatchObject({ address: '198.51.100.53' });
    await failLogin(PROXY, '[2001:db8::7]:443');
    expect(await lastFailure()).toMatchObject({ address: '2001:db8::7' });
    // A server without TRUST_PROXY believes nobody.
    const dir = await tempDataDir();
    const plain = await startTestServer(dir.dir, { createDemoAccount: false, loginFailureDelayMs: 5 });
    try {
      await callApiFrom(plain, PROXY, 'POST', '/api/auth/login', {
        body: { email: 'x@aix.fr', password: 'mauvais-mot-de-passe' },
        headers: { 'x-forwarded-for': '198.51.100.52' },
      });
      expect((await plain.audit.list()).at(-1)).toMatchObject({ event: 'auth.login_failed', address: PROXY });
    } finally {
      await plain.close();
      await dir.remove();
    }
  });

  it('[PROXY-3] sync connections through the proxy are refused and audited with the client address (the one the per-address limits count)', async () => {
    const code = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${syncUrl(server)}/13001/site`, [SUBPROTOCOL, 'x'.repeat(43)], {
        headers: { 'x-forwarded-for': '198.51.100.70' },
      });
      socket.on('close', (closeCode) => resolve(closeCode));
      socket.on('error', reject);
    });
    expect(code).toBe(4401);
    expect((await server.audit.list()).at(-1)).toMatchObject({
      event: 'sync.refused',
      address: '198.51.100.70',
    });
  });

  it('[PROXY-4] a TRUST_PROXY entry that is not an address or a range stops the start with a French message', async () => {
    const dir = await tempDataDir();
    try {
      await expect(startTestServer(dir.dir, { trustProxy: ['10.0.0.0/33'] })).rejects.toThrow(
        /TRUST_PROXY : « 10\.0\.0\.0\/33 » n'est ni une adresse IP ni une plage/,
      );
      await expect(startTestServer(dir.dir, { trustProxy: ['proxy.local'] })).rejects.toThrow(/TRUST_PROXY/);
    } finally {
      await dir.remove();
    }
  });
});
