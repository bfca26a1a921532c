// Media routes (issue 5): content-addressed uploads, hash and type verified, never rewritten.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './server';
import { login, startTestServer, tempDataDir } from './testHarness';

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
});
