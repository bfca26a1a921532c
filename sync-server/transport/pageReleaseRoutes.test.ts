// [PUBL-9] The per-page publishing routes through the real server (real SQLite file, loopback
// port, real y-websocket clients): « Mettre en ligne », « Retirer du site », the page statuses,
// and the same routes under attack (another commune, roles, a flood, a huge input).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, LoginResponse, PageStatusResponse, PublishResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, mediaMap, updatePageFields } from '../../site/siteDoc';
import { MAX_QUEUED } from './pageReleaseRoutes';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';

const PASSWORD = 'mot-de-passe-solide-42';
let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let referent: LoginResponse;
let agent: LoginResponse;
let relecteur: LoginResponse;
let otherReferent: LoginResponse;
const clients: TestClient[] = [];

function saved(c: TestClient): Promise<void> {
  return waitFor(() => isSaved(c), 'durable');
}

const call = (method: string, path: string, token: string, body?: string) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir);
  referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
  await server.admin.addAgent({ commune: '13001', email: 'agent@aix.fr', password: PASSWORD, role: 'agent' });
  await server.admin.addAgent({
    commune: '13001',
    email: 'relit@aix.fr',
    password: PASSWORD,
    role: 'relecteur',
  });
  await server.admin.addAgent({
    commune: '13002',
    email: 'ref@autre.fr',
    password: PASSWORD,
    role: 'referent',
  });
  agent = await login(server, 'agent@aix.fr', PASSWORD);
  relecteur = await login(server, 'relit@aix.fr', PASSWORD);
  otherReferent = await login(server, 'ref@autre.fr', PASSWORD);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

async function newPage(manifest: TestClient, title: string, text: string) {
  const meta = createPage(manifest.doc, { title, updatedBy: 'test' });
  const body = openClient(server, `13001/page/${meta.id}`, referent.accessToken);
  clients.push(body);
  await waitSynced(body);
  writeParagraphs(body.doc, [text]);
  await Promise.all([saved(manifest), saved(body)]);
  return { ...meta, body };
}

async function statuses(): Promise<PageStatusResponse['pages']> {
  const response = await call('GET', '/api/communes/13001/pages/status', agent.accessToken);
  expect(response.status).toBe(200);
  return ((await response.json()) as PageStatusResponse).pages;
}

describe('[PUBL-9] per-page publishing routes', () => {
  it('« Mettre en ligne » serves one page without another’s unfinished changes; « Retirer du site » takes it off; statuses match', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const horaires = await newPage(manifest, 'Horaires de la mairie', 'Lundi 9 h – 12 h.');
    const travaux = await newPage(manifest, 'Travaux rue Thiers', 'Fermée en mars.');
    for (const p of [horaires, travaux])
      expect(
        (await call('POST', `/api/communes/13001/pages/${p.id}/release`, referent.accessToken)).status,
      ).toBe(200);

    writeParagraphs(travaux.body.doc, ['NOTE INTERNE PAS FINIE']);
    writeParagraphs(horaires.body.doc, ['Lundi et mardi 9 h – 12 h.']);
    await Promise.all([saved(travaux.body), saved(horaires.body)]);
    const released = await call(
      'POST',
      `/api/communes/13001/pages/${horaires.id}/release`,
      referent.accessToken,
    );
    expect(released.status).toBe(200);
    expect(((await released.json()) as PublishResponse).released).toEqual([horaires.id]);
    const page = (slug: string) => fetch(`${server.url}/sites/aix-en-provence/${slug}/`);
    expect(await (await page(horaires.slug)).text()).toContain('Lundi et mardi');
    const travauxHtml = await (await page(travaux.slug)).text();
    expect(travauxHtml).toContain('Fermée en mars.');
    expect(travauxHtml).not.toContain('NOTE INTERNE');
    const now = await statuses();
    expect(now.find((s) => s.pageId === horaires.id)).toMatchObject({ online: true, modified: false });
    expect(now.find((s) => s.pageId === travaux.id)).toMatchObject({ online: true, modified: true });

    const withdrawn = await call(
      'POST',
      `/api/communes/13001/pages/${travaux.id}/withdraw`,
      referent.accessToken,
    );
    expect(withdrawn.status).toBe(200);
    // Taken offline: its address answers 410, the themed « page retirée » (site/SPEC.md [ADDR-4]).
    expect((await page(travaux.slug)).status).toBe(410);
    expect((await statuses()).find((s) => s.pageId === travaux.id)).toMatchObject({ online: false });
    const again = await call(
      'POST',
      `/api/communes/13001/pages/${travaux.id}/withdraw`,
      referent.accessToken,
    );
    expect(again.status).toBe(409);
    expect((await server.audit.list({ insee: '13001', event: 'page.released' })).at(-1)).toMatchObject({
      outcome: 'ok',
      details: expect.objectContaining({ pageId: horaires.id }),
    });
    expect((await server.audit.list({ insee: '13001', event: 'page.withdrawn' })).at(-1)).toMatchObject({
      outcome: 'ok',
      details: expect.objectContaining({ pageId: travaux.id }),
    });
  });

  it('an acte inside its two months cannot be withdrawn: 422 with the reason in French, still served', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const pdf = 'cd'.repeat(32);
    await mkdir(path.join(dataDir.dir, 'media', '13001'), { recursive: true });
    await writeFile(path.join(dataDir.dir, 'media', '13001', `${pdf}.pdf`), '%PDF-1.7 signé');
    mediaMap(manifest.doc).set(pdf, {
      name: 'arrete.pdf',
      mime: 'application/pdf',
      bytes: 14,
      width: 0,
      height: 0,
    });
    const meta = createPage(manifest.doc, { title: 'Arrêté 2026-07', type: 'acte', updatedBy: 'test' });
    const onlineAt = new Date(Date.now() - 86_400_000).toISOString().slice(0, 16);
    updatePageFields(
      manifest.doc,
      meta.id,
      {
        kind: 'deliberation',
        number: '2026-07',
        date: onlineAt.slice(0, 10),
        subject: 'Circulation',
        pdf,
        onlineAt,
        matiere: '6.1',
      },
      'test',
    );
    await saved(manifest);
    const put = await call('POST', `/api/communes/13001/pages/${meta.id}/release`, referent.accessToken);
    expect(put.status).toBe(200);
    const refused = await call('POST', `/api/communes/13001/pages/${meta.id}/withdraw`, referent.accessToken);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ApiError).error.message).toMatch(
      /^L’acte « Arrêté 2026-07 » doit rester en ligne au moins deux mois.*La page reste en ligne\.$/,
    );
    expect((await fetch(`${server.url}/sites/aix-en-provence/${meta.slug}/`)).status).toBe(200);
    expect((await server.audit.list({ insee: '13001', event: 'api.refused' })).at(-1)).toMatchObject({
      outcome: 'acte-online',
    });
  });

  it('hostile: another commune, an agent, a relecteur, no token, a wrong method, an unknown page', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const target = await newPage(manifest, 'Cible', 'Texte de la cible.');
    const path = `/api/communes/13001/pages/${target.id}/release`;
    const before = (await server.audit.list({ insee: '13001', event: 'api.refused' })).length;
    expect((await call('POST', path, otherReferent.accessToken)).status).toBe(403);
    expect((await call('GET', '/api/communes/13001/pages/status', otherReferent.accessToken)).status).toBe(
      403,
    );
    const byAgent = await call('POST', path, agent.accessToken);
    expect(byAgent.status).toBe(403);
    expect(((await byAgent.json()) as ApiError).error.message).toMatch(/^Seul le référent/);
    expect((await call('POST', path, relecteur.accessToken)).status).toBe(403);
    expect(
      (await call('POST', `/api/communes/13001/pages/${target.id}/withdraw`, relecteur.accessToken)).status,
    ).toBe(403);
    expect((await fetch(`${server.url}${path}`, { method: 'POST' })).status).toBe(401);
    expect((await call('GET', path, referent.accessToken)).status).toBe(405);
    expect(
      (await call('POST', '/api/communes/13001/pages/inconnue-xyz/release', referent.accessToken)).status,
    ).toBe(404);
    // The other commune's référent reaches nothing of 13001 through its own commune either.
    expect(
      (await call('POST', `/api/communes/13002/pages/${target.id}/release`, otherReferent.accessToken))
        .status,
    ).toBe(404);
    expect((await fetch(`${server.url}/sites/aix-en-provence/${target.slug}/`)).status).toBe(404);
    const refusals = (await server.audit.list({ insee: '13001', event: 'api.refused' })).slice(before);
    expect(refusals.length).toBeGreaterThanOrEqual(7);
    expect(refusals.map((r) => r.outcome)).toEqual(expect.arrayContaining(['forbidden', 'unknown-page']));
  });

  it('hostile: a huge page id or body is refused at once; a flood of « Mettre en ligne » is bounded', async () => {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const target = await newPage(manifest, 'Inondée', 'Texte.');
    const huge = await call(
      'POST',
      `/api/communes/13001/pages/${'a'.repeat(100_000)}/release`,
      referent.accessToken,
    );
    expect([404, 414, 431]).toContain(huge.status);
    // A body past the 64 KiB cap: 413, or the connection cut while still sending; nothing done.
    const bigBody = await call(
      'POST',
      `/api/communes/13001/pages/${target.id}/release`,
      referent.accessToken,
      JSON.stringify({ x: 'y'.repeat(2_000_000) }),
    ).then(
      (r) => r.status,
      () => 'reset',
    );
    expect([413, 'reset']).toContain(bigBody);
    expect((await statuses()).find((s) => s.pageId === target.id)).toMatchObject({ online: false });

    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        call('POST', `/api/communes/13001/pages/${target.id}/release`, referent.accessToken).then(
          (r) => r.status,
        ),
      ),
    );
    const ms = performance.now() - started;
    console.log(`flood of 40 releases: ${ms.toFixed(0)} ms, statuses ${JSON.stringify(answers)}`);
    expect(answers.every((s) => s === 200 || s === 429)).toBe(true);
    expect(answers.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    // At most MAX_QUEUED wait behind the one under way at any time; most are refused at once.
    expect(answers.filter((s) => s === 429).length).toBeGreaterThanOrEqual(40 - 4 * MAX_QUEUED);
    expect(answers.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(30_000);
    expect(
      (await server.audit.list({ insee: '13001', event: 'api.refused' })).some(
        (e) => e.outcome === 'too-many-requests',
      ),
    ).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/sites/aix-en-provence/${target.slug}/`)).text()).toContain(
      'Texte.',
    );
  });
});
