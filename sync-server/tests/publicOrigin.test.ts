// Security issue #9, finding 11 (parts): sitemaps and feeds use PUBLIC_URL, not
// http://localhost:8080; the editor at /app/ is served with the desktop app's CSP and no framing.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPage, updatePage } from '../../site/siteDoc';
import { parsePublicUrl } from '../transport/publicUrl';
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

describe('PUBLIC_URL and the editor’s headers', () => {
  let server: RunningServer;
  let data: { dir: string; remove: () => Promise<void> };
  const clients: TestClient[] = [];
  beforeAll(async () => {
    data = await tempDataDir();
    const appDir = path.join(data.dir, 'app-build');
    await mkdir(path.join(appDir, 'assets'), { recursive: true });
    await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Éditeur</title>');
    await writeFile(path.join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    server = await startTestServer(data.dir, { appDir, publicUrl: 'https://sites.example.fr' });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.close();
    await data.remove();
  });

  it('[ORIGIN-1] sitemap.xml and robots.txt of a published site use PUBLIC_URL', async () => {
    const referent = await login(server, server.demoAccount!.email, server.demoAccount!.password);
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Horaires de la mairie', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    await waitFor(() => isSaved(manifest), 'durable');
    const published = await fetch(`${server.url}/api/communes/13001/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(published.status).toBe(200);
    const sitemap = await (await fetch(`${server.url}/sites/aix-en-provence/sitemap.xml`)).text();
    expect(sitemap).toContain(
      `<loc>https://sites.example.fr/sites/aix-en-provence/${page.slug}/index.html</loc>`,
    );
    expect(sitemap).not.toContain('localhost');
    const robots = await (await fetch(`${server.url}/sites/aix-en-provence/robots.txt`)).text();
    expect(robots).toContain('Sitemap: https://sites.example.fr/sites/aix-en-provence/sitemap.xml');
  }, 60_000);

  it('[ORIGIN-2] /app/ answers carry the desktop CSP with frame-ancestors none, X-Frame-Options, nosniff', async () => {
    for (const url of ['/app/', '/app/sw.js', '/app/une/route/du/client', '/app/absent.js']) {
      const response = await fetch(`${server.url}${url}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self';");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("connect-src 'self' https://sites.example.fr wss://sites.example.fr");
      expect(csp, url).not.toContain('unsafe');
      expect(response.headers.get('x-frame-options'), url).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), url).toBe('strict-origin-when-cross-origin');
    }
  });

  it('[ORIGIN-3] PUBLIC_URL is an http(s) origin alone; required in production', () => {
    expect(parsePublicUrl('https://sites.example.fr/', true)).toEqual({
      ok: true,
      origin: 'https://sites.example.fr',
    });
    expect(parsePublicUrl('http://10.0.0.5:8080', false)).toEqual({
      ok: true,
      origin: 'http://10.0.0.5:8080',
    });
    expect(parsePublicUrl(undefined, false)).toEqual({ ok: true, origin: undefined });
    for (const bad of [
      'sites.example.fr',
      'ftp://sites.example.fr',
      'https://sites.example.fr/sites',
      'https://sites.example.fr/?a=1',
      'https://sites.example.fr/#x',
      'https://moi:secret@sites.example.fr',
    ]) {
      const result = parsePublicUrl(bad, false);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.message, bad).toMatch(/^PUBLIC_URL invalide/);
    }
    const missing = parsePublicUrl('', true);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.message).toMatch(/^PUBLIC_URL est obligatoire en production/);
  });
});
