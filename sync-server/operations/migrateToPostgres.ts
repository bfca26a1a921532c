/**
 * `npm run admin -- migrate-to-postgres`: copies an embedded DATA_DIR (its SQLite base, its
 * media) into the cluster mode's PostgreSQL (DATABASE_URL) and MEDIA_DIR, then verifies the
 * copy before it is committed — all in one PostgreSQL transaction, so a failure leaves the
 * database as it was (the media are checked and copied first, outside it: content-addressed
 * files, harmless if the migration is then refused):
 *  - every table the two schemas share, rows copied column by column (SQLite's 0/1 become
 *    booleans, blobs bytea), parents before children (foreign keys); the sequences of
 *    generated ids moved past the copied ones; a table PostgreSQL does not have yet is named
 *    in the report as staying in SQLite;
 *  - verified: the row count of every table; each document's state (every update replayed on
 *    both sides, SHA-256 of the resulting state); each media file's SHA-256 (an original is
 *    named by its digest; a variant must equal its copy).
 * The target must be empty (a node started on it already created its own demo account): the
 * migration is for a new cluster, not a merge.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import * as Y from 'yjs';
import type { SqliteDatabase } from '../storage/database';

/**
 * Tables PostgreSQL fills itself (the Métropole's communes): rows the target already has are
 * kept (`ON CONFLICT DO NOTHING`), the others copied; not counted against the source.
 */
const SEEDED = new Set(['communes']);
const MEDIA_ORIGINAL = /^([0-9a-f]{64})\.(?:webp|jpg|png|pdf)$/;

export class MigrationRefused extends Error {}

export interface MigrationReport {
  tables: Array<{ table: string; rows: number }>;
  /** Tables of the embedded base that PostgreSQL does not have: they stay in SQLite. */
  notCopied: string[];
  documents: number;
  mediaFiles: number;
}

interface PgColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  column_default: string | null;
}

type Db = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any schema: the tables are read from PostgreSQL itself

function sqliteTables(db: SqliteDatabase): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>
  ).map((t) => t.name);
}

function sqliteColumns(db: SqliteDatabase, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${JSON.stringify(table)})`).all() as Array<{ name: string }>).map(
    (c) => c.name,
  );
}

async function pgColumns(trx: Transaction<unknown>): Promise<Map<string, PgColumn[]>> {
  const { rows } = await sql<PgColumn>`
    SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name NOT LIKE 'kysely_%'
    ORDER BY table_name, ordinal_position`.execute(trx);
  const byTable = new Map<string, PgColumn[]>();
  for (const column of rows)
    byTable.set(column.table_name, [...(byTable.get(column.table_name) ?? []), column]);
  return byTable;
}

/** The tables in an order where every parent (foreign key) comes before its children. */
async function parentsFirst(trx: Transaction<unknown>, tables: string[]): Promise<string[]> {
  const { rows } = await sql<{ child: string; parent: string }>`
    SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
    FROM pg_constraint WHERE contype = 'f'`.execute(trx);
  const ordered: string[] = [];
  const visit = (table: string, seen: Set<string>) => {
    if (ordered.includes(table) || seen.has(table)) return;
    seen.add(table);
    for (const { parent } of rows.filter((r) => r.child === table && r.parent !== table))
      if (tables.includes(parent)) visit(parent, seen);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

function convert(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return Boolean(value);
  if (type === 'bytea') return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  return value;
}

async function count(trx: Transaction<unknown>, table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(trx);
  return Number(rows[0]!.n);
}

async function copyTable(
  sqlite: SqliteDatabase,
  trx: Transaction<unknown>,
  table: string,
  columns: PgColumn[],
): Promise<number> {
  const names = columns.map((c) => c.column_name);
  const batch = Math.max(1, Math.min(1000, Math.floor(60_000 / names.length)));
  const rows = sqlite
    .prepare(`SELECT ${names.map((n) => JSON.stringify(n)).join(', ')} FROM "${table}"`)
    .iterate();
  let copied = 0;
  let pending: unknown[][] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const values = pending.map((row) => sql`(${sql.join(row.map((v) => sql`${v}`))})`);
    const conflict = SEEDED.has(table) ? sql` ON CONFLICT DO NOTHING` : sql``;
    await sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))}) VALUES ${sql.join(values)}${conflict}`.execute(
      trx,
    );
    copied += pending.length;
    pending = [];
  };
  for (const row of rows as Iterable<Record<string, unknown>>) {
    pending.push(columns.map((c) => convert(row[c.column_name], c.data_type)));
    if (pending.length >= batch) await flush();
  }
  await flush();
  // Generated ids (bigserial) continue after the copied ones.
  for (const column of columns.filter((c) => c.column_default?.startsWith('nextval('))) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column.column_name}),
      greatest(1, (SELECT coalesce(max(${sql.ref(column.column_name)}), 0) FROM ${sql.table(table)})))`.execute(
      trx,
    );
  }
  return copied;
}

function stateDigest(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  Y.transact(doc, () => updates.forEach((u) => Y.applyUpdate(doc, u)));
  const digest = crypto.createHash('sha256').update(Y.encodeStateAsUpdateV2(doc)).digest('hex');
  doc.destroy();
  return digest;
}

/** Each document replayed on both sides: the same state, or the room named. */
async function verifyDocuments(sqlite: SqliteDatabase, trx: Transaction<unknown>): Promise<number> {
  const rooms = (
    sqlite.prepare('SELECT room FROM doc_rooms ORDER BY room').all() as Array<{ room: string }>
  ).map((r) => r.room);
  const fromSqlite = sqlite.prepare('SELECT data FROM doc_updates WHERE room = ? ORDER BY seq');
  for (const room of rooms) {
    const before = (fromSqlite.all(room) as Array<{ data: Buffer }>).map((r) => new Uint8Array(r.data));
    const { rows } = await sql<{
      data: Buffer;
    }>`SELECT data FROM doc_updates WHERE room = ${room} ORDER BY seq`.execute(trx);
    const after = rows.map((r) => new Uint8Array(r.data));
    if (stateDigest(before) !== stateDigest(after))
      throw new MigrationRefused(`le document ${room} diffère après la copie : migration annulée.`);
  }
  return rooms.length;
}

function sha256OfFile(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Checks every media file of `from` (an original's digest is its name) and, when `to` is
 * another folder, copies what is missing there and checks the copy. Answers the files checked.
 */
export function verifyAndCopyMedia(from: string, to: string): number {
  let checked = 0;
  const walk = (dir: string) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const source = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(source);
        continue;
      }
      if (!entry.isFile() || entry.name.endsWith('.partial')) continue;
      const digest = sha256OfFile(source);
      const original = MEDIA_ORIGINAL.exec(entry.name);
      if (original && original[1] !== digest)
        throw new MigrationRefused(
          `le média ${path.relative(from, source)} ne correspond pas à son empreinte : fichier abîmé, migration annulée.`,
        );
      const target = path.join(to, path.relative(from, source));
      if (path.resolve(target) !== path.resolve(source)) {
        if (!fs.existsSync(target)) {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(source, `${target}.partial`);
          fs.renameSync(`${target}.partial`, target);
        }
        if (sha256OfFile(target) !== digest)
          throw new MigrationRefused(
            `la copie du média ${path.relative(from, source)} diffère de l'original : migration annulée.`,
          );
      }
      checked++;
    }
  };
  walk(from);
  return checked;
}

/** Copies and verifies; commits only if everything matches. */
export async function migrateToPostgres(
  sqlite: SqliteDatabase,
  postgres: Db,
  media: { from: string; to: string },
): Promise<MigrationReport> {
  const mediaFiles = verifyAndCopyMedia(media.from, media.to);
  return postgres.transaction().execute(async (trx) => {
    const target = await pgColumns(trx);
    const source = sqliteTables(sqlite);
    const shared = source.filter((t) => target.has(t));
    const notCopied = source.filter((t) => !target.has(t));
    for (const table of shared.filter((t) => !SEEDED.has(t))) {
      const present = await count(trx, table);
      if (present > 0)
        throw new MigrationRefused(
          `la base PostgreSQL n'est pas vide (table ${table} : ${present} ligne(s)) : migrez vers une base neuve, avant d'y démarrer un nœud.`,
        );
    }
    const tables: MigrationReport['tables'] = [];
    for (const table of await parentsFirst(trx, shared)) {
      const wanted = new Set(sqliteColumns(sqlite, table));
      const columns = target.get(table)!.filter((c) => wanted.has(c.column_name));
      const copied = await copyTable(sqlite, trx, table, columns);
      const expected = (sqlite.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
      const found = SEEDED.has(table) ? copied : await count(trx, table);
      if (!SEEDED.has(table) && found !== expected)
        throw new MigrationRefused(
          `table ${table} : ${found} ligne(s) copiée(s) sur ${expected} : migration annulée.`,
        );
      tables.push({ table, rows: expected });
    }
    // What PostgreSQL keeps and SQLite does not: each room's size, for the communes' quota.
    if (target.get('doc_rooms')?.some((c) => c.column_name === 'bytes'))
      await sql`UPDATE doc_rooms r SET bytes = (SELECT coalesce(sum(octet_length(u.data)), 0) FROM doc_updates u WHERE u.room = r.room)`.execute(
        trx,
      );
    const documents = shared.includes('doc_updates') ? await verifyDocuments(sqlite, trx) : 0;
    return { tables, notCopied, documents, mediaFiles };
  });
}
