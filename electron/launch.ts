/**
 * `npm start` launcher (run by tsx after the editor build): starts the sync server as a child
 * process, then opens the desktop app — or, when the Electron binary is absent, says where the
 * editor is served in a browser and keeps the server running. Entry point: it reads PORT and
 * passes the environment on; it imports nothing from sync-server/ (the server is a child process).
 * Ctrl-C / SIGTERM are forwarded to the children; the launcher exits when the server does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron } from './build';
import { binaryMissingMessage, resolveElectronBinary } from './electronBinary';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '8080';
const localServerUrl = `http://localhost:${port}`;
const isWindows = process.platform === 'win32';

const children = new Set<ChildProcess>();
let stopping = false;

/**
 * On POSIX each child leads its own process group, so a signal reaches the whole tree. Going
 * through `npx` or `npm run` instead would put npm and a shell in between, and they drop SIGTERM
 * on the floor, orphaning the server.
 */
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (isWindows) child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function stopAll(signal: NodeJS.Signals): void {
  for (const child of children) signalChild(child, signal);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C while children are shutting down forces them.
    stopAll(stopping ? 'SIGKILL' : signal);
    stopping = true;
  });
}

// `npm run server`, minus npm: the compiled server (`npm start` builds it first, see
// package.json) run by this very Node, no shell, no npm. PORT and DATA_DIR reach the server
// through the inherited environment.
const server = track(
  spawn(process.execPath, [path.join('dist', 'server', 'main.mjs')], {
    cwd: repoRoot,
    env: process.env,
    stdio: 'inherit',
    detached: !isWindows,
  }),
);
server.once('exit', (code, signal) => {
  stopAll('SIGTERM');
  process.exitCode = code ?? (signal === null ? 0 : 1);
});

async function waitForServer(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.exitCode === null && server.signalCode === null) {
    try {
      await fetch(localServerUrl, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return false;
}

function electronPackageDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

await waitForServer(30_000);
if (server.exitCode === null && server.signalCode === null && !stopping) {
  const binary = resolveElectronBinary({
    electronPackageDir: electronPackageDir(),
    overrideDistPath: process.env.ELECTRON_OVERRIDE_DIST_PATH,
    exists: existsSync,
    readText: (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null),
  });
  if (binary === null) {
    console.log(binaryMissingMessage(`${localServerUrl}/app/`));
  } else {
    const { mainPath } = await buildElectron(repoRoot);
    const electron = track(
      spawn(binary, [mainPath], {
        cwd: repoRoot,
        // The local server is the default; a USINE_SERVER_URL already set by the user wins.
        env: { USINE_SERVER_URL: localServerUrl, ...process.env },
        stdio: 'inherit',
        detached: !isWindows,
      }),
    );
    // Closing the app ends the session: stop the server too.
    electron.once('exit', () => {
      stopping = true;
      signalChild(server, 'SIGTERM');
    });
  }
}
