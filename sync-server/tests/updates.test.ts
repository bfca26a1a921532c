// The desktop app's update feed (issue 14): publishing refuses wrong files, the rollout reaches
// the manifest electron-updater reads, and the real server serves nothing outside the release.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { startTestServer, tempDataDir } from '../app/testHarness';
import { publishRelease, ReleaseRefused, setRollout } from '../operations/updateReleases';

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

/** A release folder as electron-builder writes it: an installer and latest.yml. */
async function releaseDir(
  version: string,
  options: { corrupt?: boolean; sizeOff?: boolean; blockmap?: boolean } = {},
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'usine-release-'));
  const installer = Buffer.from(`MZ installateur Usine à sites ${version} ${'x'.repeat(2000)}`);
  const name = `Usine-a-sites-Setup-${version}.exe`;
  await writeFile(
    path.join(dir, name),
    options.corrupt ? Buffer.concat([installer, Buffer.from('!')]).subarray(1) : installer,
  );
  const size = installer.length + (options.sizeOff ? 1 : 0);
  const manifest = {
    version,
    files: [{ url: name, sha512: sha512(installer), size }],
    path: name,
    sha512: sha512(installer),
    releaseDate: '2026-12-04T10:00:00.000Z',
  };
  await writeFile(path.join(dir, 'latest.yml'), yaml.dump(manifest));
  if (options.blockmap) await writeFile(path.join(dir, `${name}.blockmap`), `blockmap ${version}`);
  return { dir, name, installer };
}

describe('publishRelease', () => {
  let updatesDir = '';
  const cleanup: string[] = [];
  beforeAll(async () => {
    updatesDir = await mkdtemp(path.join(os.tmpdir(), 'usine-updates-'));
    cleanup.push(updatesDir);
  });
  afterAll(async () => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file whose SHA-512 or size differs from the manifest, and publishes nothing', async () => {
    for (const options of [{ corrupt: true }, { sizeOff: true }]) {
      const release = await releaseDir('1.0.0', options);
      cleanup.push(release.dir);
      await expect(
        publishRelease({ sourceDir: release.dir, updatesDir, rolloutPercent: 100 }),
      ).rejects.toThrow(options.corrupt ? /empreinte SHA-512/ : /taille annoncée/);
    }
    expect(await readdir(updatesDir)).toEqual([]);
  });

  it('refuses manifests naming files outside the folder, and bad rollouts', async () => {
    const release = await releaseDir('1.0.0');
    cleanup.push(release.dir);
    const manifest = yaml.load(await readFile(path.join(release.dir, 'latest.yml'), 'utf8')) as {
      files: Array<{ url: string }>;
    };
    for (const url of ['../../etc/passwd', 'sub/file.exe', '.hidden.exe', 'latest.yml']) {
      manifest.files[0]!.url = url;
      await writeFile(path.join(release.dir, 'latest.yml'), yaml.dump(manifest));
      await expect(
        publishRelease({ sourceDir: release.dir, updatesDir, rolloutPercent: 100 }),
      ).rejects.toThrow(ReleaseRefused);
    }
    for (const rolloutPercent of [-1, 101, 12.5]) {
      await expect(publishRelease({ sourceDir: release.dir, updatesDir, rolloutPercent })).rejects.toThrow(
        /0 à 100/,
      );
    }
    await expect(
      publishRelease({
        sourceDir: await mkdtemp(path.join(os.tmpdir(), 'usine-empty-')),
        updatesDir,
        rolloutPercent: 100,
      }),
    ).rejects.toThrow(/Aucun manifeste/);
  });

  it('publishes, writes the rollout, refuses a downgrade, prunes the previous installer', async () => {
    const first = await releaseDir('1.0.0');
    const second = await releaseDir('1.1.0');
    cleanup.push(first.dir, second.dir);
    await publishRelease({ sourceDir: first.dir, updatesDir, rolloutPercent: 100 });
    const result = await publishRelease({ sourceDir: second.dir, updatesDir, rolloutPercent: 25 });
    expect(result).toMatchObject({ version: '1.1.0', manifests: ['latest.yml'], removed: [first.name] });
    expect((await readdir(updatesDir)).sort()).toEqual([second.name, 'blockmaps.json', 'latest.yml'].sort());
    await expect(publishRelease({ sourceDir: first.dir, updatesDir, rolloutPercent: 100 })).rejects.toThrow(
      /pas plus récente/,
    );
    expect(await setRollout(updatesDir, 60)).toEqual(['latest.yml']);
  });
});

describe('blockmaps for the differential download', () => {
  it('publishes each release’s blockmap and keeps those of the last releases, served; nothing else', async () => {
    const data = await tempDataDir();
    const updatesDir = path.join(data.dir, 'updates');
    const folders: string[] = [];
    const server = await startTestServer(data.dir, { createDemoAccount: false });
    try {
      const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0'];
      for (const version of versions) {
        const release = await releaseDir(version, { blockmap: true });
        folders.push(release.dir);
        const result = await publishRelease({ sourceDir: release.dir, updatesDir, rolloutPercent: 100 });
        expect(result.blockmaps).toEqual([`${release.name}.blockmap`]);
      }
      const blockmap = (version: string) => `Usine-a-sites-Setup-${version}.exe.blockmap`;
      // The installed 1.5.0 fetches its own blockmap to diff against 1.6.0's: both are served.
      for (const version of ['1.6.0', '1.5.0', '1.1.0']) {
        const response = await rawGet(server.url, `/updates/${blockmap(version)}`);
        expect(response.status, version).toBe(200);
        expect(response.body).toBe(`blockmap ${version}`);
      }
      // Six kept: the oldest is gone from the index and from the folder.
      expect((await rawGet(server.url, `/updates/${blockmap('1.0.0')}`)).status).toBe(404);
      expect(await readdir(updatesDir)).not.toContain(blockmap('1.0.0'));
      // A blockmap publishing did not write, and the index itself, are not served.
      await writeFile(path.join(updatesDir, 'planted.exe.blockmap'), 'ne doit pas sortir');
      for (const name of ['planted.exe.blockmap', 'blockmaps.json'])
        expect((await rawGet(server.url, `/updates/${name}`)).status, name).toBe(404);
      // A release without blockmaps still publishes (clients then download in full).
      const plain = await releaseDir('1.7.0');
      folders.push(plain.dir);
      expect(
        (await publishRelease({ sourceDir: plain.dir, updatesDir, rolloutPercent: 100 })).blockmaps,
      ).toEqual([]);
    } finally {
      await server.close();
      await data.remove();
      for (const dir of folders) await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /updates/ on the real server', () => {
  let server: RunningServer;
  let data: { dir: string; remove: () => Promise<void> };
  let release: Awaited<ReturnType<typeof releaseDir>>;
  const updatesDir = () => path.join(data.dir, 'updates');

  beforeAll(async () => {
    data = await tempDataDir();
    release = await releaseDir('2.3.4');
    await publishRelease({ sourceDir: release.dir, updatesDir: updatesDir(), rolloutPercent: 30 });
    // Planted next to the release: a file no manifest lists, and a symlink out of the folder.
    await writeFile(path.join(updatesDir(), 'secret.txt'), 'ne doit pas sortir');
    await mkdir(path.join(data.dir, 'outside'), { recursive: true });
    await writeFile(path.join(data.dir, 'outside', 'db.txt'), 'base');
    server = await startTestServer(data.dir, { createDemoAccount: false });
  });
  afterAll(async () => {
    await server.close();
    await data.remove();
    await rm(release.dir, { recursive: true, force: true });
  });

  it('serves the manifest with the rollout electron-updater enforces', async () => {
    const response = await fetch(`${server.url}/updates/latest.yml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/yaml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const manifest = yaml.load(await response.text()) as Record<string, unknown>;
    expect(manifest).toMatchObject({ version: '2.3.4', stagingPercentage: 30, path: release.name });
    await setRollout(updatesDir(), 0);
    const stopped = yaml.load(await (await fetch(`${server.url}/updates/latest.yml`)).text());
    expect(stopped).toMatchObject({ stagingPercentage: 0 });
  });

  it('serves the listed installer byte for byte, with its SHA-512', async () => {
    const response = await fetch(`${server.url}/updates/${release.name}`);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha512(body)).toBe(sha512(release.installer));
    const head = await fetch(`${server.url}/updates/${release.name}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(release.installer.length));
  });

  it('serves nothing outside the release: traversal, unlisted files, symlinks, other manifests', async () => {
    await symlink(path.join(data.dir, 'outside', 'db.txt'), path.join(updatesDir(), 'lien.exe'));
    const paths = [
      '/updates/secret.txt',
      '/updates/lien.exe',
      '/updates/latest-mac.yml',
      '/updates/',
      '/updates/..%2Fusine.sqlite',
      '/updates/%2e%2e/outside/db.txt',
      '/updates/..%5Coutside%5Cdb.txt',
      `/updates/${release.name}/`,
      `/updates/sub/${release.name}`,
      '/updates/.latest.yml',
      '/updates/latest.yml%00.exe',
    ];
    for (const p of paths) {
      const response = await rawGet(server.url, p);
      expect(response.status, p).toBe(404);
      expect(response.body, p).not.toMatch(/ne doit pas sortir|base/);
    }
    const post = await fetch(`${server.url}/updates/latest.yml`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });

  it('does not follow a listed installer replaced by a symlink out of the folder', async () => {
    const installer = path.join(updatesDir(), release.name);
    await rm(installer);
    await symlink(path.join(data.dir, 'outside', 'db.txt'), installer);
    try {
      const response = await rawGet(server.url, `/updates/${release.name}`);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('base');
    } finally {
      await rm(installer);
      await writeFile(installer, release.installer);
    }
  });

  it('answers a huge path quickly without serving anything', async () => {
    const started = Date.now();
    const long = await rawGet(server.url, `/updates/${'a'.repeat(8000)}.exe`);
    expect(long.status).toBe(404);
    const huge = await rawGet(server.url, `/updates/${'a'.repeat(100_000)}`);
    expect([404, 414, 431]).toContain(huge.status);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

/** A GET sent as is (fetch would normalise `..` and `%2e%2e` before sending). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 1000)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
