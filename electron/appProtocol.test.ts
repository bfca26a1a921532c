// Path resolution and responses of the app:// protocol, against a real temporary directory.
import { mkdtemp, mkdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, mimeTypeFor, resolveAppPath } from './appProtocol';

const root = path.resolve('/srv/usine/dist/renderer');

describe('resolveAppPath', () => {
  it.each([
    'app://usine/../../etc/passwd',
    'app://usine/%2e%2e/%2e%2e/etc/passwd',
    'app://usine/.%2e/.%2e/etc/passwd',
    'app://usine/..%2f..%2fetc%2fpasswd',
    'app://usine/..%2F..%2Fetc%2Fpasswd',
    'app://usine/assets/..%5c..%5c..%5cetc%5cpasswd',
    'app://usine/assets/%2e%2e%5c%2e%2e%5cwindows',
    'app://usine/index.html%00.png',
    'app://usine/C:%5cWindows%5cwin.ini',
    'app://usine/assets/x%3a..',
  ])('never resolves outside the root: %s', (url) => {
    const result = resolveAppPath(url, root);
    if (result.ok) {
      expect(result.filePath.startsWith(root + path.sep)).toBe(true);
    } else {
      expect([400, 403, 404]).toContain(result.status);
    }
  });

  it('refuses encoded traversal outright instead of folding it', () => {
    expect(resolveAppPath('app://usine/..%2f..%2fetc%2fpasswd', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('app://usine/a/..%5c..%5cb.js', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('app://usine/a%00.js', root)).toEqual({ ok: false, status: 403 });
  });

  it('refuses a raw `..` segment even when the URL parser would fold it', () => {
    expect(resolveAppPath('app://usine/../../etc/passwd', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('app://usine/%2e%2e/secret.txt', root)).toEqual({ ok: false, status: 403 });
  });

  it('refuses other hosts, ports, schemes and malformed escapes', () => {
    expect(resolveAppPath('app://evil/index.html', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('app://usine:8080/index.html', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('file:///etc/passwd', root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppPath('app://usine/%E0%A4%A', root)).toEqual({ ok: false, status: 400 });
    expect(resolveAppPath('not a url', root)).toEqual({ ok: false, status: 400 });
  });

  it('maps files under the root and ignores query and fragment', () => {
    expect(resolveAppPath('app://usine/index.html?server=http%3A%2F%2Flocalhost%3A8080', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'index.html'),
    });
    expect(resolveAppPath('app://usine/assets/index-abc.js#x', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'assets', 'index-abc.js'),
    });
    expect(resolveAppPath('app://usine/assets/caf%C3%A9.png', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'assets', 'café.png'),
    });
  });

  it('serves index.html for the root and for extensionless client routes', () => {
    expect(resolveAppPath('app://usine/', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'index.html'),
    });
    expect(resolveAppPath('app://usine', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'index.html'),
    });
    expect(resolveAppPath('app://usine/pages/abc', root)).toEqual({
      ok: true,
      filePath: path.join(root, 'index.html'),
    });
  });
});

describe('mimeTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.mjs', 'text/javascript; charset=utf-8'],
    ['a.CSS', 'text/css; charset=utf-8'],
    ['a.svg', 'image/svg+xml'],
    ['a.webp', 'image/webp'],
    ['a.woff2', 'font/woff2'],
    ['a.wasm', 'application/wasm'],
    ['a.unknown', 'application/octet-stream'],
  ])('%s → %s', (file, mime) => expect(mimeTypeFor(file)).toBe(mime));
});

describe('APP_SCHEME_PRIVILEGES', () => {
  it('is standard and secure, does not bypass CSP, allows no service worker', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      bypassCSP: false,
      allowServiceWorkers: false,
    });
  });
});

describe('createAppProtocolHandler', () => {
  let base: string;
  let dist: string;
  const csp = "default-src 'self'";
  let handler: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'usine-app-protocol-')));
    dist = path.join(base, 'dist', 'renderer');
    await mkdir(path.join(dist, 'assets'), { recursive: true });
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Usine</title>');
    await writeFile(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(base, 'secret.txt'), 'secret');
    await symlink(path.join(base, 'secret.txt'), path.join(dist, 'assets', 'link.js'));
    handler = createAppProtocolHandler({ rootDir: dist, contentSecurityPolicy: csp, readFile, realpath });
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('serves files with their MIME type and the CSP header', async () => {
    const page = await handler(new Request('app://usine/index.html?server=http%3A%2F%2Flocalhost%3A8080'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(csp);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Usine</title>');

    const script = await handler(new Request('app://usine/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('puts the CSP on error responses too', async () => {
    const missing = await handler(new Request('app://usine/assets/missing.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(csp);
  });

  it('never returns a file outside dist/renderer', async () => {
    for (const url of [
      'app://usine/../secret.txt',
      'app://usine/..%2fsecret.txt',
      'app://usine/%2e%2e/secret.txt',
      'app://usine/assets/..%5c..%5csecret.txt',
      'app://usine/../../secret.txt',
    ]) {
      const response = await handler(new Request(url));
      expect(response.status, url).not.toBe(200);
      expect(await response.text(), url).not.toContain('secret');
    }
  });

  it('refuses a symlink that points outside the root', async () => {
    const response = await handler(new Request('app://usine/assets/link.js'));
    expect(response.status).toBe(403);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const response = await handler(new Request('app://usine/index.html', { method: 'POST', body: 'x' }));
    expect(response.status).toBe(405);
  });
});
