// Media routes (issue 5): content-addressed uploads, hash and type verified, never rewritten.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { webp } from '../app/mediaFixtures';
import { login, startTestServer, tempDataDir } from '../app/testHarness';

const PDF = Buffer.from('%PDF-1.4\n% délibération 2026-042\n%%EOF\n');
const SHA = createHash('sha256').update(PDF).digest('hex');

describe('media routes', () => {
  let server: RunningServer;
  let data: { dir: string; remove: () => Promise<void> };
  let token = '';
  let readerToken = '';
  const url = (sha: string, insee = '13001') => `${server.url}/api/communes/${insee}/media/${sha}`;
  const put = (body: Buffer, sha: string, type = 'application/pdf', t = token) =>
    fetch(url(sha), {
      method: 'PUT',
      headers: { authorization: `Bearer ${t}`, 'content-type': type },
      body: new Uint8Array(body),
    });

  beforeAll(async () => {
    data = await tempDataDir();
    server = await startTestServer(data.dir, { createDemoAccount: false });
    await server.admin.addAgent({
      commune: '13001',
      email: 'agent@media.fr',
      password: 'Mot-de-passe-solide-media-1',
      role: 'agent',
      displayName: 'Agent',
    });
    await server.admin.addAgent({
      commune: '13001',
      email: 'relecteur@media.fr',
      password: 'Mot-de-passe-solide-media-2',
      role: 'relecteur',
      displayName: 'Relecteur',
    });
    token = (await login(server, 'agent@media.fr', 'Mot-de-passe-solide-media-1')).accessToken;
    readerToken = (await login(server, 'relecteur@media.fr', 'Mot-de-passe-solide-media-2')).accessToken;
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await data.remove();
  });

  it('stores a file under its verified SHA-256 once, then answers « already stored »', async () => {
    const head = { method: 'HEAD', headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(url(SHA), head)).status).toBe(404);
    expect((await put(PDF, SHA)).status).toBe(201);
    expect(await readFile(path.join(data.dir, 'media', '13001', `${SHA}.pdf`))).toEqual(PDF);
    const again = await put(PDF, SHA);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ sha256: SHA, stored: false });
    expect((await fetch(url(SHA), head)).status).toBe(200);
    const got = await fetch(url(SHA), { headers: { authorization: `Bearer ${token}` } });
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(PDF);
  });

  it('refuses a wrong hash, a wrong type, content that is not what it claims, and other communes', async () => {
    const other = createHash('sha256').update('autre').digest('hex');
    expect((await put(PDF, other)).status).toBe(422);
    expect((await put(PDF, SHA, 'text/html')).status).toBe(415);
    const fake = Buffer.from('<html>pas un pdf</html>');
    expect((await put(fake, createHash('sha256').update(fake).digest('hex'))).status).toBe(422);
    expect((await fetch(url(SHA, '13002'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      403,
    );
    expect((await fetch(url(SHA))).status).toBe(401);
    const readerPdf = Buffer.from('%PDF-1.4\n% relecteur\n');
    expect(
      (
        await put(
          readerPdf,
          createHash('sha256').update(readerPdf).digest('hex'),
          'application/pdf',
          readerToken,
        )
      ).status,
    ).toBe(403);
  });

  it('answers the editor running in Electron (app:// origin): preflight allows PUT, answers carry CORS', async () => {
    const preflight = await fetch(url(SHA), {
      method: 'OPTIONS',
      headers: {
        origin: 'app://usine',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    const answer = await fetch(url(SHA), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${token}`, origin: 'app://usine' },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('[MEDIA-1] re-encoded sizes: a WebP of exactly that width, bound to an original of the commune, stored once', async () => {
    const original = await webp(1600, 1067, 'origine');
    const sha = createHash('sha256').update(original).digest('hex');
    const variant = (w: number, body: Buffer, type = 'image/webp', t = token, insee = '13001') =>
      fetch(`${url(sha, insee)}-${w}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${t}`, 'content-type': type },
        body: new Uint8Array(body),
      });
    const head = { method: 'HEAD', headers: { authorization: `Bearer ${token}` } };
    // Before its original: refused, with a French reason.
    const early = await variant(480, await webp(480, 320));
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toBe(
      'L’image d’origine doit être envoyée avant ses tailles réduites.',
    );
    expect((await put(original, sha, 'image/webp')).status).toBe(201);
    expect((await fetch(`${url(sha)}-480`, head)).status).toBe(404);

    const small = await webp(480, 320, 'petite');
    expect((await variant(480, small)).status).toBe(201);
    expect(await readFile(path.join(data.dir, 'media', '13001', `${sha}-480.webp`))).toEqual(small);
    // Never rewritten: a retry (even with other bytes) answers « already stored ».
    const again = await variant(480, await webp(480, 320, 'autre encodage'));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ sha256: sha, width: 480, stored: false });
    const got = await fetch(`${url(sha)}-480`, { headers: { authorization: `Bearer ${token}` } });
    expect(got.headers.get('content-type')).toBe('image/webp');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(small);
    // The original is its own 1600 px size: stored under that name too, never to be sent again.
    const own = await fetch(`${url(sha)}-1600`, { headers: { authorization: `Bearer ${token}` } });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer())).toEqual(original);
    expect(await (await variant(1600, original)).json()).toEqual({ sha256: sha, width: 1600, stored: false });

    // Not the announced width, wider than the original, not a WebP, absurd widths.
    const wrong = await variant(960, await webp(961, 640));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'L’image reçue fait 961 px de large, et non 960 px comme annoncé.',
    );
    expect((await variant(2000, await webp(2000, 1333))).status).toBe(422);
    expect((await variant(960, await webp(960, 640), 'image/png')).status).toBe(415);
    expect((await variant(960, Buffer.from('RIFF\0\0\0\0WEBPVP8 pas une image'))).status).toBe(422);
    expect((await variant(8, await webp(8, 5))).status).toBe(422);
    expect((await fetch(`${url(sha)}-0960`, head)).status).toBe(404);
    // Size limit, other communes, reviewers.
    expect(
      (await variant(960, Buffer.concat([await webp(960, 640), Buffer.alloc(3 * 1024 * 1024)]))).status,
    ).toBe(413);
    expect((await variant(960, await webp(960, 640), 'image/webp', token, '13002')).status).toBe(403);
    expect((await variant(960, await webp(960, 640), 'image/webp', readerToken)).status).toBe(403);
    // A PDF has no re-encoded sizes.
    const pdfVariant = await fetch(`${url(SHA)}-480`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/webp' },
      body: new Uint8Array(await webp(480, 320)),
    });
    expect(pdfVariant.status).toBe(409);
  });

  it('[ROLE-4] the Métropole’s administrator, with no role in the commune, stores, reads and deletes a file there like the other routes let it', async () => {
    await server.admin.addAgent({
      commune: '13002',
      email: 'admin@ampmetropole.fr',
      password: 'Mot-de-passe-solide-media-3',
      role: 'agent',
      displayName: 'Métropole',
    });
    await server.admin.setAdmin('admin@ampmetropole.fr', true);
    const adminToken = (await login(server, 'admin@ampmetropole.fr', 'Mot-de-passe-solide-media-3'))
      .accessToken;
    const pdf = Buffer.from('%PDF-1.4\n% arrêté de la Métropole\n%%EOF\n');
    const sha = createHash('sha256').update(pdf).digest('hex');
    expect((await put(pdf, sha, 'application/pdf', adminToken)).status).toBe(201);
    const got = await fetch(url(sha), { headers: { authorization: `Bearer ${adminToken}` } });
    expect(Buffer.from(await got.arrayBuffer())).toEqual(pdf);
    expect(
      (await fetch(url(sha), { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } }))
        .status,
    ).toBeLessThan(300);
  });
});
