// `npm run server` as a newcomer runs it: package.json's script as written (the compiled server,
// built first when stale) in a child process, PORT and DATA_DIR from the environment, the demo
// account printed once, a clean stop on SIGTERM.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from './testHarness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scripts = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;
/** `npm run server`'s commands, each `node …` run by this Node (npm's shell would not pass SIGTERM on). */
const [buildStep, serverStep] = scripts.server!.split(' && ').map((command) => {
  const [program, ...args] = command.split(' ');
  if (program !== 'node') throw new Error(`npm run server: unexpected command « ${command} »`);
  return args.map((arg) => (arg.startsWith('-') ? arg : path.resolve(repoRoot, arg)));
});
const mainArgs = serverStep!;

beforeAll(() => {
  execFileSync(process.execPath, buildStep!, {
    cwd: repoRoot,
    stdio: 'inherit',
    timeout: 60_000,
  });
}, 60_000);

interface Started {
  child: ChildProcess;
  output: () => string;
  editorUrl: string;
}

function startMain(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, mainArgs, {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Éditeur : (http:\/\/localhost:\d+\/app\/)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => output, editorUrl: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('npm run server (sync-server/app/main.ts)', () => {
  const dirs: Array<{ remove: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const dir of dirs) await dir.remove();
  });

  it('starts on the embedded default, prints the demo account once, answers, and stops cleanly', async () => {
    const data = await tempDataDir();
    dirs.push(data);

    const first = await startMain(data.dir);
    const demo = /Compte de démonstration \(référent d’Aurons, commune 13008\) : (\S+) \/ (\S+)/.exec(
      first.output(),
    );
    expect(demo).not.toBeNull();
    const origin = new URL(first.editorUrl).origin;
    const login = await fetch(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demo![1], password: demo![2] }),
    });
    expect(login.status).toBe(200);
    const { agent } = (await login.json()) as { agent: { communes: Array<{ insee: string; role: string }> } };
    expect(agent.communes).toEqual([expect.objectContaining({ insee: '13008', role: 'referent' })]);
    expect(await stop(first.child)).toBe(0);

    // Same DATA_DIR: the account is kept and its password is never printed again.
    const second = await startMain(data.dir);
    expect(second.output()).not.toContain('Compte de démonstration');
    expect(second.output()).not.toContain(demo![2]);
    expect(await stop(second.child)).toBe(0);
  });

  it('[ORIGIN-4] refuses to start in production without PUBLIC_URL, or with a bad one, saying why in French', async () => {
    const data = await tempDataDir();
    dirs.push(data);
    const run = (extra: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, mainArgs, {
          env: {
            ...process.env,
            PORT: '0',
            DATA_DIR: data.dir,
            HOST: '127.0.0.1',
            PUBLIC_URL: '',
            ...extra,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, output });
        });
      });
    const missing = await run({ NODE_ENV: 'production' });
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('PUBLIC_URL est obligatoire en production');
    const bad = await run({ NODE_ENV: 'production', PUBLIC_URL: 'https://sites.example.fr/chemin' });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('PUBLIC_URL invalide');
  }, 90_000);
});
