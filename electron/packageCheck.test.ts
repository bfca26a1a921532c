// The packaging configuration, checked without the Electron binary: electron-builder's own
// schema, the fuses, and what electron-builder itself packs into app.asar. The Electron binary
// is replaced by a stand-in folder (the only fake here: it cannot be downloaded in this
// environment); electron-builder, its `files` patterns and the asar packer are the real ones.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dryRunPackage,
  fuseProblems,
  loadBuilderConfig,
  packagedFileProblems,
  REQUIRED_FILES,
  validateBuilderConfig,
} from './packageCheck';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema, which refuses an unknown option', async () => {
    const config = await loadBuilderConfig(repoRoot);
    await expect(validateBuilderConfig(config)).resolves.toBeUndefined();
    await expect(
      validateBuilderConfig({ ...config, nsis: { ...config.nsis, perUser: true } as never }),
    ).rejects.toThrow(/unknown property 'perUser'/);
  });

  it('sets every fuse of the security checklist', async () => {
    const config = await loadBuilderConfig(repoRoot);
    expect(fuseProblems(config)).toEqual([]);
    expect(fuseProblems({ ...config, electronFuses: { ...config.electronFuses, runAsNode: true } })).toEqual([
      'fuse runAsNode : true au lieu de false',
    ]);
  });

  it('builds the Windows installer per user, in French, with a desktop shortcut, keeping local data', async () => {
    const config = await loadBuilderConfig(repoRoot);
    expect(config.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: false,
      createDesktopShortcut: true,
      installerLanguages: ['fr_FR'],
      language: '1036',
      deleteAppDataOnUninstall: false,
      include: 'electron/installer.nsh',
    });
    expect(config.publish).toEqual([
      { provider: 'generic', url: '${env.USINE_PACKAGED_SERVER_URL}/updates/' },
    ]);
  });
});

describe('packagedFileProblems', () => {
  it('accepts the expected files and names each problem', () => {
    expect(packagedFileProblems([...REQUIRED_FILES, '/dist', '/dist/renderer/assets/index-abc.js'])).toEqual(
      [],
    );
    expect(
      packagedFileProblems([
        '/package.json',
        '/dist/electron/main.mjs',
        '/dist/electron/main.mjs.map',
        '/node_modules/yjs/index.js',
        '/electron/main.ts',
        '/.env',
      ]),
    ).toEqual([
      'absent : /dist/electron/preload.cjs',
      'absent : /dist/renderer/index.html',
      'source map livrée : /dist/electron/main.mjs.map',
      'node_modules livré : /node_modules/yjs/index.js',
      'fichier source livré : /electron/main.ts',
      'fichier inattendu : /.env',
    ]);
  });
});

describe('electron-builder dry run (stand-in Electron folder)', () => {
  let project = '';
  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'usine-pack-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({
        name: 'usine-a-sites',
        version: '1.2.3',
        description: 'test',
        author: 'Métropole',
        devDependencies: { electron: '45.4.1' },
      }),
      'dist/electron/main.mjs': 'export {};\n',
      'dist/electron/main.mjs.map': '{}',
      'dist/electron/preload.cjs': '"use strict";\n',
      'dist/electron/preload.cjs.map': '{}',
      'dist/renderer/index.html': '<!doctype html><title>Usine à sites</title>',
      'dist/renderer/assets/index-abc.js': 'console.log(1);\n',
      'dist/renderer/assets/index-abc.js.map': '{}',
      'node_modules/left-pad/index.js': 'module.exports = 1;\n',
      'electron/main.ts': 'export {};\n',
      '.env': 'SECRET=1\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(project, file)), { recursive: true });
      await writeFile(path.join(project, file), text);
    }
    await mkdir(path.join(project, 'electron'), { recursive: true });
    await writeFile(
      path.join(project, 'electron', 'electron-builder.yml'),
      await readFile(path.join(repoRoot, 'electron', 'electron-builder.yml')),
    );
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('packs only the bundles and the editor build', { timeout: 180_000 }, async () => {
    const config = await loadBuilderConfig(project);
    const { files, appUpdateYml } = await dryRunPackage({
      projectDir: project,
      outDir: path.join(project, 'out'),
      config,
      serverUrl: 'https://usine.ampmetropole.fr',
    });
    expect(packagedFileProblems(files)).toEqual([]);
    // electron-updater's resources/app-update.yml points at our server's feed.
    expect(appUpdateYml).toContain('provider: generic');
    expect(appUpdateYml).toContain('url: https://usine.ampmetropole.fr/updates/');
    expect(files).toContain('/dist/renderer/assets/index-abc.js');
    expect(files).not.toContain('/dist/renderer/assets/index-abc.js.map');
  });
});
