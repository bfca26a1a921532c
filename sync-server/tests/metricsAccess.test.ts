// /metrics is not public (tier c, real server): with METRICS_TOKEN it needs that bearer token;
// without, it answers only to clients on the machine itself (loopback).
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { callApiFrom, startTestServer, tempDataDir } from '../app/testHarness';

const TOKEN = 'supervision-' + 'a'.repeat(32);
let open: RunningServer;
let guarded: RunningServer;
const dirs: Array<{ dir: string; remove: () => Promise<void> }> = [];

/** An address of this machine that is not loopback (the container's eth0), if any. */
const externalAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

beforeAll(async () => {
  dirs.push(await tempDataDir(), await tempDataDir());
  // Listening on every interface, behind a (trusted) proxy on this machine.
  open = await startTestServer(dirs[0]!.dir, {
    createDemoAccount: false,
    host: '0.0.0.0',
    trustProxy: ['127.0.0.1'],
  });
  guarded = await startTestServer(dirs[1]!.dir, { createDemoAccount: false, metricsToken: TOKEN });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  for (const dir of dirs) await dir.remove();
});

describe('/metrics access', () => {
  it('[MET-1] without METRICS_TOKEN: a monitoring agent on the machine reads it; a client through the proxy gets 403 in French', async () => {
    const local = await fetch(`${open.url}/metrics`);
    expect(local.status).toBe(200);
    expect(await local.text()).toMatch(/^usine_sync_connections /m);
    const remote = await callApiFrom(open, '127.0.0.1', 'GET', '/metrics', {
      headers: { 'x-forwarded-for': '198.51.100.20' },
    });
    expect(remote.status).toBe(403);
    expect(remote.body.error.message).toMatch(/réservées à la supervision/);
    expect(remote.text).not.toMatch(/usine_/);
    expect((await open.audit.list()).at(-1)).toMatchObject({
      event: 'api.refused',
      address: '198.51.100.20',
      outcome: 'forbidden',
    });
  });

  it('[MET-1] without METRICS_TOKEN nor TRUST_PROXY: a request relayed by a proxy on the machine (X-Forwarded-For) gets 403', async () => {
    const dir = await tempDataDir();
    const plain = await startTestServer(dir.dir, { createDemoAccount: false });
    try {
      expect((await fetch(`${plain.url}/metrics`)).status).toBe(200);
      const relayed = await callApiFrom(plain, '127.0.0.1', 'GET', '/metrics', {
        headers: { 'x-forwarded-for': '198.51.100.21' },
      });
      expect(relayed.status).toBe(403);
      expect(relayed.text).not.toMatch(/usine_/);
    } finally {
      await plain.close();
      await dir.remove();
    }
  });

  it.skipIf(!externalAddress)(
    '[MET-1] without METRICS_TOKEN: a peer on a non-loopback address gets 403',
    async () => {
      const response = await fetch(`http://${externalAddress}:${open.port}/metrics`);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toMatch(/usine_/);
    },
  );

  it('[MET-2] with METRICS_TOKEN: the bearer token is required, even from the machine itself', async () => {
    const none = await fetch(`${guarded.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await none.json()).error.message).toMatch(/METRICS_TOKEN/);
    const wrong = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN.slice(1)}x` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await right.text()).toMatch(/^usine_sync_rooms /m);
  });
});
