/**
 * Test support: a real PostgreSQL for the tests of the cluster mode, never a mock.
 *
 * Each call starts a throwaway cluster with PostgreSQL's own binaries (PG_BIN, else the newest
 * /usr/lib/postgresql/<version>/bin, else `pg_ctl` on the PATH) in a temporary folder,
 * listening on 127.0.0.1 only, on a free port, trust authentication, fsync on, and creates a
 * database there; `stop` stops it and deletes the folder. As root, PostgreSQL runs as the user
 * `postgres` (it refuses root). The cluster runs with `synchronous_commit=off` and a lazy WAL
 * writer on purpose: a store that did not force durable commits itself would lose acknowledged
 * writes to `crash()`.
 *
 * Without the binaries, `postgresAvailability()` gives the reason (the tests are skipped with
 * it printed); under CI=true it throws instead: the PostgreSQL tests must run in CI.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../app/serverProcess';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** `postgres://…` of a database created for the caller. */
  url: string;
  /** Kills PostgreSQL without a checkpoint (`pg_ctl stop -m immediate`), then restarts it. */
  crash(): Promise<void>;
  /** Stops PostgreSQL (fast shutdown: its connections are closed) until `resume`. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Folder of initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function postgresBinDir(): string | null {
  // PG_BIN, when set, is the only place looked at (an absent initdb there: not installed).
  if (process.env.PG_BIN) {
    return fs.existsSync(path.join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin');
  try {
    const pgCtl = execFileSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).trim();
    return pgCtl ? path.dirname(fs.realpathSync(pgCtl)) : null;
  } catch {
    return null;
  }
}

/**
 * Whether the PostgreSQL tests can run here. Under CI=true an absent PostgreSQL throws: the
 * test file fails, loudly, instead of skipping.
 */
export function postgresAvailability(): { available: true } | { available: false; reason: string } {
  if (postgresBinDir()) return { available: true };
  const reason = 'PostgreSQL absent (initdb introuvable dans PG_BIN, /usr/lib/postgresql/*/bin ou le PATH)';
  if (process.env.CI === 'true') throw new Error(`${reason} : en CI, les tests PostgreSQL doivent tourner.`);
  console.warn(
    `Tests PostgreSQL ignorés ici : ${reason}. Installez le paquet « postgresql » pour les lancer.`,
  );
  return { available: false, reason };
}

/** Creates the tests' database on the cluster at `serverUrl`; its URL. */
async function createDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE usine_test');
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = '/usine_test';
  return url.toString();
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function runPg(binDir: string, tool: string, args: string[], asPostgres: boolean) {
  const file = path.join(binDir, tool);
  const [command, commandArgs] = asPostgres
    ? ['runuser', ['-u', 'postgres', '--', file, ...args]]
    : [file, args];
  return run(command, commandArgs as string[], { timeout: 120_000 });
}

/** Starts a throwaway cluster with one database, `usine_test`. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL absent : initdb introuvable.');
  const asPostgres = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usine-pg-'));
  if (asPostgres) execFileSync('chown', ['postgres:', dir]);
  const data = path.join(dir, 'data');
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await runPg(
      binDir,
      'initdb',
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'],
      asPostgres,
    );
  } catch (error) {
    removeDir();
    throw error;
  }
  const port = await freePort();
  const serverOptions = [
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50 -c fsync=on`,
    '-c synchronous_commit=off -c wal_writer_delay=10000ms',
  ].join(' ');
  const pgCtl = (...args: string[]) => runPg(binDir, 'pg_ctl', ['-D', data, ...args], asPostgres);
  const start = () => pgCtl('-o', serverOptions, '-l', path.join(dir, 'log'), '-w', 'start');
  const stop = async () => {
    await pgCtl('-m', 'fast', '-w', 'stop').catch(() => {});
    removeDir();
  };
  try {
    await start();
    const url = await createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`);
    const crash = async () => {
      await pgCtl('-m', 'immediate', '-w', 'stop');
      await start();
    };
    const halt = async () => {
      await pgCtl('-m', 'fast', '-w', 'stop');
    };
    return { url, crash, halt, resume: async () => void (await start()), stop };
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
    await stop();
    throw new Error(`PostgreSQL jetable : démarrage impossible (${(error as Error).message})\n${log}`);
  }
}

/** Empties these tables of the database at `url` (a store's contract starts from nothing). */
export async function truncateTables(url: string, tables: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${tables.map((t) => `"${t.replace(/"/g, '')}"`).join(', ')}`);
  } finally {
    await client.end();
  }
}
