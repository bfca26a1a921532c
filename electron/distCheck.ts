/**
 * `npm run dist:check`: what can be checked of the installers without the Electron binary, on
 * the real build (`npm run build` and electron/build.ts first): electron-builder's schema, the
 * fuses, and the files electron-builder packs into app.asar (stand-in Electron folder).
 * Exit code 0 when all is well, 1 otherwise, with one French line per problem.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron } from './build';
import {
  dryRunPackage,
  fuseProblems,
  loadBuilderConfig,
  packagedFileProblems,
  validateBuilderConfig,
} from './packageCheck';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = await loadBuilderConfig(repoRoot);
await validateBuilderConfig(config);
await buildElectron(repoRoot);
const outDir = await mkdtemp(path.join(os.tmpdir(), 'usine-dist-check-'));
try {
  const { files } = await dryRunPackage({
    projectDir: repoRoot,
    outDir,
    config,
    serverUrl: process.env.USINE_PACKAGED_SERVER_URL ?? 'https://serveur.invalid',
  });
  const problems = [...fuseProblems(config), ...packagedFileProblems(files)];
  for (const problem of problems) console.error(`Problème : ${problem}`);
  console.log(
    problems.length === 0
      ? `Paquet vérifié : ${files.length} entrées dans app.asar, configuration et fuses conformes.`
      : `${problems.length} problème(s) dans le paquet.`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await rm(outDir, { recursive: true, force: true });
}
