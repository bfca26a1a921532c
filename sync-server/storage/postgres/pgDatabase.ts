/**
 * The PostgreSQL connection of the cluster mode (`DATABASE_URL=postgres://…`): a bounded pool
 * of `pg` connections behind Kysely, every session with `synchronous_commit = on` (a commit
 * returns once PostgreSQL has made it durable, whatever postgresql.conf says), and the
 * versioned schema applied at open (pgMigrations.ts).
 */
import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import pg from 'pg';
import { INVALID_DATABASE_URL, isPostgresUrl } from './databaseUrl';
import { migratePostgres, type PgMigrationResult } from './pgMigrations';

/** The tables the PostgreSQL stores use (Kysely's typing of the schema in pgMigrations.ts). */
export interface PgSchema {
  doc_rooms: {
    room: string;
    insee: string;
    /** bigint: node-postgres returns it as a string. */
    seq: string | number;
    bytes: string | number;
  };
  doc_updates: {
    room: string;
    seq: string | number;
    data: Uint8Array;
  };

  communes: { insee: string; name: string; slug: string; siren: string; population: number };
  agents: {
    id: string;
    email: string;
    display_name: string;
    color: string;
    password_hash: string;
    admin: boolean;
    disabled: boolean;
    created_at: string | number;
  };
  agent_roles: { agent_id: string; insee: string; role: string };
  sessions: {
    id: string;
    agent_id: string;
    created_at: string | number;
    last_used_at: string | number;
    revoked: boolean;
  };
  tokens: {
    hash: string;
    agent_id: string;
    kind: string;
    family: string;
    expires_at: string | number;
    rotated: boolean;
    revoked: boolean;
  };
  commune_data_deleted: { insee: string; deleted_at: string | number };
  agent_invitations: {
    email: string;
    insee: string;
    role: string;
    invited_by: string | null;
    created_at: string | number;
  };
  audit_log: {
    /** bigserial: generated on insert. */
    id: Generated<string | number>;
    at: string | number;
    event: string;
    insee: string | null;
    agent_id: string | null;
    address: string | null;
    outcome: string | null;
    details: string;
  };
  login_throttle: {
    scope: string;
    email: string;
    address: string;
    failures: number;
    window_start: string | number;
    locked_until: string | number;
  };
}

export type PgDatabase = Kysely<PgSchema>;

export interface PgOpenOptions {
  /** Most connections the pool opens (default 10). */
  maxConnections?: number;
  onMigrated?: (result: PgMigrationResult) => void;
  /** An idle connection lost (PostgreSQL restarted, network cut): the pool opens another. */
  onConnectionLost?: (error: Error) => void;
}

/** A first query; a refused or failed connection is said in French, without the URL's password. */
async function pingOrExplain(db: PgDatabase): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    throw new Error(`PostgreSQL injoignable (DATABASE_URL) : ${(error as Error).message}`);
  }
}

/** Opens a pool on `url` and brings the schema to the latest version. */
export async function openPostgres(url: string, options: PgOpenOptions = {}): Promise<PgDatabase> {
  if (!isPostgresUrl(url)) {
    throw new Error(INVALID_DATABASE_URL);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    // TCP keepalives: a connection cut without a FIN (a node or a link gone) is noticed, so an
    // advisory lock it held is not kept for the kernel's two hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idleTimeoutMillis: 30_000,
    options: '-c synchronous_commit=on',
  });
  // A connection the server drops (restart, failover, a cut network) must not crash the
  // process: pg-pool listens to idle ones only; one in use (an advisory lock's session
  // between two queries) emits 'error' on its client, which is listened to from its start.
  // The query under way fails, and the pool drops the broken client when it is released.
  pool.on('error', (error) => options.onConnectionLost?.(error));
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionLost?.(error)));
  const db = new Kysely<PgSchema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await pingOrExplain(db);
    const result = await migratePostgres(db);
    options.onMigrated?.(result);
    return db;
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
