/**
 * `npm run build:server`: bundles the server's own code (app/main.ts, app/admin.ts and all they
 * import from sync-server/ and site/) into plain JavaScript, dist/server/main.mjs and
 * dist/server/admin.mjs, run by `node` in production (no TypeScript loader at start or in the
 * hot path). npm packages stay external (better-sqlite3, sharp, ws, yjs…): Node loads them from
 * node_modules as it does for the sources — but Lexical's, bundled from their production builds.
 *
 * `--if-stale` (used by `npm run server` and `npm run admin`) builds only when an output is
 * missing or older than one of its inputs (the file list esbuild reports, kept beside the
 * outputs), package.json or this script. Plain JavaScript so that `node` runs it before anything
 * is compiled; its messages go to stderr (admin's stdout stays machine-readable).
 *
 * dist/server/ is two folders below the repository root, as sync-server/app/ is: the paths the
 * server computes from its own location (`../..` → dist/renderer, assets/) stay right once
 * bundled. server.test.ts starts a build laid out that way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const ENTRIES = ['main', 'admin'];
const META = 'build-meta.json';

/** The files a build depends on besides its inputs. */
function buildConfigFiles(sourceRoot) {
  const files = [path.join(sourceRoot, 'package.json'), fileURLToPath(import.meta.url)];
  // The npm packages bundled (Lexical's) change with the lock file, not with node_modules' times:
  // a reinstall (`npm ci --omit=dev`, without esbuild) must not ask for a rebuild.
  const lock = path.join(sourceRoot, 'package-lock.json');
  return fs.existsSync(lock) ? [...files, lock] : files;
}

/** An input of ours: npm packages' files are followed through the lock file instead. */
const ownInput = (input) => !input.split(/[\\/]/).includes('node_modules');

/** A chunk of a build (splitting): its name ends with a hash of its content. */
const CHUNK = /-[A-Z0-9]{8}\.mjs(\.map)?$/;

/** The build's meta file (inputs, chunks), or null when absent or unreadable. */
function readMeta(outDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, META), 'utf8'));
  } catch {
    return null;
  }
}

/** Why the build in outDir is stale, or null when it is up to date. */
export function staleReason(outDir, sourceRoot = REPO_ROOT) {
  let builtAt = Infinity;
  for (const name of [...ENTRIES.map((e) => `${e}.mjs`), META]) {
    const file = path.join(outDir, name);
    if (!fs.existsSync(file)) return `${path.relative(sourceRoot, file)} absent`;
    builtAt = Math.min(builtAt, fs.statSync(file).mtimeMs);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(outDir, META), 'utf8'));
  const inputs = [
    ...meta.inputs.filter(ownInput).map((input) => path.resolve(sourceRoot, input)),
    ...buildConfigFiles(sourceRoot),
  ];
  for (const input of inputs) {
    if (!fs.existsSync(input)) return `${path.relative(sourceRoot, input)} removed`;
    if (fs.statSync(input).mtimeMs > builtAt) return `${path.relative(sourceRoot, input)} changed`;
  }
  return null;
}

/** `lexical`, `@lexical/x` and their subpaths (`@lexical/extension/signals`): package, subpath. */
const LEXICAL = /^(lexical|@lexical\/[^/]+)(\/.*)?$/;

/** The folder of npm package `name` as Node would find it from `fromDir` (nearest node_modules). */
function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${name} introuvable depuis ${fromDir}`);
  }
}

/**
 * Lexical's packages bundled from their production builds. Their ES module entries import both
 * the development and the production build and pick one at run time from NODE_ENV: external,
 * every server kept the development sources (1 MB for lexical alone, 2 MiB of heap as a string,
 * 5.8 MiB with its packages) for nothing. Bundled, the one copy every Lexical package imports is
 * the production one, whatever NODE_ENV says (a development server's Lexical errors are then the
 * minified ones). What Lexical's files import besides Lexical (`@preact/signals-core`, `yjs`)
 * stays external and resolves from the repository's node_modules, where npm hoists it: the
 * build test starts the built server and publishes a site.
 */
const lexicalProduction = {
  name: 'lexical-production',
  setup(build) {
    build.onResolve({ filter: LEXICAL }, (args) => {
      const [, name, subpath = ''] = LEXICAL.exec(args.path);
      const dir = packageDir(name, args.resolveDir);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const entry = manifest.exports?.[`.${subpath}`]?.production;
      if (typeof entry !== 'string') throw new Error(`${args.path} : pas de build « production »`);
      return { path: path.join(dir, entry) };
    });
  },
};

/**
 * The esbuild options of the server's build (the bench builds its server child with the same, so
 * that it measures what production runs).
 */
export function serverBuildOptions(sourceRoot = REPO_ROOT) {
  return {
    absWorkingDir: sourceRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Every npm package stays external but Lexical's (lexicalProduction).
    packages: 'external',
    plugins: [lexicalProduction],
    sourcemap: 'linked',
    // .mjs: an ES module wherever the folder is, whatever package.json says.
    outExtension: { '.js': '.mjs' },
    // What a dynamic import() brings (PostgreSQL, Redis: the cluster mode) is a chunk of its
    // own, loaded with its npm packages only when used: the embedded default never loads pg,
    // kysely or ioredis.
    // Chunks sit beside the entries: code that finds files from its own location (`../..`)
    // must be at the same depth wherever the bundler puts it.
    splitting: true,
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  };
}

/** Bundles the entries into outDir, each file written whole then renamed (no half-written build). */
export async function buildServer({
  sourceRoot = REPO_ROOT,
  outDir = path.join(REPO_ROOT, 'dist', 'server'),
} = {}) {
  const { build } = await import('esbuild');
  const result = await build({
    ...serverBuildOptions(sourceRoot),
    entryPoints: Object.fromEntries(
      ENTRIES.map((e) => [e, path.join(sourceRoot, 'sync-server', 'app', `${e}.ts`)]),
    ),
    metafile: true,
    write: false,
    outdir: outDir,
  });
  fs.mkdirSync(outDir, { recursive: true });
  const previousChunks = readMeta(outDir)?.chunks ?? [];
  const chunks = result.outputFiles.map((f) => path.basename(f.path)).filter((name) => CHUNK.test(name));
  const meta = { inputs: Object.keys(result.metafile.inputs).sort(), chunks };
  const files = [
    ...result.outputFiles.map((f) => ({ path: f.path, contents: f.contents })),
    { path: path.join(outDir, META), contents: `${JSON.stringify(meta, null, 1)}\n` },
  ];
  for (const file of files) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, file.contents);
    fs.renameSync(temporary, file.path);
  }
  // Chunks older than the previous build go (their names end with a hash of their content);
  // the previous build's stay, for a server still running it to load them lazily.
  const keep = new Set([...chunks, ...previousChunks]);
  for (const name of fs.readdirSync(outDir)) {
    if (CHUNK.test(name) && !keep.has(name)) fs.rmSync(path.join(outDir, name), { force: true });
  }
  return { outDir, inputs: meta.inputs.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.join(REPO_ROOT, 'dist', 'server');
  const reason = process.argv.includes('--if-stale') ? staleReason(outDir) : 'requested';
  if (reason !== null) {
    const started = performance.now();
    const built = await buildServer({ outDir });
    const ms = Math.round(performance.now() - started);
    console.error(
      `Serveur compilé dans ${path.relative(REPO_ROOT, built.outDir)}/ (${built.inputs} fichiers, ${ms} ms ; ${reason}).`,
    );
  }
}
