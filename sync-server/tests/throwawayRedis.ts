/**
 * A throwaway Redis for the cluster-mode tests: `redis-server` on a free loopback port, nothing
 * written to disk (`--save '' --appendonly no`), stopped (and restarted on the same port, to
 * test a Redis outage) by the test. Without `redis-server`, `redisAvailability()` gives the
 * reason (the tests are skipped with it printed); under CI=true it throws instead: the Redis
 * tests must run in CI (.ci/run installs the package).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../app/serverProcess';

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, waited for); its pub/sub subscriptions are gone. */
  halt(): Promise<void>;
  /** Starts it again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** `redis-server`: REDIS_SERVER if set (a path), else the one on the PATH. */
function redisServerPath(): string | null {
  const chosen = process.env.REDIS_SERVER;
  if (chosen) return fs.existsSync(chosen) ? chosen : null;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function redisAvailability(): { available: true } | { available: false; reason: string } {
  if (redisServerPath()) return { available: true };
  const reason = 'Redis absent (redis-server introuvable dans le PATH)';
  if (process.env.CI === 'true') throw new Error(`${reason} : en CI, les tests Redis doivent tourner.`);
  console.warn(`Tests Redis ignorés ici : ${reason}. Installez le paquet « redis-server » pour les lancer.`);
  return { available: false, reason };
}

/** Resolves once something answers PING on the port with PONG. */
async function waitPong(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setTimeout(500);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        // -NOAUTH: a server with a password, up all the same.
        resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Redis jetable : pas de réponse sur le port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `port`: a given one (e.g. where a node already tries to connect); default a free one.
 * `password`: the server requires it (`requirepass`).
 */
export async function startThrowawayRedis(
  port?: number,
  options: { password?: string } = {},
): Promise<ThrowawayRedis> {
  const binary = redisServerPath();
  if (!binary) throw new Error('Redis absent : redis-server introuvable.');
  port ??= await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
        ...(options.password ? ['--requirepass', options.password] : []),
      ],
      { stdio: 'ignore' },
    );
    child = started;
    await waitPong(port);
  };
  const halt = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, halt, resume: start, stop: halt };
}
