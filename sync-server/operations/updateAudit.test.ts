// Update publications in the audit log (issue 14): the real admin CLI publishes a release and
// changes its rollout on the DATA_DIR of a running server; the entries (who, which version, which
// rollout — no secret) appear in the CLI's `audit` listing and in GET /api/admin/audit, with
// the refused attempts too.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { callApi, login, startTestServer, tempDataDir } from '../app/testHarness';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const PASSWORD = 'Port-de-Cassis-et-falaises';

async function cli(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tsx, 'sync-server/app/admin.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, BACKUP_DIR: path.join(dataDir, 'backups') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function releaseDir(version: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'usine-release-'));
  const installer = Buffer.from(`MZ installateur ${version}`);
  const name = `Usine-a-sites-Setup-${version}.exe`;
  await writeFile(path.join(dir, name), installer);
  const sha512 = createHash('sha512').update(installer).digest('base64');
  await writeFile(
    path.join(dir, 'latest.yml'),
    yaml.dump({ version, files: [{ url: name, sha512, size: installer.length }], path: name, sha512 }),
  );
  return dir;
}

type Entry = { event: string; outcome: string; insee: string | null; details: Record<string, unknown> };

describe('update publications in the audit log', () => {
  let server: RunningServer;
  let data: { dir: string; remove: () => Promise<void> };
  let token = '';
  const folders: string[] = [];

  beforeAll(async () => {
    data = await tempDataDir();
    server = await startTestServer(data.dir, { createDemoAccount: false });
    await server.admin.addAgent({
      commune: '13022',
      email: 'admin@ampmetropole.fr',
      password: PASSWORD,
      role: 'agent',
    });
    await server.admin.setAdmin('admin@ampmetropole.fr', true);
    token = (await login(server, 'admin@ampmetropole.fr', PASSWORD)).accessToken;
  });
  afterAll(async () => {
    await server.close();
    await data.remove();
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  });

  it(
    'records who published which version for which rollout, and each rollout change',
    { timeout: 90_000 },
    async () => {
      const first = await releaseDir('1.4.0');
      const second = await releaseDir('1.5.0');
      folders.push(first, second);
      expect((await cli(data.dir, 'publish-update', '--dir', first, '--rollout', '100')).code).toBe(0);
      expect((await cli(data.dir, 'publish-update', '--dir', second, '--rollout', '10')).code).toBe(0);
      expect((await cli(data.dir, 'set-update-rollout', '--rollout', '50')).code).toBe(0);

      const listed = await callApi(server, 'GET', '/api/admin/audit', token);
      expect(listed.status).toBe(200);
      const entries = (listed.body.entries as Entry[]).filter((entry) => entry.event.startsWith('update.'));
      const operator = `système:${os.userInfo().username}`;
      const published = entries.filter((entry) => entry.event === 'update.published');
      expect(published.map((entry) => entry.details)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ operator, version: '1.4.0', previousVersion: null, rolloutPercent: 100 }),
          expect.objectContaining({
            operator,
            version: '1.5.0',
            previousVersion: '1.4.0',
            rolloutPercent: 10,
            files: ['Usine-a-sites-Setup-1.5.0.exe'],
            removed: ['Usine-a-sites-Setup-1.4.0.exe'],
          }),
        ]),
      );
      const changed = entries.find((entry) => entry.event === 'update.rollout_changed');
      expect(changed).toMatchObject({
        outcome: 'ok',
        insee: null,
        details: {
          operator,
          version: '1.5.0',
          fromPercent: 10,
          rolloutPercent: 50,
          manifests: ['latest.yml'],
        },
      });
      // Nothing of the files' digests or content in the log.
      expect(JSON.stringify(entries)).not.toMatch(/sha512|MZ installateur/);

      // The CLI's own listing shows them too.
      const audit = await cli(data.dir, 'audit');
      expect(audit.code).toBe(0);
      expect(audit.stdout).toContain('"event":"update.rollout_changed"');
      expect(audit.stdout.match(/"event":"update\.published"/g)).toHaveLength(2);
    },
  );

  it('records refused attempts with the reason the operator saw', { timeout: 90_000 }, async () => {
    const older = await releaseDir('1.0.0');
    folders.push(older);
    const refused = await cli(data.dir, 'publish-update', '--dir', older);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/pas plus récente/);
    expect((await cli(data.dir, 'set-update-rollout', '--rollout', '150')).code).toBe(1);
    const listed = await callApi(server, 'GET', '/api/admin/audit', token);
    const refusals = (listed.body.entries as Entry[]).filter(
      (entry) => entry.event.startsWith('update.') && entry.outcome === 'refused',
    );
    expect(refusals.map((entry) => [entry.event, entry.details.reason])).toEqual(
      expect.arrayContaining([
        ['update.published', expect.stringMatching(/1\.0\.0 n’est pas plus récente/)],
        ['update.rollout_changed', expect.stringMatching(/0 à 100/)],
      ]),
    );
  });
});
