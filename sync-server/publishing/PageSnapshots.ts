/**
 * Page history kept on the server, in SQLite (table `page_snapshots`): the full Yjs state of a
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
import type { Logger } from '../observability/Logger';

export interface PageSnapshotsOptions {
  db: SqliteDatabase;
  logger: Logger;
  now?: () => number;
  /** Session snapshots kept per page (default 50); publication snapshots are all kept. */
  keepSessionSnapshots?: number;
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

export class PageSnapshots {
  private readonly db: SqliteDatabase;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly keep: number;

  constructor(options: PageSnapshotsOptions) {
    this.db = options.db;
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
  ): number | null {
    const last = this.db
      .prepare(
        'SELECT id, reason, fingerprint FROM page_snapshots WHERE insee = ? AND page_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(insee, page.pageId) as { id: number; reason: string; fingerprint: string } | undefined;
    if (last && last.fingerprint === page.fingerprint) {
      // The published content is kept for good even when a session snapshot already holds it.
      if (reason === 'publication' && last.reason !== 'publication')
        this.db.prepare("UPDATE page_snapshots SET reason = 'publication' WHERE id = ?").run(last.id);
      return null;
    }
    const names = [...new Set(by.filter((n) => n.trim() !== ''))].sort((a, b) => a.localeCompare(b, 'fr'));
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO page_snapshots (insee, page_id, at, reason, by, fingerprint, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(insee, page.pageId, at, reason, JSON.stringify(names), page.fingerprint, page.state)
        .lastInsertRowid,
    );
    if (reason === 'session')
      this.db
        .prepare(
          `DELETE FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'session' AND id NOT IN
             (SELECT id FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'session' ORDER BY id DESC LIMIT ?)`,
        )
        .run(insee, page.pageId, insee, page.pageId, this.keep);
    return id;
  }

  /** The pages of a publication (those whose body was read again), by whoever published. */
  recordPublication(insee: string, pages: readonly CapturedPage[], by: string | null, at: number): void {
    this.db.transaction(() => {
      for (const page of pages) this.record(insee, page, 'publication', by ? [by] : [], at);
    })();
  }

  /** End of an editing session in a room: a snapshot of a page room, nothing for the manifest. */
  sessionEnded(roomName: string, doc: Y.Doc, editors: readonly string[]): void {
    const room = parseRoom(roomName);
    if (!room || room.kind !== 'page') return;
    try {
      const id = this.record(room.insee, capture(room.pageId, doc), 'session', [...editors]);
      this.logger.log('debug', 'history.session_snapshot', { room: roomName, id });
    } catch (error) {
      // The edits themselves are durable in the doc store; only this history point is lost.
      this.logger.log('error', 'history.snapshot_failed', { room: roomName, error });
    }
  }

  /** The Yjs state of a page body as last published (newest `publication` snapshot), or null. */
  lastPublished(insee: string, pageId: string): Uint8Array | null {
    const row = this.db
      .prepare(
        "SELECT state FROM page_snapshots WHERE insee = ? AND page_id = ? AND reason = 'publication' ORDER BY id DESC LIMIT 1",
      )
      .get(insee, pageId) as { state: Buffer } | undefined;
    return row ? new Uint8Array(row.state) : null;
  }

  /** Newest first. */
  list(insee: string, pageId: string, limit = 500): ServerSnapshotEntry[] {
    const rows = this.db
      .prepare(
        'SELECT id, at, reason, by FROM page_snapshots WHERE insee = ? AND page_id = ? ORDER BY id DESC LIMIT ?',
      )
      .all(insee, pageId, limit) as Array<{
      id: number;
      at: number;
      reason: ServerSnapshotReason;
      by: string;
    }>;
    return rows.map((r) => ({ id: r.id, at: r.at, reason: r.reason, by: JSON.parse(r.by) as string[] }));
  }

  /** The stored Yjs state of one snapshot of that page, or null. */
  state(insee: string, pageId: string, id: number): Uint8Array | null {
    const row = this.db
      .prepare('SELECT state FROM page_snapshots WHERE id = ? AND insee = ? AND page_id = ?')
      .get(id, insee, pageId) as { state: Buffer } | undefined;
    return row ? new Uint8Array(row.state) : null;
  }
}
