/**
 * DocStore on PostgreSQL (cluster mode, `DATABASE_URL=postgres://…`), with the semantics of
 * SqliteDocStore: appends arriving together are committed in one transaction (group commit),
 * one batch at a time so that a node's appends to a room keep their order; an append resolves
 * once PostgreSQL has committed it (`synchronous_commit = on`, pgDatabase.ts).
 *
 * Several nodes may write the same room: each batch reserves its sequence numbers with one
 * `INSERT … ON CONFLICT DO UPDATE SET seq = seq + n RETURNING seq` on the room's row, whose
 * lock it holds until its commit — numbers stay strictly increasing, nothing is overwritten.
 * A batch locks its rooms in name order (no deadlock between two nodes' batches).
 */
import { sql } from 'kysely';
import * as Y from 'yjs';
import { inseeOfRoom, type DocStore, type RoomSeq, type StoredDoc } from '../DocStore';
import { LOCK_NAMESPACE } from './advisoryLocks';
import { openPostgres, type PgDatabase, type PgOpenOptions } from './pgDatabase';

interface PendingAppend {
  room: string;
  updates: Buffer[];
  bytes: number;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

interface RoomBatch {
  room: string;
  appends: PendingAppend[];
  count: number;
  bytes: number;
}

/** A batch stops growing past these (the rest goes in the next transaction). */
const BATCH_MAX_BYTES = 32 * 1024 * 1024;
/** Rows per INSERT: well under PostgreSQL's 65,535 parameters, and bounded in bytes. */
const INSERT_MAX_ROWS = 500;
const INSERT_MAX_BYTES = 8 * 1024 * 1024;

/** Thrown inside a transaction to roll it back without an error (a compaction made moot). */
class Superseded extends Error {}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new Error('unexpected bytea value');
}

/** The next batch: appends in arrival order, up to BATCH_MAX_BYTES (at least one). */
function takeBatch(queue: PendingAppend[]): PendingAppend[] {
  let bytes = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || bytes + queue[n]!.bytes <= BATCH_MAX_BYTES))
    bytes += queue[n++]!.bytes;
  return queue.splice(0, n);
}

/** The batch's appends grouped by room, rooms in name order (the lock order). */
function groupByRoom(batch: PendingAppend[]): RoomBatch[] {
  const rooms = new Map<string, RoomBatch>();
  for (const append of batch) {
    let group = rooms.get(append.room);
    if (!group) rooms.set(append.room, (group = { room: append.room, appends: [], count: 0, bytes: 0 }));
    group.appends.push(append);
    group.count += append.updates.length;
    group.bytes += append.bytes;
  }
  return [...rooms.values()].sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
}

/** Rows cut into INSERTs of at most INSERT_MAX_ROWS rows and about INSERT_MAX_BYTES. */
function insertChunks<T extends { data: Buffer }>(rows: T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (chunk.length > 0 && (chunk.length >= INSERT_MAX_ROWS || bytes + row.data.length > INSERT_MAX_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += row.data.length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export class PgDocStore implements DocStore {
  private readonly db: PgDatabase;
  private readonly ownsDatabase: boolean;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | null = null;
  private closed = false;
  /** Bytes stored per commune, as last read from PostgreSQL plus this node's writes since. */
  private readonly communeBytes = new Map<string, number>();

  /** `ownsDatabase`: close() also ends the pool (as `PgDocStore.open` sets). */
  constructor(db: PgDatabase, options: { ownsDatabase?: boolean } = {}) {
    this.db = db;
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  /** Connects to `url`, migrates the schema and reads the communes' usage. */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PgDocStore> {
    const store = new PgDocStore(await openPostgres(url, options), { ownsDatabase: true });
    try {
      await store.refreshCommuneBytes();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  private check(): void {
    if (this.closed) throw new Error('PgDocStore is closed');
  }

  async loadDoc(room: string): Promise<StoredDoc> {
    this.check();
    // One statement, one snapshot: the room's seq and its rows agree.
    const rows = await this.db
      .selectFrom('doc_rooms as r')
      .leftJoin('doc_updates as u', 'u.room', 'r.room')
      .select(['r.seq as roomSeq', 'u.data'])
      .where('r.room', '=', room)
      .orderBy('u.seq')
      .execute();
    if (rows.length === 0) return { updates: [], seq: 0 };
    const updates = rows.filter((row) => row.data !== null).map((row) => toBytes(row.data));
    return { updates, seq: Number(rows[0]!.roomSeq) };
  }

  /**
   * What another node committed since `afterSeq` (cluster catch-up, [CLUSTER-4]): the rows
   * numbered after it — or the snapshot of a compaction that merged some of them, which holds
   * them — and the room's sequence number, read in one statement (one snapshot).
   */
  async loadSince(room: string, afterSeq: number): Promise<StoredDoc> {
    this.check();
    const rows = await this.db
      .selectFrom('doc_rooms as r')
      .leftJoin('doc_updates as u', (join) => join.onRef('u.room', '=', 'r.room').on('u.seq', '>', afterSeq))
      .select(['r.seq as roomSeq', 'u.data'])
      .where('r.room', '=', room)
      .orderBy('u.seq')
      .execute();
    if (rows.length === 0) return { updates: [], seq: 0 };
    const updates = rows.filter((row) => row.data !== null).map((row) => toBytes(row.data));
    return { updates, seq: Number(rows[0]!.roomSeq) };
  }

  /** The sequence number of each of these rooms (rooms never written are absent). */
  async roomSeqs(rooms: string[]): Promise<Map<string, number>> {
    this.check();
    const seqs = new Map<string, number>();
    for (let i = 0; i < rooms.length; i += 1000) {
      const rows = await this.db
        .selectFrom('doc_rooms')
        .select(['room', 'seq'])
        .where('room', 'in', rooms.slice(i, i + 1000))
        .execute();
      for (const row of rows) seqs.set(row.room, Number(row.seq));
    }
    return seqs;
  }

  appendUpdates(room: string, updates: Uint8Array[]): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('PgDocStore is closed'));
        return;
      }
      // A copy now: the caller may reuse its buffers before the batch is sent.
      const copies = updates.map((update) => Buffer.from(update));
      const bytes = copies.reduce((sum, update) => sum + update.length, 0);
      this.queue.push({ room, updates: copies, bytes, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  /** Commits batches until the queue is empty; one transaction at a time. */
  private async writeLoop(): Promise<void> {
    // Let the appends of this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = takeBatch(this.queue);
      try {
        const seqs = await this.commitBatch(batch);
        batch.forEach((append, i) => {
          const seq = seqs[i]!;
          if (seq instanceof Error) append.reject(seq);
          else append.resolve(seq);
        });
      } catch (error) {
        for (const append of batch) append.reject(error);
      }
    }
    this.writing = null;
  }

  /**
   * One transaction for the batch. A commune whose data was deleted (on any node) gets nothing
   * written: its appends fail. Each commune of the batch is held shared for the transaction,
   * the deletion takes it exclusive (deleteCommune): a commit either lands before the deletion
   * (and is deleted with the rest) or sees the commune marked deleted.
   */
  private async commitBatch(batch: PendingAppend[]): Promise<Array<number | Error>> {
    const rooms = groupByRoom(batch);
    const seqOf = new Map<PendingAppend, number>();
    const refused = new Set<string>();
    await this.db.transaction().execute(async (trx) => {
      const communes = [...new Set(rooms.map((group) => inseeOfRoom(group.room)))].sort();
      for (const insee of communes)
        await sql`select pg_advisory_xact_lock_shared(${LOCK_NAMESPACE.communeDocuments}::int, hashtext(${insee}))`.execute(
          trx,
        );
      const deleted = await sql<{ insee: string }>`
        select insee from commune_data_deleted where insee in (${sql.join(communes)})`.execute(trx);
      for (const { insee } of deleted.rows) refused.add(insee);
      for (const group of rooms) {
        if (refused.has(inseeOfRoom(group.room))) continue;
        const { seq: reserved } = await trx
          .insertInto('doc_rooms')
          .values({ room: group.room, insee: inseeOfRoom(group.room), seq: group.count, bytes: group.bytes })
          .onConflict((oc) =>
            oc.column('room').doUpdateSet({
              seq: sql`doc_rooms.seq + excluded.seq`,
              bytes: sql`doc_rooms.bytes + excluded.bytes`,
            }),
          )
          .returning('seq')
          .executeTakeFirstOrThrow();
        let seq = Number(reserved) - group.count;
        const rows: { room: string; seq: number; data: Buffer }[] = [];
        for (const append of group.appends) {
          for (const data of append.updates) rows.push({ room: group.room, seq: ++seq, data });
          seqOf.set(append, seq);
        }
        for (const chunk of insertChunks(rows)) await trx.insertInto('doc_updates').values(chunk).execute();
      }
    });
    for (const group of rooms)
      if (!refused.has(inseeOfRoom(group.room))) this.addCommuneBytes(inseeOfRoom(group.room), group.bytes);
    return batch.map(
      (append) =>
        seqOf.get(append) ??
        new Error(
          `les données de la commune ${inseeOfRoom(append.room)} ont été supprimées : rien n'est plus enregistré`,
        ),
    );
  }

  /** Resolves once every append queued so far is committed (or failed). */
  private async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async countUpdates(room: string): Promise<number> {
    this.check();
    const row = await this.db
      .selectFrom('doc_updates')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('room', '=', room)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async compact(room: string): Promise<void> {
    this.check();
    // Merged outside the lock; rows appended meanwhile (seq > lastSeq) stay.
    const rows = await this.db
      .selectFrom('doc_updates')
      .select(['seq', 'data'])
      .where('room', '=', room)
      .orderBy('seq')
      .execute();
    if (rows.length <= 1) return;
    const merged = Y.mergeUpdates(rows.map((row) => toBytes(row.data)));
    await this.replaceUpTo(room, Number(rows[rows.length - 1]!.seq), merged, rows.length);
  }

  /**
   * Replaces the room's rows up to `lastSeq` by `snapshot`, a state that includes them (the
   * repair of a page, pageRepair.ts). Rows appended meanwhile stay; the sequence number does
   * not move.
   */
  async rewriteRoom(room: string, lastSeq: number, snapshot: Uint8Array): Promise<void> {
    this.check();
    await this.drained();
    await this.replaceUpTo(room, lastSeq, snapshot);
  }

  /**
   * In one transaction holding the room's row lock: deletes rows up to `lastSeq`, writes
   * `snapshot` at `lastSeq`. With `expectedRows` (compaction), gives up when another node
   * compacted the room meanwhile (fewer rows than merged: its snapshot already holds them).
   */
  private async replaceUpTo(
    room: string,
    lastSeq: number,
    snapshot: Uint8Array,
    expectedRows?: number,
  ): Promise<void> {
    let delta = 0;
    try {
      await this.db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('doc_rooms')
          .select('room')
          .where('room', '=', room)
          .forUpdate()
          .executeTakeFirst();
        if (!locked) throw new Superseded();
        const deleted = await trx
          .deleteFrom('doc_updates')
          .where('room', '=', room)
          .where('seq', '<=', lastSeq)
          .returning(sql<number>`octet_length(data)`.as('bytes'))
          .execute();
        if (expectedRows !== undefined && deleted.length !== expectedRows) throw new Superseded();
        await trx
          .insertInto('doc_updates')
          .values({ room, seq: lastSeq, data: Buffer.from(snapshot) })
          .execute();
        delta = snapshot.length - deleted.reduce((sum, row) => sum + Number(row.bytes), 0);
        await trx
          .updateTable('doc_rooms')
          .set({ bytes: sql`bytes + ${delta}` })
          .where('room', '=', room)
          .execute();
      });
    } catch (error) {
      if (error instanceof Superseded) return;
      throw error;
    }
    this.addCommuneBytes(inseeOfRoom(room), delta);
  }

  async listRooms(insee: string): Promise<RoomSeq[]> {
    this.check();
    const rows = await this.db
      .selectFrom('doc_rooms')
      .select(['room', 'seq'])
      .where('insee', '=', insee)
      .orderBy('room')
      .execute();
    return rows.map((row) => ({ room: row.room, seq: Number(row.seq) }));
  }

  async deleteCommune(insee: string): Promise<number> {
    this.check();
    await this.drained();
    // doc_updates rows go with their room (ON DELETE CASCADE). Exclusive on the commune: a
    // commit of another node under way finishes first and goes with the rest; the later ones
    // see the commune marked deleted and write nothing (commitBatch).
    const deleted = await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE.communeDocuments}::int, hashtext(${insee}))`.execute(
        trx,
      );
      return trx.deleteFrom('doc_rooms').where('insee', '=', insee).returning('room').execute();
    });
    this.communeBytes.delete(insee);
    return deleted.length;
  }

  /**
   * Bytes of stored updates of a commune (for its quota): synchronous, from the figures read
   * at open and at each `refreshCommuneBytes`, plus this node's own writes since.
   */
  bytesOfCommune(insee: string): number {
    return this.communeBytes.get(insee) ?? 0;
  }

  /** Reads every commune's usage again (other nodes' writes included). */
  async refreshCommuneBytes(): Promise<void> {
    this.check();
    const rows = await this.db
      .selectFrom('doc_rooms')
      .select((eb) => ['insee', eb.fn.sum<string>('bytes').as('bytes')])
      .groupBy('insee')
      .execute();
    this.communeBytes.clear();
    for (const row of rows) this.communeBytes.set(row.insee, Number(row.bytes));
  }

  private addCommuneBytes(insee: string, delta: number): void {
    this.communeBytes.set(insee, (this.communeBytes.get(insee) ?? 0) + delta);
  }

  /** Commits pending appends, then ends the pool when this store opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drained();
    if (this.ownsDatabase) await this.db.destroy();
  }
}
