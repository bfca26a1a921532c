/**
 * Bundles the main process (ESM, dist/electron/main.mjs) and the sandboxed preload (CommonJS,
 * dist/electron/preload.cjs — a sandboxed preload cannot load ES modules or our other files).
 * Run directly (`npx tsx electron/build.ts`) or imported by launch.ts.
 */
import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_TARGET = 'node22'; // Electron 45 embeds Node 22

export async function buildElectron(repoRoot: string): Promise<{ mainPath: string; preloadPath: string }> {
  const outDir = path.join(repoRoot, 'dist', 'electron');
  const mainPath = path.join(outDir, 'main.mjs');
  const preloadPath = path.join(outDir, 'preload.cjs');
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: ELECTRON_TARGET,
    external: ['electron'],
    // The installed build talks to the Métropole's server only (serverAddress.ts).
    define: { __USINE_PACKAGED_SERVER_URL__: JSON.stringify(process.env.USINE_PACKAGED_SERVER_URL ?? '') },
    sourcemap: true,
    logLevel: 'warning',
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(repoRoot, 'electron', 'main.ts')],
      format: 'esm',
      outfile: mainPath,
      // electron-updater is CommonJS and requires Node built-ins and electron: give it `require`.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    }),
    build({
      ...common,
      entryPoints: [path.join(repoRoot, 'electron', 'preload.ts')],
      format: 'cjs',
      outfile: preloadPath,
    }),
  ]);
  return { mainPath, preloadPath };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { mainPath, preloadPath } = await buildElectron(repoRoot);
  console.log(`electron: ${path.relative(repoRoot, mainPath)}, ${path.relative(repoRoot, preloadPath)}`);
}
