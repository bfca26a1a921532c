/**
 * Page history kept on the server (table `page_snapshots`, SQLite or PostgreSQL): the full Yjs state of a
 * page body at every publication that changed it (reason `publication`) and at the end of
 * every editing session (reason `session`: the room went idle or its last client left after
 * edits, with the names of the agents who edited). A snapshot identical to the page's last
 * one is not stored again (a publication upgrades an identical session snapshot instead).
 * Retention: every publication snapshot; the last `keepSessionSnapshots` session ones per page.
 */
import crypto from 'node:crypto';
import * as Y from 'yjs';
import type { ServerSnapshotEntry, ServerSnapshotReason } from '../../site/pageSnapshotsContract';
import { encodeDocState, parseRoom } from '../../site/syncProtocol';
import type { SqliteDatabase } from '../storage/database';
import { statementCache, type Prepare } from '../storage/statementCache';
import type { Logger } from '../observability/Logger';

export interface PageSnapshotsOptions {
  /** DATA_DIR's database: where the snapshots are kept when `store` is not given. */
  db?: SqliteDatabase;
  /** Where the snapshots are kept (default: SqliteSnapshotStore on `db`; PostgreSQL in cluster mode). */
  store?: SnapshotStore;
  logger: Logger;
  now?: () => number;
  /** Session snapshots kept per page (default 50); publication snapshots are all kept. */
  keepSessionSnapshots?: number;
}

/**
 * Where the page history is kept ([PGPUB-1]): SqliteSnapshotStore (embedded default) or
 * PgSnapshotStore (cluster mode). `record` stores a snapshot unless the page's last one has the
 * same content (then a publication upgrades a session snapshot) and keeps the last `keep`
 * session snapshots of the page; it answers the new snapshot's id, or null.
 */
export interface SnapshotStore {
  record(
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    names: string[],
    at: number,
    keep: number,
  ): Promise<number | null>;
  /** Several pages' `publication` snapshots, in one transaction. */
  recordPublication(
    insee: string,
    pages: readonly CapturedPage[],
    names: string[],
    at: number,
    keep: number,
  ): Promise<void>;
  lastPublished(insee: string, pageId: string): Promise<Uint8Array | null>;
  list(insee: string, pageId: string, limit: number): Promise<ServerSnapshotEntry[]>;
  state(insee: string, pageId: string, id: number): Promise<Uint8Array | null>;
}

/** A page body's state, ready to be stored (see `capture`). */
export interface CapturedPage {
  pageId: string;
  state: Uint8Array;
  /** SHA-256 of the doc's state vector and delete set: equal iff same content. */
  fingerprint: string;
}

/** SHA-256 of a doc's state vector and delete set: equal iff same content. */
export function fingerprintOf(doc: Y.Doc): string {
  return crypto.createHash('sha256').update(encodeDocState(doc)).digest('base64url');
}

/**
 * Reads what a snapshot needs from a doc, synchronously (the doc may be destroyed right after);
 * `fingerprint`, when the caller has just computed it, is not computed again.
 */
export function capture(pageId: string, doc: Y.Doc, fingerprint = fingerprintOf(doc)): CapturedPage {
  return { pageId, state: Y.encodeStateAsUpdate(doc), fingerprint };
}

/** The page history in DATA_DIR's SQLite (table `page_snapshots`), as it always was. */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly sql: Prepare;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = statementCache(db);
  }

  private recordNow(
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    names: string[],
    at: number,
    keep: number,
  ): number | null {
    const last = this.sql(
      'SELECT id, reason, fingerprint FROM page_snapshots WHERE insee = ? AND page_id = ? ORDER BY id DESC LIMIT 1',
    ).get(insee, page.pageId) as { id: number; reason: string; fingerprint: string } | undefined;
    if (last && last.fingerprint === page.fingerprint) {
      // The published content is kept for good even when a session snapshot already holds it.
      if (reason === 'publication' && last.reason !== 'publication')
        this.sql("UPDATE page_snapshots SET reason = 'publication' WHERE id = ?").run(last.id);
      return null;
    }
    const id = Number(
      this.sql(
        'INSERT INTO page_snapshots (insee, page_id, at, reason, by, fingerprint, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(insee, page.pageId, at, reason, JSON.stringify(names), page.fingerprint, page.state)
        .lastInsertRowid,
    );
    if (reason === 'session')
      this.sql(
        `DELETE FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'session' AND id NOT IN
             (SELECT id FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'session' ORDER BY id DESC LIMIT ?)`,
      ).run(insee, page.pageId, insee, page.pageId, keep);
    return id;
  }

  async record(
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    names: string[],
    at: number,
    keep: number,
  ): Promise<number | null> {
    return this.recordNow(insee, page, reason, names, at, keep);
  }

  async recordPublication(
    insee: string,
    pages: readonly CapturedPage[],
    names: string[],
    at: number,
    keep: number,
  ): Promise<void> {
    this.db.transaction(() => {
      for (const page of pages) this.recordNow(insee, page, 'publication', names, at, keep);
    })();
  }

  async lastPublished(insee: string, pageId: string): Promise<Uint8Array | null> {
    const row = this.sql(
      "SELECT state FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'publication' ORDER BY id DESC LIMIT 1",
    ).get(insee, pageId) as { state: Buffer } | undefined;
    return row ? new Uint8Array(row.state) : null;
  }

  async list(insee: string, pageId: string, limit: number): Promise<ServerSnapshotEntry[]> {
    const rows = this.sql(
      'SELECT id, at, reason, by FROM page_snapshots WHERE insee = ? AND page_id = ? ORDER BY id DESC LIMIT ?',
    ).all(insee, pageId, limit) as Array<{
      id: number;
      at: number;
      reason: ServerSnapshotReason;
      by: string;
    }>;
    return rows.map((r) => ({ id: r.id, at: r.at, reason: r.reason, by: JSON.parse(r.by) as string[] }));
  }

  async state(insee: string, pageId: string, id: number): Promise<Uint8Array | null> {
    const row = this.sql('SELECT state FROM page_snapshots WHERE id = ? AND insee = ? AND page_id = ?').get(
      id,
      insee,
      pageId,
    ) as { state: Buffer } | undefined;
    return row ? new Uint8Array(row.state) : null;
  }
}

/** Editors' names as stored: distinct, non-blank, in French order. */
function namesOf(by: readonly string[]): string[] {
  return [...new Set(by.filter((n) => n.trim() !== ''))].sort((a, b) => a.localeCompare(b, 'fr'));
}

export class PageSnapshots {
  private readonly store: SnapshotStore;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly keep: number;
  /** Session snapshots being stored (the room is gone; shutdown waits for them). */
  private readonly pending = new Set<Promise<void>>();

  constructor(options: PageSnapshotsOptions) {
    if (!options.store && !options.db) throw new Error('PageSnapshots: store or db required');
    this.store = options.store ?? new SqliteSnapshotStore(options.db!);
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.keep = options.keepSessionSnapshots ?? 50;
  }

  /** Stores one snapshot unless the page's last one has the same content; returns its id. */
  record(
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    by: string[],
    at = this.now(),
  ): Promise<number | null> {
    return this.store.record(insee, page, reason, namesOf(by), at, this.keep);
  }

  /** The pages of a publication (those whose body was read again), by whoever published. */
  recordPublication(
    insee: string,
    pages: readonly CapturedPage[],
    by: string | null,
    at: number,
  ): Promise<void> {
    return this.store.recordPublication(insee, pages, namesOf(by ? [by] : []), at, this.keep);
  }

  /** End of an editing session in a room: a snapshot of a page room, nothing for the manifest. */
  sessionEnded(roomName: string, doc: Y.Doc, editors: readonly string[]): Promise<void> {
    const done = this.storeSession(roomName, doc, editors);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  /** Waits for the session snapshots being stored (server shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async storeSession(roomName: string, doc: Y.Doc, editors: readonly string[]): Promise<void> {
    const room = parseRoom(roomName);
    if (!room || room.kind !== 'page') return;
    try {
      // Read now: the doc may be destroyed once this returns to the room.
      const page = capture(room.pageId, doc);
      const id = await this.record(room.insee, page, 'session', [...editors]);
      this.logger.log('debug', 'history.session_snapshot', { room: roomName, id });
    } catch (error) {
      // The edits themselves are durable in the doc store; only this history point is lost.
      this.logger.log('error', 'history.snapshot_failed', { room: roomName, error });
    }
  }

  /** The Yjs state of a page body as last published (newest `publication` snapshot), or null. */
  lastPublished(insee: string, pageId: string): Promise<Uint8Array | null> {
    return this.store.lastPublished(insee, pageId);
  }

  /** Newest first. */
  list(insee: string, pageId: string, limit = 500): Promise<ServerSnapshotEntry[]> {
    return this.store.list(insee, pageId, limit);
  }

  /** The stored Yjs state of one snapshot of that page, or null. */
  state(insee: string, pageId: string, id: number): Promise<Uint8Array | null> {
    return this.store.state(insee, pageId, id);
  }
}
