// Security issue #9 (media without limits), replayed on the real server over loopback: a flood
// of big uploads, a quota, images that only look like images, deletion and the sweep of
// files nothing refers to.
import { readdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createPage, mediaMap, settingsMap, updatePageFields } from '../../site/siteDoc';
import { fakeWebp, garblePixels, png, sha256, webp } from '../app/mediaFixtures';
import { webpSize } from '../transport/mediaRoutes';
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

const MB = 1024 * 1024;
const PASSWORD = 'Mot-de-passe-solide-quota-1';

interface Setup {
  server: RunningServer;
  data: { dir: string; remove: () => Promise<void> };
  tokens: { agent: string; reader: string; other: string };
}

async function setup(options: Parameters<typeof startTestServer>[1] = {}): Promise<Setup> {
  const data = await tempDataDir();
  const server = await startTestServer(data.dir, { createDemoAccount: false, ...options });
  const add = (email: string, commune: string, role: 'agent' | 'relecteur') =>
    server.admin.addAgent({ commune, email, password: PASSWORD, role, displayName: email });
  await add('agent@quota.fr', '13001', 'agent');
  await add('relecteur@quota.fr', '13001', 'relecteur');
  await add('autre@quota.fr', '13002', 'agent');
  const token = async (email: string) => (await login(server, email, PASSWORD)).accessToken;
  return {
    server,
    data,
    tokens: {
      agent: await token('agent@quota.fr'),
      reader: await token('relecteur@quota.fr'),
      other: await token('autre@quota.fr'),
    },
  };
}

function mediaUrl(s: Setup, sha: string, insee = '13001'): string {
  return `${s.server.url}/api/communes/${insee}/media/${sha}`;
}

function put(s: Setup, name: string, body: Buffer, type: string, token = s.tokens.agent): Promise<Response> {
  return fetch(mediaUrl(s, name), {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: new Uint8Array(body),
  });
}

function del(s: Setup, name: string, token = s.tokens.agent, insee = '13001'): Promise<Response> {
  return fetch(mediaUrl(s, name, insee), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
}

/** A PDF of `bytes` bytes, unique by `n`. */
function pdf(bytes: number, n: number): Buffer {
  const body = Buffer.alloc(bytes, 0x20);
  body.write(`%PDF-1.4\n% pièce ${n}\n`);
  return body;
}

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error;

function saved(c: TestClient): Promise<void> {
  return waitFor(() => isSaved(c), 'durable');
}

describe('media limits (issue #9)', () => {
  let s: Setup;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    s = await setup();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s.server.close();
    await s.data.remove();
  });

  it('[MEDIA-2] a flood of 20 MB PDFs by one agent: the first 100 MB pass, then 429 in French, quickly', async () => {
    const started = Date.now();
    const statuses: number[] = [];
    let refusal: { code: string; message: string } | null = null;
    let retryAfter: string | null = null;
    for (let n = 0; n < 15; n++) {
      const body = pdf(20 * MB, n);
      const response = await put(s, sha256(body), body, 'application/pdf');
      statuses.push(response.status);
      if (response.status === 429 && !refusal) {
        retryAfter = response.headers.get('retry-after');
        refusal = await errorOf(response);
      } else await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(refusal).toEqual({
      code: 'too-many-uploads',
      message: 'Trop de fichiers envoyés en peu de temps : l’envoi reprendra automatiquement dans un moment.',
    });
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const stored = await readdir(path.join(s.data.dir, 'media', '13001'));
    expect(stored.filter((name) => name.endsWith('.pdf'))).toHaveLength(5);
    // Refused before their 20 MB are read: the whole flood is answered in seconds.
    expect(Date.now() - started).toBeLessThan(60_000);
    // The budget is the agent's: another agent (of another commune here) still sends.
    const other = pdf(1000, 99);
    const response = await fetch(mediaUrl(s, sha256(other), '13002'), {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.tokens.other}`, 'content-type': 'application/pdf' },
      body: new Uint8Array(other),
    });
    expect(response.status).toBe(201);
  }, 120_000);

  it('[MEDIA-4] images that only look like images are refused: garbage behind a valid WebP header, a size of the wrong proportions', async () => {
    const original = await png(1600, 1067);
    const sha = sha256(original);
    // (the agent of 13001 is rate-limited by the previous test: its budget refills at 1 MB/s)
    const agentOk = async (name: string, body: Buffer, type: string) => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const response = await put(s, name, body, type);
        if (response.status !== 429) return response;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error('still rate-limited');
    };
    // A real PNG original passes (decoded in full).
    expect((await agentOk(sha, original, 'image/png')).status).toBe(201);

    // The attack of the report: arbitrary bytes stored as a 16 px size of a PNG, here behind
    // the very headers of a real 16 px WebP (the server read only those).
    const garbled = garblePixels(await webp(16, 11, 'vraie'));
    expect(webpSize(garbled)).toEqual({ width: 16, height: 11 });
    const fake16 = await agentOk(`${sha}-16`, garbled, 'image/webp');
    expect(fake16.status).toBe(422);
    expect(await errorOf(fake16)).toEqual({
      code: 'bad-content',
      message: 'L’image est abîmée : ses pixels ne peuvent pas être lus.',
    });
    const fake480 = await agentOk(`${sha}-480`, fakeWebp(480, 320, 100_000), 'image/webp');
    expect(fake480.status).toBe(422);
    expect((await errorOf(fake480)).code).toBe('bad-content');
    // Not stored, whatever the header said.
    const files = await readdir(path.join(s.data.dir, 'media', '13001'));
    expect(files.filter((name) => name.startsWith(`${sha}-`))).toEqual([]);
    // A real size of other proportions is refused too; the right one passes.
    const squashed = await agentOk(`${sha}-480`, await webp(480, 100), 'image/webp');
    expect(squashed.status).toBe(422);
    expect((await errorOf(squashed)).code).toBe('bad-height');
    expect((await agentOk(`${sha}-480`, await webp(480, 320), 'image/webp')).status).toBe(201);

    // An original WebP that is only a header is refused as well (it would be published).
    const fakeOriginal = fakeWebp(800, 600, 5000);
    const refused = await agentOk(sha256(fakeOriginal), fakeOriginal, 'image/webp');
    expect(refused.status).toBe(422);
    // A PNG announced as WebP: refused (not the announced format).
    const asWebp = await png(20, 20);
    expect((await agentOk(sha256(asWebp), asWebp, 'image/webp')).status).toBe(422);
  }, 120_000);

  it('[MEDIA-5] DELETE: refused while a page or the settings use the file (409), allowed for an unused one (204, files gone)', async () => {
    const rest = async (name: string, body: Buffer, type: string) => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const response = await put(s, name, body, type);
        if (response.status !== 429) return response.status;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error('still rate-limited');
    };
    const photo = await webp(960, 640, 'photo');
    const photoSha = sha256(photo);
    const logo = await webp(96, 96, 'logo');
    const logoSha = sha256(logo);
    const unused = pdf(2000, 1234);
    const unusedSha = sha256(unused);
    expect(await rest(photoSha, photo, 'image/webp')).toBe(201);
    expect(await rest(`${photoSha}-480`, await webp(480, 320, 'photo 480'), 'image/webp')).toBe(201);
    expect(await rest(logoSha, logo, 'image/webp')).toBe(201);
    expect(await rest(unusedSha, unused, 'application/pdf')).toBe(201);

    const manifest = openClient(s.server, '13001/site', s.tokens.agent);
    clients.push(manifest);
    await waitSynced(manifest);
    const news = createPage(manifest.doc, { title: 'Fête du village', type: 'actualite', updatedBy: 'test' });
    updatePageFields(manifest.doc, news.id, { image: photoSha }, 'test');
    manifest.doc.transact(() => settingsMap(manifest.doc).set('logo', logoSha));
    await saved(manifest);

    const used = await del(s, photoSha);
    expect(used.status).toBe(409);
    expect(await errorOf(used)).toEqual({
      code: 'media-in-use',
      message:
        'Ce fichier est utilisé dans : « Fête du village » (Image). Retirez-le de ces pages avant de le supprimer.',
    });
    const usedLogo = await del(s, logoSha);
    expect(usedLogo.status).toBe(409);
    expect((await errorOf(usedLogo)).message).toContain('Réglages du site, Logo ou blason');

    // Other commune, reviewer, a size instead of the original, unknown file.
    expect((await del(s, unusedSha, s.tokens.other)).status).toBe(403);
    expect((await del(s, unusedSha, s.tokens.other, '13002')).status).toBe(404);
    expect((await del(s, unusedSha, s.tokens.reader)).status).toBe(403);
    expect((await del(s, `${photoSha}-480`)).status).toBe(405);
    expect((await del(s, sha256('rien'))).status).toBe(404);
    const dir = path.join(s.data.dir, 'media', '13001');
    expect(await stat(path.join(dir, `${unusedSha}.pdf`)).then(() => true)).toBe(true);

    // Unused: deleted, with nothing left on disk, and audited.
    expect((await del(s, unusedSha)).status).toBe(204);
    await expect(stat(path.join(dir, `${unusedSha}.pdf`))).rejects.toThrow();
    expect(
      (await fetch(mediaUrl(s, unusedSha), { headers: { authorization: `Bearer ${s.tokens.agent}` } }))
        .status,
    ).toBe(404);

    // Once the page no longer shows it, the photo goes with its sizes.
    updatePageFields(manifest.doc, news.id, { image: '' }, 'test');
    await saved(manifest);
    expect((await del(s, photoSha)).status).toBe(204);
    expect((await readdir(dir)).filter((name) => name.startsWith(photoSha))).toEqual([]);
    const audit = (await s.server.audit.list({ insee: '13001' })).filter((e) => e.event === 'media.deleted');
    expect(audit.map((e) => e.details?.sha256).sort()).toEqual([photoSha, unusedSha].sort());
  }, 120_000);
});

describe('commune quota shared by documents and media (issue #9)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup({ limits: { communeQuotaBytes: 1 * MB } });
  }, 60_000);
  afterAll(async () => {
    await s.server.close();
    await s.data.remove();
  });

  it('[MEDIA-3] uploads past the quota get 413 in French; nothing is stored; another commune is not affected', async () => {
    const statuses: number[] = [];
    let refusal: { code: string; message: string } | null = null;
    for (let n = 0; n < 5; n++) {
      const body = pdf(300 * 1024, n);
      const response = await put(s, sha256(body), body, 'application/pdf');
      statuses.push(response.status);
      if (response.status === 413) refusal = await errorOf(response);
    }
    expect(statuses).toEqual([201, 201, 201, 413, 413]);
    expect(refusal).toEqual({
      code: 'quota-exceeded',
      message:
        'L’espace de stockage de la commune est plein (1 Mo pour les pages et les fichiers). Supprimez des fichiers inutilisés de la médiathèque, ou demandez plus d’espace à la Métropole.',
    });
    expect(await readdir(path.join(s.data.dir, 'media', '13001'))).toHaveLength(3);
    const other = pdf(300 * 1024, 77);
    const response = await fetch(mediaUrl(s, sha256(other), '13002'), {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.tokens.other}`, 'content-type': 'application/pdf' },
      body: new Uint8Array(other),
    });
    expect(response.status).toBe(201);
    // Deleting an unused file gives its room back.
    const first = pdf(300 * 1024, 0);
    expect((await del(s, sha256(first))).status).toBe(204);
    const again = pdf(300 * 1024, 10);
    expect((await put(s, sha256(again), again, 'application/pdf')).status).toBe(201);
  }, 60_000);
});

describe('sweep of files the site no longer refers to (issue #9)', () => {
  let s: Setup;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    s = await setup({ media: { sweepIntervalMs: 100, sweepGraceMs: 60_000 } });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s.server.close();
    await s.data.remove();
  });

  it('[MEDIA-6] an old file no manifest entry names is deleted; listed, used or recent files stay', async () => {
    const orphan = pdf(1000, 1);
    const listed = pdf(1000, 2);
    const recent = pdf(1000, 3);
    const image = await webp(480, 320, 'orphan image');
    for (const [body, type] of [
      [orphan, 'application/pdf'],
      [listed, 'application/pdf'],
      [recent, 'application/pdf'],
      [image, 'image/webp'],
    ] as const)
      expect((await put(s, sha256(body), body, type)).status).toBe(201);
    const manifest = openClient(s.server, '13001/site', s.tokens.agent);
    clients.push(manifest);
    await waitSynced(manifest);
    manifest.doc.transact(() => {
      const entry = new Y.Map<unknown>();
      entry.set('name', 'listed.pdf');
      entry.set('mime', 'application/pdf');
      mediaMap(manifest.doc).set(sha256(listed), entry);
    });
    await saved(manifest);
    // Uploaded two days ago (past the grace period): the orphan PDF, the orphan image and its
    // own size (the same file), and the listed PDF.
    const dir = path.join(s.data.dir, 'media', '13001');
    const old = new Date(Date.now() - 2 * 86_400_000);
    for (const name of await readdir(dir))
      if (!name.startsWith(sha256(recent))) await utimes(path.join(dir, name), old, old);

    await waitFor(
      async () => (await s.server.audit.list({ insee: '13001' })).some((e) => e.event === 'media.deleted'),
      'sweep',
      10_000,
    );
    const left = await readdir(dir);
    expect(left.sort()).toEqual([`${sha256(listed)}.pdf`, `${sha256(recent)}.pdf`].sort());
    const entry = (await s.server.audit.list({ insee: '13001' })).find((e) => e.event === 'media.deleted');
    expect(entry?.outcome).toBe('unreferenced');
  }, 60_000);
});
