/**
 * DocStore on better-sqlite3. Appends arriving together, from any room, are written in one
 * transaction (group commit): one fsync for many updates. By default the writes happen on a
 * writer thread (SqliteWriter) so that an fsync never stalls the rooms; reads stay on the
 * caller's connection (WAL lets them run while the writer commits).
 */
import * as Y from 'yjs';
import type { SqliteDatabase } from './database';
import { inseeOfRoom, type DocStore, type RoomSeq, type StoredDoc } from './DocStore';
import { SqliteWriter } from './SqliteWriter';

export interface SqliteDocStoreOptions {
  /** 'worker' (default for a database file) or 'inline' (on the calling thread). */
  writer?: 'worker' | 'inline';
}

interface PendingAppend {
  room: string;
  updates: Uint8Array[];
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new Error('unexpected BLOB value');
}

export class SqliteDocStore implements DocStore {
  private readonly db: SqliteDatabase;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmt;
  private readonly writer: SqliteWriter | null;

  constructor(db: SqliteDatabase, options: SqliteDocStoreOptions = {}) {
    this.db = db;
    const useWorker = (options.writer ?? 'worker') === 'worker' && !db.memory;
    this.stmt = {
      roomSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM doc_rooms WHERE room = ?'),
      upsertRoom: db.prepare<[string, string, number]>(
        'INSERT INTO doc_rooms (room, insee, seq) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq',
      ),
      insertUpdate: db.prepare<[string, number, Uint8Array]>(
        'INSERT INTO doc_updates (room, seq, data) VALUES (?, ?, ?)',
      ),
      loadUpdates: db.prepare<[string], { seq: number; data: Uint8Array }>(
        'SELECT seq, data FROM doc_updates WHERE room = ? ORDER BY seq',
      ),
      countUpdates: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM doc_updates WHERE room = ?',
      ),
      deleteUpdates: db.prepare<[string]>('DELETE FROM doc_updates WHERE room = ?'),
      listRooms: db.prepare<[string], RoomSeq>(
        'SELECT room, seq FROM doc_rooms WHERE insee = ? ORDER BY room',
      ),
    };
    this.writer = useWorker ? new SqliteWriter(db.name) : null;
  }

  private check(): void {
    if (this.closed) throw new Error('SqliteDocStore is closed');
  }

  async loadDoc(room: string): Promise<StoredDoc> {
    this.check();
    const read = this.db.transaction(() => {
      const seq = this.stmt.roomSeq.get(room)?.seq ?? 0;
      const updates = this.stmt.loadUpdates.all(room).map((row) => toBytes(row.data));
      return { seq, updates };
    });
    return read();
  }

  appendUpdates(room: string, updates: Uint8Array[]): Promise<number> {
    if (this.writer && !this.closed) return this.writer.append(room, updates);
    return new Promise<number>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('SqliteDocStore is closed'));
        return;
      }
      this.queue.push({ room, updates, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const seqs: number[] = [];
    try {
      this.db
        .transaction(() => {
          const current = new Map<string, number>();
          for (const append of batch) {
            let seq = current.get(append.room) ?? this.stmt.roomSeq.get(append.room)?.seq ?? 0;
            for (const update of append.updates) {
              seq += 1;
              this.stmt.insertUpdate.run(append.room, seq, update);
            }
            current.set(append.room, seq);
            seqs.push(seq);
          }
          for (const [room, seq] of current) this.stmt.upsertRoom.run(room, inseeOfRoom(room), seq);
        })
        .immediate();
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    batch.forEach((append, i) => append.resolve(seqs[i]!));
  }

  async countUpdates(room: string): Promise<number> {
    this.check();
    return this.stmt.countUpdates.get(room)?.n ?? 0;
  }

  async compact(room: string): Promise<void> {
    this.check();
    if (this.writer) {
      // Merged here, written by the writer: rows appended meanwhile (seq > lastSeq) stay.
      const rows = this.stmt.loadUpdates.all(room);
      if (rows.length <= 1) return;
      const merged = Y.mergeUpdates(rows.map((row) => toBytes(row.data)));
      await this.writer.replace(room, rows[rows.length - 1]!.seq, merged);
      return;
    }
    this.db
      .transaction(() => {
        const rows = this.stmt.loadUpdates.all(room);
        if (rows.length <= 1) return;
        const merged = Y.mergeUpdates(rows.map((row) => toBytes(row.data)));
        const lastSeq = rows[rows.length - 1]!.seq;
        this.stmt.deleteUpdates.run(room);
        this.stmt.insertUpdate.run(room, lastSeq, merged);
      })
      .immediate();
  }

  /**
   * Replaces the room's rows up to `lastSeq` by `snapshot`, a state that includes them (the
   * repair of a page, pageRepair.ts: a snapshot of the repaired doc, where deleted types are
   * garbage-collected). Rows appended meanwhile stay; the sequence number does not move.
   */
  async rewriteRoom(room: string, lastSeq: number, snapshot: Uint8Array): Promise<void> {
    this.check();
    if (this.writer) {
      await this.writer.replace(room, lastSeq, snapshot);
      return;
    }
    this.flush();
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM doc_updates WHERE room = ? AND seq <= ?').run(room, lastSeq);
        this.stmt.insertUpdate.run(room, lastSeq, snapshot);
      })
      .immediate();
  }

  async listRooms(insee: string): Promise<RoomSeq[]> {
    this.check();
    return this.stmt.listRooms.all(insee);
  }

  async deleteCommune(insee: string): Promise<number> {
    this.check();
    this.flush();
    return this.db
      .transaction(() => {
        const rooms = this.stmt.listRooms.all(insee);
        for (const { room } of rooms) this.stmt.deleteUpdates.run(room);
        this.db.prepare('DELETE FROM doc_rooms WHERE insee = ?').run(insee);
        return rooms.length;
      })
      .immediate();
  }

  /** Bytes of stored updates of a commune (for its quota). */
  bytesOfCommune(insee: string): number {
    const row = this.db
      .prepare(
        'SELECT COALESCE(SUM(LENGTH(u.data)), 0) AS bytes FROM doc_updates u JOIN doc_rooms r ON r.room = u.room WHERE r.insee = ?',
      )
      .get(insee) as { bytes: number };
    return row.bytes;
  }

  /** Flushes pending appends; the database itself is closed by its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.writer?.close();
  }
}
