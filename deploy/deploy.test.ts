// The deploy/ configuration run for real: Debian's nginx with deploy/nginx/ as shipped (only the
// listening ports, the nodes' ports and the certificate paths changed for loopback), over real
// TLS, in front of real server nodes on loopback; the systemd unit checked by systemd-analyze.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SUBPROTOCOL, pageRoom } from '../site/syncProtocol';
import type { RunningServer } from '../sync-server/app/server';
import { startTestServer, tempDataDir, waitFor } from '../sync-server/app/testHarness';
import { NginxHarness } from './nginxHarness';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_ADDRESS = '127.0.0.5';
const EMAIL = 'agent@13001.test';
const PASSWORD = 'Cle-de-deploiement-2026!';

interface Node {
  server: RunningServer;
  data: { dir: string; remove: () => Promise<void> };
}

let proxy: NginxHarness;
let ca: Buffer;
let httpPort: number;
let httpsPort: number;
const nodes: Node[] = [];
const startNginx = async (ports: number[]) =>
  expect(await proxy.start(ports)).toContain('test is successful');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the proxy, from CLIENT_ADDRESS, trusting the test's certificate only. */
function request(
  pathname: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; port?: number } = {},
): Promise<Answer> {
  const plain = options.port === httpPort;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = (plain ? http : https).request(
      {
        host: '127.0.0.1',
        port: options.port ?? httpsPort,
        path: pathname,
        method: options.method ?? 'GET',
        localAddress: CLIENT_ADDRESS,
        agent: false,
        ca,
        servername: 'localhost',
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The outcome of a TLS handshake with the proxy restricted to these versions and ciphers. */
function handshake(
  options: tls.ConnectionOptions,
): Promise<{ ok: true; protocol: string | null } | { ok: false }> {
  return new Promise((resolve) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: httpsPort, ca, servername: 'localhost', ...options },
      () => {
        const protocol = socket.getProtocol();
        socket.destroy();
        resolve({ ok: true, protocol });
      },
    );
    socket.on('error', () => resolve({ ok: false }));
  });
}

async function startNode(): Promise<Node> {
  const data = await tempDataDir();
  const server = await startTestServer(data.dir, {
    host: '127.0.0.1',
    trustProxy: ['127.0.0.1'],
    createDemoAccount: false,
    loginFailureDelayMs: 5,
  });
  await server.admin.addAgent({ commune: '13001', email: EMAIL, password: PASSWORD, role: 'agent' });
  return { server, data };
}

const portOf = (node: Node) => Number(new URL(node.server.url).port);

beforeAll(async () => {
  proxy = await NginxHarness.create();
  ({ ca, httpPort, httpsPort } = proxy);
  nodes.push(await startNode());
  await startNginx([portOf(nodes[0]!), portOf(nodes[0]!)]);
});

afterAll(async () => {
  await proxy?.remove();
  for (const node of nodes) {
    await node.server.close().catch(() => undefined);
    await node.data.remove();
  }
});

describe('deploy/nginx in front of the nodes', () => {
  it('[DEPLOY-1] plain HTTP only redirects to HTTPS; HTTPS answers with HSTS and no version', async () => {
    const plain = await request('/sites/aix-en-provence/?x=1', { port: httpPort });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toMatch(/^https:\/\/[^/]+\/sites\/aix-en-provence\/\?x=1$/);
    const health = await request('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(String(health.headers.server)).toBe('nginx');
  });

  it('[DEPLOY-2] TLS as the ANSSI recommends: 1.3 and 1.2 with ECDHE and AEAD only', async () => {
    expect(await handshake({ minVersion: 'TLSv1.3' })).toEqual({ ok: true, protocol: 'TLSv1.3' });
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toEqual({
      ok: true,
      protocol: 'TLSv1.2',
    });
    // CBC, or no forward secrecy, or an old protocol: refused.
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' })).toEqual({
      ok: false,
    });
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' })).toEqual({ ok: false });
    expect(
      await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    ).toEqual({ ok: false });
  });

  it('[DEPLOY-3] the node sees the client address through X-Forwarded-For, never a forged one', async () => {
    const audit = async () =>
      (await nodes[0]!.server.audit.list()).filter((e) => e.event === 'auth.login_failed');
    const before = (await audit()).length;
    const wrong = await request('/api/auth/login', {
      method: 'POST',
      body: { email: EMAIL, password: 'mauvais-mot-de-passe' },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(wrong.status).toBe(401);
    const after = await audit();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ address: CLIENT_ADDRESS });
  });

  it('[DEPLOY-4] two agents co-edit through the proxy (WebSocket upgrade, token in the subprotocol)', async () => {
    const signedIn = await request('/api/auth/login', {
      method: 'POST',
      body: { email: EMAIL, password: PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    const { accessToken } = JSON.parse(signedIn.body) as { accessToken: string };
    const room = pageRoom('13001', 'deploiement');
    const open = () => {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(proxy.syncUrl, room, doc, {
        protocols: [SUBPROTOCOL, accessToken],
        // ws over TLS, trusting the test certificate.
        WebSocketPolyfill: proxy.TrustingSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      return { doc, provider };
    };
    const [a, b] = [open(), open()];
    try {
      await waitFor(() => a.provider.synced && b.provider.synced, 'both synced through the proxy', 10_000);
      a.doc.getText('t').insert(0, 'Bonjour de la mairie');
      await waitFor(() => b.doc.getText('t').toString() === 'Bonjour de la mairie', 'edit relayed', 10_000);
    } finally {
      a.provider.destroy();
      b.provider.destroy();
    }
  });

  it('[DEPLOY-5] a node that dies is taken out: every request is answered by the other', async () => {
    nodes.push(await startNode());
    await startNginx([portOf(nodes[0]!), portOf(nodes[1]!)]);
    expect((await request('/healthz')).status).toBe(200);
    await nodes[0]!.server.close();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await request('/healthz')).status);
    expect(statuses).toEqual(Array(10).fill(200));
  });
});

describe('deploy/compose.yaml', () => {
  it('[DEPLOY-7] two nodes on PostgreSQL and Redis share the published files and trust only the proxy', async () => {
    type Service = {
      environment?: Record<string, string>;
      volumes?: string[];
      networks?: Record<string, { ipv4_address?: string }> | string[];
    };
    const compose = yaml.load(await fs.readFile(path.join(HERE, 'compose.yaml'), 'utf8')) as {
      services: Record<string, Service>;
    };
    const { node1, node2, proxy, db, redis } = compose.services;
    expect(db && redis && proxy).toBeTruthy();
    const proxyAddress = (proxy!.networks as Record<string, { ipv4_address?: string }>).usine!.ipv4_address;
    for (const node of [node1!, node2!]) {
      const env = node.environment!;
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/usine@db:5432\/usine$/); // no password in it
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.TRUST_PROXY).toBe(proxyAddress);
      expect(node.volumes).toContain(`sites:${env.SITES_DIR}`);
      expect(node.volumes).toContain(`media:${env.MEDIA_DIR}`);
      expect(node.volumes).toContain(`updates:${env.UPDATES_DIR}`);
    }
    // The compose upstreams are the systemd ones with the nodes' names for addresses.
    const [local, composed] = await Promise.all(
      ['usine-upstreams.conf', 'usine-upstreams.compose.conf'].map((f) =>
        fs.readFile(path.join(HERE, 'nginx', f), 'utf8'),
      ),
    );
    const body = (text: string) => text.slice(text.indexOf('upstream'));
    expect(body(composed!)).toBe(
      body(local!).replaceAll('127.0.0.1:8081', 'node1:8080').replaceAll('127.0.0.1:8082', 'node2:8080'),
    );
  });
});

describe('deploy/systemd', () => {
  it('[DEPLOY-6] the node unit passes systemd-analyze verify with no warning', async () => {
    const unitDir = await fs.mkdtemp(path.join(os.tmpdir(), 'usine-unit-'));
    try {
      const unit = path.join(unitDir, 'usine-a-sites@.service');
      await fs.copyFile(path.join(HERE, 'systemd', 'usine-a-sites@.service'), unit);
      const { stderr, stdout } = await run('systemd-analyze', [
        'verify',
        path.join(unitDir, 'usine-a-sites@1.service'),
      ]);
      expect(`${stdout}${stderr}`.trim()).toBe('');
    } finally {
      await fs.rm(unitDir, { recursive: true, force: true });
    }
  });
});
