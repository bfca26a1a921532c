/**
 * Checks of the packaged app that hold without the Electron binary:
 * - the configuration passes electron-builder's own schema (`validateConfiguration`);
 * - the fuses it sets are the ones the security checklist requires;
 * - electron-builder itself, run on a stand-in Electron folder (`electronDist`, fuses off since
 *   there is no real binary to flip), packs an app.asar holding the main and preload bundles, the
 *   editor build and package.json — no source map, no `node_modules`, no source file.
 * Run by `npm run dist:check` and by packageCheck.test.ts. With the real binary, `npm run dist`
 * does the real packaging; the fuses of the produced executable are read with
 * `npx @electron/fuses read --app <executable>` (README).
 */
import { listPackage } from '@electron/asar';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { build, Platform, type Configuration } from 'electron-builder';
import yaml from 'js-yaml';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const BUILDER_CONFIG = 'electron/electron-builder.yml';

/** The fuses of the security checklist (README), as electron-builder's `electronFuses`. */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;

/** Files the asar must hold (asar paths). */
export const REQUIRED_FILES = [
  '/package.json',
  '/dist/electron/main.mjs',
  '/dist/electron/preload.cjs',
  '/dist/renderer/index.html',
] as const;

export async function loadBuilderConfig(projectDir: string): Promise<Configuration> {
  return yaml.load(await readFile(path.join(projectDir, BUILDER_CONFIG), 'utf8')) as Configuration;
}

/** Throws electron-builder's own error when the configuration does not match its schema. */
export async function validateBuilderConfig(config: Configuration): Promise<void> {
  await validateConfiguration(config, new DebugLogger(false));
}

/** Fuses missing or set otherwise than REQUIRED_FUSES. */
export function fuseProblems(config: Configuration): string[] {
  const fuses = (config.electronFuses ?? {}) as Record<string, unknown>;
  return Object.entries(REQUIRED_FUSES)
    .filter(([name, value]) => fuses[name] !== value)
    .map(([name, value]) => `fuse ${name} : ${String(fuses[name])} au lieu de ${String(value)}`);
}

/** What is wrong with the list of files of a packaged app.asar. */
export function packagedFileProblems(files: readonly string[]): string[] {
  const normalized = files.map((file) => file.replaceAll('\\', '/'));
  const present = new Set(normalized);
  const problems = REQUIRED_FILES.filter((file) => !present.has(file)).map((file) => `absent : ${file}`);
  for (const file of normalized) {
    if (file.endsWith('.map')) problems.push(`source map livrée : ${file}`);
    else if (/(^|\/)node_modules(\/|$)/.test(file)) problems.push(`node_modules livré : ${file}`);
    else if (/\.(ts|tsx)$/.test(file) || file.startsWith('/electron/') || file.startsWith('/renderer/'))
      problems.push(`fichier source livré : ${file}`);
    else if (!file.startsWith('/dist/') && file !== '/dist' && file !== '/package.json')
      problems.push(`fichier inattendu : ${file}`);
  }
  return problems;
}

/**
 * Runs electron-builder on `projectDir` for a Linux `dir` target with a stand-in Electron folder,
 * and returns the files of the app.asar it wrote. Everything but the Electron binary is real:
 * the `files` patterns, asar packing, extraMetadata.
 */
export async function dryRunPackage(input: {
  projectDir: string;
  outDir: string;
  config: Configuration;
  /** Stands for USINE_PACKAGED_SERVER_URL, which the real `npm run dist` requires. */
  serverUrl: string;
}): Promise<{ files: string[]; appUpdateYml: string }> {
  const standIn = path.join(input.outDir, 'electron-stand-in');
  await mkdir(standIn, { recursive: true });
  await writeFile(path.join(standIn, 'electron'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const electronVersion = JSON.parse(await readFile(path.join(input.projectDir, 'package.json'), 'utf8'))
    .devDependencies?.electron as string | undefined;
  await build({
    projectDir: input.projectDir,
    targets: Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: {
      ...input.config,
      electronFuses: null,
      publish: [{ provider: 'generic', url: `${input.serverUrl}/updates/` }],
      electronDist: standIn,
      electronVersion: electronVersion ?? '45.4.1',
      directories: { ...input.config.directories, output: path.join(input.outDir, 'packages') },
    },
  });
  const resources = path.join(input.outDir, 'packages', 'linux-unpacked', 'resources');
  return {
    files: listPackage(path.join(resources, 'app.asar'), { isPack: false }),
    appUpdateYml: await readFile(path.join(resources, 'app-update.yml'), 'utf8'),
  };
}
