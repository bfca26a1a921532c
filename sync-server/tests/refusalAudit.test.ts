// [AUTH-AUDIT] Every refused request is audited and counted, on every route (refusals.ts):
// a relecteur and another commune's agent calling rollback, schedule and the media routes are
// refused, and each refusal is in the audit log (`api.refused`) and in /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { callApi, login, startTestServer, tempDataDir } from '../app/testHarness';

const PASSWORD = 'Chateau-de-Gardanne-1880';
const INSEE = '13041';
const SHA = 'ab'.repeat(32);
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
const tokens: Record<'relecteur' | 'outsider', string> = { relecteur: '', outsider: '' };

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { createDemoAccount: false });
  await server.admin.addAgent({
    commune: INSEE,
    email: 'rel@gardanne.fr',
    password: PASSWORD,
    role: 'relecteur',
  });
  await server.admin.addAgent({
    commune: '13001',
    email: 'agent@aix.fr',
    password: PASSWORD,
    role: 'referent',
  });
  tokens.relecteur = (await login(server, 'rel@gardanne.fr', PASSWORD)).accessToken;
  tokens.outsider = (await login(server, 'agent@aix.fr', PASSWORD)).accessToken;
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

async function refusalCount(code: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`usine_refusals_total{code="${code}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function media(method: 'PUT' | 'DELETE', token: string): Promise<number> {
  const response = await fetch(`${server.url}/api/communes/${INSEE}/media/${SHA}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(method === 'PUT' ? { 'content-type': 'image/png' } : {}),
    },
    body: method === 'PUT' ? new Uint8Array(64) : undefined,
  });
  await response.arrayBuffer();
  return response.status;
}

const ATTEMPTS: ReadonlyArray<{ name: string; path: string; call: (token: string) => Promise<number> }> = [
  {
    name: 'rollback',
    path: `/api/communes/${INSEE}/rollback`,
    call: async (token) =>
      (await callApi(server, 'POST', `/api/communes/${INSEE}/rollback`, token, { version: 'v1' })).status,
  },
  {
    name: 'schedule',
    path: `/api/communes/${INSEE}/schedule`,
    call: async (token) =>
      (
        await callApi(server, 'POST', `/api/communes/${INSEE}/schedule`, token, {
          pageId: 'page000001',
          at: Date.now() + 3_600_000,
        })
      ).status,
  },
  {
    name: 'schedule cancel',
    path: `/api/communes/${INSEE}/schedule/abc123/cancel`,
    call: async (token) =>
      (await callApi(server, 'POST', `/api/communes/${INSEE}/schedule/abc123/cancel`, token)).status,
  },
  {
    name: 'media upload',
    path: `/api/communes/${INSEE}/media/${SHA}`,
    call: (token) => media('PUT', token),
  },
  {
    name: 'media delete',
    path: `/api/communes/${INSEE}/media/${SHA}`,
    call: (token) => media('DELETE', token),
  },
];

describe('refusals on every route', () => {
  for (const who of ['relecteur', 'outsider'] as const) {
    for (const attempt of ATTEMPTS) {
      it(`a ${who} calling ${attempt.name} is refused (403), audited and counted`, async () => {
        const before = (await server.audit.list({ event: 'api.refused' })).length;
        const counted = await refusalCount('forbidden');
        expect(await attempt.call(tokens[who])).toBe(403);
        const entries = await server.audit.list({ event: 'api.refused' });
        expect(entries.length).toBe(before + 1);
        const agentId = (await server.admin.listAgents()).find(
          (a) => a.email === (who === 'relecteur' ? 'rel@gardanne.fr' : 'agent@aix.fr'),
        )!.id;
        expect(entries.at(-1)).toMatchObject({
          insee: INSEE,
          agentId,
          outcome: 'forbidden',
          details: expect.objectContaining({ path: attempt.path, status: 403 }),
        });
        expect(await refusalCount('forbidden')).toBe(counted + 1);
      });
    }
  }

  it('a request refused before its route (bad JSON) is audited and counted too', async () => {
    const counted = await refusalCount('invalid-json');
    const response = await fetch(`${server.url}/api/communes/${INSEE}/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.relecteur}`, 'content-type': 'application/json' },
      body: '{pas du json',
    });
    expect(response.status).toBe(400);
    expect((await server.audit.list({ event: 'api.refused' })).at(-1)).toMatchObject({
      outcome: 'invalid-json',
      insee: INSEE,
    });
    expect(await refusalCount('invalid-json')).toBe(counted + 1);
  });
});
