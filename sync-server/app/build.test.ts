// The compiled server (`npm run build:server`, app/build.mjs) as production runs it: plain
// JavaScript under `node`, no TypeScript loader. Built into a temporary folder laid out like the
// repository (dist/server/ two folders below the root, node_modules and assets/ beside), with an
// editor bundle of its own, so that a path resolved from the wrong place fails here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse, PublishResponse } from '../../site/apiContract';
import { buildServer, REPO_ROOT, staleReason } from './build.mjs';
import { tempDataDir } from './testHarness';

const EDITOR_MARKER = '<!doctype html><title>Éditeur compilé</title><p>marqueur-build-test</p>';

let root: { dir: string; remove: () => Promise<void> };
let data: { dir: string; remove: () => Promise<void> };
let outDir: string;
let server: ChildProcess | null = null;

beforeAll(async () => {
  root = await tempDataDir();
  data = await tempDataDir();
  outDir = path.join(root.dir, 'dist', 'server');
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root.dir, 'node_modules'), 'dir');
  fs.symlinkSync(path.join(REPO_ROOT, 'assets'), path.join(root.dir, 'assets'), 'dir');
  fs.mkdirSync(path.join(root.dir, 'dist', 'renderer'), { recursive: true });
  fs.writeFileSync(path.join(root.dir, 'dist', 'renderer', 'index.html'), EDITOR_MARKER);
  await buildServer({ outDir });
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await root?.remove();
  await data?.remove();
});

/** Starts `node dist/server/main.mjs` and resolves with its origin once the banner is printed. */
function startBuilt(): Promise<{ origin: string; output: () => string; demo: [string, string] }> {
  const child = spawn(process.execPath, [path.join(outDir, 'main.mjs')], {
    // Not the repository: nothing may be found relative to the working directory.
    cwd: data.dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(data.dir, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`built server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const editor = /Éditeur : (http:\/\/localhost:\d+)\/app\//.exec(output);
      const demo = /Compte de démonstration .* : (\S+) \/ (\S+)/.exec(output);
      if (editor && demo) {
        clearTimeout(timer);
        resolve({ origin: editor[1]!, output: () => output, demo: [demo[1]!, demo[2]!] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`built server exited with ${code}:\n${output}`)));
  });
}

describe('the compiled server (npm run build:server)', () => {
  it('runs under plain node: /healthz, the editor at /app/, the demo commune published, a clean stop', async () => {
    const bundle = fs.readFileSync(path.join(outDir, 'main.mjs'), 'utf8');
    expect(bundle).not.toMatch(/from ["']tsx/);
    const { origin, demo } = await startBuilt();

    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const editor = await fetch(`${origin}/app/`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toBe(EDITOR_MARKER);

    const login = await fetch(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demo[0], password: demo[1] }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as LoginResponse;
    const published = await fetch(`${origin}/api/communes/13008/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const body = (await published.json()) as PublishResponse;
    expect(published.status, JSON.stringify(body)).toBe(200);
    const home = await fetch(`${origin}/sites/aurons/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Aurons');
    // The theme is read from assets/ beside dist/: the published stylesheet starts with that file.
    const stylesheet = /<link rel="stylesheet" href="\.\/(theme\.[0-9a-f]{8}\.css)">/.exec(html)?.[1];
    const css = await fetch(`${origin}/sites/aurons/${stylesheet}`);
    expect(css.status).toBe(200);
    const theme = fs.readFileSync(path.join(REPO_ROOT, 'assets', 'site.css'), 'utf8');
    expect((await css.text()).startsWith(theme.trimEnd())).toBe(true);

    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000); // generous: a start and a publication on a loaded machine; only guards against a hang

  it("bundles Lexical's production builds only: no Lexical package left for Node to load (its entries would load the development build too)", () => {
    const outputs = fs.readdirSync(outDir).filter((name) => name.endsWith('.mjs'));
    for (const name of outputs) {
      expect(fs.readFileSync(path.join(outDir, name), 'utf8'), name).not.toMatch(
        /(?:from|import)\s*\(?\s*["'](?:lexical|@lexical\/)/,
      );
    }
    const inputs = (
      JSON.parse(fs.readFileSync(path.join(outDir, 'build-meta.json'), 'utf8')) as { inputs: string[] }
    ).inputs;
    const lexical = inputs.filter((input) => /node_modules\/(?:lexical|@lexical)\//.test(input));
    expect(lexical).toContain('node_modules/lexical/dist/Lexical.prod.js');
    expect(lexical.filter((input) => !input.endsWith('.prod.js'))).toEqual([]);
  });

  it('the admin CLI runs under plain node on the same data', () => {
    const listed = spawnSync(
      process.execPath,
      [path.join(outDir, 'admin.mjs'), 'list-agents', '--commune', '13008'],
      {
        cwd: data.dir,
        env: { ...process.env, DATA_DIR: path.join(data.dir, 'data') },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('referent@13008.demo');
    const usage = spawnSync(process.execPath, [path.join(outDir, 'admin.mjs'), 'no-such-command'], {
      cwd: data.dir,
      env: { ...process.env, DATA_DIR: path.join(data.dir, 'data') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Utilisation : npm run admin');
  }, 90_000);

  it('--if-stale rebuilds when an output is missing or older than an input, not otherwise', () => {
    expect(staleReason(outDir)).toBeNull();
    const old = new Date('2001-01-01T00:00:00Z');
    for (const name of ['main.mjs', 'admin.mjs', 'build-meta.json'])
      fs.utimesSync(path.join(outDir, name), old, old);
    expect(staleReason(outDir)).toMatch(/changed$/);
    fs.rmSync(path.join(outDir, 'admin.mjs'));
    expect(staleReason(outDir)).toBe(`${path.relative(REPO_ROOT, path.join(outDir, 'admin.mjs'))} absent`);
  });
});
