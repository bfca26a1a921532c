/**
 * Backups in cluster mode with PostgreSQL's own tools: `pg_dump --format=custom` (a consistent
 * snapshot while the nodes keep writing) and `pg_restore` into an emptied database. The
 * connection comes from DATABASE_URL through libpq's environment (PGHOST, PGUSER, PGPASSWORD…):
 * never on the command line, where any user of the machine could read a password (`ps`).
 * The tools are looked up in PG_BIN when set, else on the PATH (Debian's wrappers pick the
 * newest installed version, which must not be older than the server's).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** libpq's variables for a `postgres://user:password@host:port/database` address. */
export function libpqEnvironment(databaseUrl: string): Record<string, string> {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = {};
  if (url.hostname) env.PGHOST = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function tool(name: 'pg_dump' | 'pg_restore', pgBin = process.env.PG_BIN): string {
  return pgBin ? path.join(pgBin, name) : name;
}

async function runTool(
  name: 'pg_dump' | 'pg_restore',
  args: string[],
  databaseUrl: string,
  pgBin?: string,
): Promise<void> {
  try {
    await run(tool(name, pgBin), args, {
      env: { ...process.env, ...libpqEnvironment(databaseUrl) },
      timeout: 30 * 60_000,
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string | number };
    const detail =
      code === 'ENOENT' ? `${name} introuvable (installez postgresql-client ou réglez PG_BIN)` : stderr;
    throw new Error(`${name} a échoué : ${String(detail ?? (error as Error).message).trim()}`);
  }
}

/** Dumps the whole database into `file` (custom format: compressed, restorable table by table). */
export function pgDumpTo(databaseUrl: string, file: string, pgBin?: string): Promise<void> {
  return runTool(
    'pg_dump',
    ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`],
    databaseUrl,
    pgBin,
  );
}

/**
 * Restores a dump into the database, replacing the objects it holds, in one transaction: a
 * failure halfway leaves the database as it was. Every node must be stopped first.
 */
export function pgRestoreFrom(databaseUrl: string, file: string, pgBin?: string): Promise<void> {
  return runTool(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${libpqEnvironment(databaseUrl).PGDATABASE ?? 'postgres'}`,
      file,
    ],
    databaseUrl,
    pgBin,
  );
}
