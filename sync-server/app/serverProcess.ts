// Test helper: the real server (`sync-server/app/main.ts`, as operators run it) in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  /** The server, or the parent that reaps it late (`reapAfterS`). */
  process: ChildProcess;
  output: () => string;
  exited: Promise<void>;
  /** SIGKILLs the server itself. */
  kill: () => void;
}

export interface ServerProcessOptions {
  /**
   * Runs the server under a parent that reaps it only this many seconds after its death (as a
   * container's PID 1 that does not reap): killed, its pid still answers meanwhile.
   */
  reapAfterS?: number;
  /** More environment for the server (e.g. DATABASE_URL). */
  env?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function startServerProcess(
  dataDir: string,
  port: number,
  options: ServerProcessOptions = {},
): ServerProcess {
  // One process (tsx as a loader, not its CLI, which would leave the server orphaned on SIGKILL).
  const command = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'sync-server', 'app', 'main.ts')];
  const late = options.reapAfterS;
  // `sh` starts the server, prints its pid, then becomes `sleep`, which never reaps it.
  const [file, ...args] =
    late === undefined
      ? command
      : ['sh', '-c', `"$@" & echo "server-pid $!"; exec sleep ${late}`, 'sh', ...command];
  const child = spawn(file!, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env, PORT: String(port), DATA_DIR: dataDir, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (late === undefined) {
      child.kill('SIGKILL');
      return;
    }
    // While its parent lives, the pid is still the server's (alive or a zombie), never reused.
    const pid = Number(/server-pid (\d+)/.exec(output)?.[1]);
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { process: child, output: () => output, exited, kill };
}

/** Resolves once /healthz answers 200; rejects with the output if the server exits first. */
export async function waitHealthy(port: number, server: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.process.exitCode !== null || server.output().includes("Le serveur n'a pas pu démarrer")) {
      throw new Error(`server exited:\n${server.output()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not become healthy:\n${server.output()}`);
}

/** SIGKILLs the server if it still runs and waits for its end. */
export async function killNow(server: ServerProcess): Promise<void> {
  server.kill();
  if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
  await server.exited;
}
