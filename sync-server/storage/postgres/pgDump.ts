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

/**
 * libpq's environment variable for each connection parameter a DATABASE_URL's query may
 * carry (PostgreSQL's documentation, « Environment Variables »): given to pg_dump as is, so
 * the backup connects exactly as the nodes do (a certificate, a timeout, a Unix socket…).
 */
const LIBPQ_PARAMETERS: Record<string, string> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  port: 'PGPORT',
  dbname: 'PGDATABASE',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  passfile: 'PGPASSFILE',
  service: 'PGSERVICE',
  options: 'PGOPTIONS',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  client_encoding: 'PGCLIENTENCODING',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  load_balance_hosts: 'PGLOADBALANCEHOSTS',
  channel_binding: 'PGCHANNELBINDING',
  sslmode: 'PGSSLMODE',
  sslcompression: 'PGSSLCOMPRESSION',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT',
  sslcrl: 'PGSSLCRL',
  sslcrldir: 'PGSSLCRLDIR',
  sslsni: 'PGSSLSNI',
  requirepeer: 'PGREQUIREPEER',
  ssl_min_protocol_version: 'PGSSLMINPROTOCOLVERSION',
  ssl_max_protocol_version: 'PGSSLMAXPROTOCOLVERSION',
  gssencmode: 'PGGSSENCMODE',
  krbsrvname: 'PGKRBSRVNAME',
  gsslib: 'PGGSSLIB',
};

/**
 * libpq's variables for a `postgres://user:password@host:port/database?param=value` address.
 * A parameter libpq does not know is refused (the backup would connect otherwise than the
 * nodes), except node-postgres's `ssl=true|false`, which is `sslmode` require|disable.
 */
export function libpqEnvironment(databaseUrl: string): Record<string, string> {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = {};
  if (url.hostname) env.PGHOST = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  for (const [name, value] of url.searchParams) {
    const variable = LIBPQ_PARAMETERS[name];
    if (variable) env[variable] = value;
    else if (name === 'ssl' && ['true', '1', 'false', '0'].includes(value))
      env.PGSSLMODE ??= value === 'true' || value === '1' ? 'require' : 'disable';
    else
      throw new Error(
        `Paramètre « ${name} » de DATABASE_URL inconnu de pg_dump : la sauvegarde ne se connecterait pas comme les nœuds.`,
      );
  }
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
