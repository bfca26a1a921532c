/**
 * [ROUTE-*] One router, one table: every route of site/apiContract.ts is served on its path and
 * method behind the gate, variable segments are checked before any handler, and the editor
 * builds no API address of its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PARAM_PATTERNS, API_ROUTES, apiPath, type ApiRouteName } from '../../site/apiContract';
import type { RunningServer } from '../app/server';
import { startTestServer, tempDataDir } from '../app/testHarness';

const SAMPLE: Record<string, string> = {
  insee: '13001',
  pageId: 'page-abcdef12',
  agentId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  scheduleId: 'sched1',
  snapshotId: '1',
  file: 'a'.repeat(64),
  answer: 'accept',
  agentAction: 'enable',
};

const PUBLIC: ReadonlySet<ApiRouteName> = new Set(['login', 'refresh', 'logout']);

let server: RunningServer;
let dataDir: Awaited<ReturnType<typeof tempDataDir>>;

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, { createDemoAccount: false });
});
afterAll(async () => {
  await server.close();
  await dataDir.remove();
});

async function send(method: string, pathname: string) {
  const response = await fetch(server.url + pathname, {
    method,
    signal: AbortSignal.timeout(5_000),
    ...(method === 'POST' || method === 'PUT' || method === 'DELETE'
      ? { headers: { 'content-type': 'application/json' }, body: '{}' }
      : {}),
  });
  const text = await response.text();
  return { status: response.status, allow: response.headers.get('allow'), text };
}

describe('the route table', () => {
  it('[ROUTE-1] serves every route of the contract on its method, behind the gate', async () => {
    for (const name of Object.keys(API_ROUTES) as ApiRouteName[]) {
      const { method } = API_ROUTES[name];
      const address = apiPath(name, SAMPLE as never);
      const answer = await send(method, address);
      // Routed: neither unknown nor the wrong method; a signed route wants a token first.
      expect([404, 405], `${name}: ${method} ${address}`).not.toContain(answer.status);
      if (!PUBLIC.has(name)) expect(answer.status, `${name}: ${method} ${address}`).toBe(401);
    }
  });

  it('[ROUTE-2] answers 404 for a segment outside its pattern, and 405 naming the methods a path has', async () => {
    const hostile = [
      '/api/communes/13001/pages/..%2F..%2Fsecrets/snapshots',
      `/api/communes/13001/pages/${'p'.repeat(5_000)}/snapshots`,
      '/api/communes/1300A/docs',
      '/api/communes/13001/media/../../server.lock.sqlite',
      `/api/communes/13001/media/${'a'.repeat(64)}-0`,
      '/api/communes/13001/schedule/x%2F..%2F..%2Fdocs/cancel',
      '/api/me/invitations/13001/maybe',
      '/api/admin/agents/0f8fad5b-d9cb-469f-a165-70867728950e/promote',
    ];
    for (const pathname of hostile) {
      const answer = await send('GET', pathname);
      expect([404, 405], pathname).toContain(answer.status);
    }
    const wrong = await send('DELETE', apiPath('docs', { insee: '13001' }));
    expect(wrong.status).toBe(405);
    expect(wrong.allow).toBe('GET');
    expect(JSON.parse(wrong.text).error.code).toBe('method-not-allowed');
    const media = await send('POST', apiPath('readMedia', SAMPLE as never));
    expect(media.allow?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PUT']);
  });

  it('[ROUTE-5] a body over 64 KiB is refused 413 whoever sends it, on a route or not, before the gate', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(200 * 1024) });
    let answered = 0;
    for (const pathname of [apiPath('publish', { insee: '13001' }), '/api/communes/13001/nowhere']) {
      const response = await fetch(server.url + pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
        signal: AbortSignal.timeout(5_000),
      }).catch((error: unknown) => error as Error);
      // The server may close the connection once the 64 KiB are exceeded: never a 401 or 404.
      if (response instanceof Error) continue;
      expect(response.status, pathname).toBe(413);
      expect((await response.json()).error.code).toBe('too-large');
      answered++;
    }
    expect(answered).toBeGreaterThan(0);
  });

  it('[ROUTE-3] every variable segment of the contract has a pattern', () => {
    for (const { path: template } of Object.values(API_ROUTES))
      for (const [, name] of template.matchAll(/:([A-Za-z]+)/g))
        expect(API_PARAM_PATTERNS[name!], name).toBeDefined();
  });

  it('[ROUTE-4] the editor builds no API address of its own: they all come from the contract', () => {
    const root = path.resolve(import.meta.dirname, '../../renderer/src');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const file = path.join(dir, entry);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry)) {
          const code = readFileSync(file, 'utf8');
          if (
            /['"`]\/api\//.test(code) ||
            /\$\{[^}]+\}\/(cancel|release|withdraw|snapshots|media)\b/.test(code)
          )
            offenders.push(path.relative(root, file));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
