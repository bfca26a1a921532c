/**
 * The publishing state, behind one interface ([PGPUB-1]): the publication log
 * (`publications`, `publication_events`), the schedules, the actes online and per version, and
 * the page releases (`page_versions`, `site_version_pages`, `site_versions_recorded`; see
 * PageReleases.ts). SqlitePublicationStore is the embedded default (DATA_DIR's database);
 * PgPublicationStore (cluster mode, DATABASE_URL) keeps the same rows in PostgreSQL and makes
 * a commune's publications run on one node at a time ([PGPUB-2]).
 */
import type { ScheduledPublication } from '../../site/apiContract';
import type { SqliteDatabase } from '../storage/database';
import type { NewRelease } from './PageReleases';

/** One line of `publication_events` (JSON columns as stored). */
export interface PublicationEventRow {
  id: number;
  version: string;
  at: number;
  by: string | null;
  byName: string | null;
  pages: number;
  changed: string;
  rollbackOf: string | null;
}

/** One `page_versions` row (JSON columns as stored). */
export interface StoredRelease {
  id: number;
  pageId: string;
  meta: string;
  body: string;
  fingerprint: string;
  bodySeq: number | null;
  releasedAt: number;
  releasedBy: string | null;
}

export interface DueSchedule {
  id: string;
  pageId: string;
}

/** A publication as recorded, in one transaction. */
export interface PublicationRecord {
  insee: string;
  version: string;
  at: number;
  by: string | null;
  byName: string | null;
  pages: number;
  /** The history's change list, as JSON. */
  changed: string;
  /** Due schedules settled: done (`failed` null) or failed with why. */
  settle: ReadonlyArray<{ id: string; failed: string | null }>;
  /** The site version's pages: kept ones by page version id, and the new ones. */
  kept: ReadonlyArray<{ pageId: string; id: number }>;
  added: readonly NewRelease[];
  releasedBy: string | null;
  /** The actes online in this version, as JSON. */
  actes: string;
}

export interface PublicationStore {
  /** True when several nodes share the store (the in-memory caches may be stale). */
  readonly shared: boolean;
  /** Releases what the store opened itself (not the database it was given). */
  close?(): Promise<void>;
  /**
   * Runs a commune's publication job alone among the nodes sharing the store; the job calls
   * `fence` right before switching the site online (it throws if the lock was lost).
   */
  withCommuneLock<T>(insee: string, job: (fence: () => Promise<void>) => Promise<T>): Promise<T>;
  /** Id of the commune's newest publication event (publication or rollback), or null. */
  lastEventId(insee: string): Promise<number | null>;
  /** When the commune last published (events, else the legacy log), or null. */
  lastPublishedAt(insee: string): Promise<number | null>;
  /** The site version online (latest event, else the legacy log), or null. */
  currentVersion(insee: string): Promise<string | null>;
  /** The commune's events, newest first (`limit` null: all). */
  events(insee: string, limit: number | null): Promise<PublicationEventRow[]>;
  /** Pages of the newest event of a version, or null if the version was never published. */
  versionPages(insee: string, version: string): Promise<number | null>;
  /** When a version was first published, or null. */
  versionPublishedAt(insee: string, version: string): Promise<number | null>;
  recordRollback(
    insee: string,
    version: string,
    at: number,
    by: string | null,
    byName: string | null,
    pages: number,
  ): Promise<number>;
  /** The actes online in a version (JSON), or null if not recorded. */
  versionActes(insee: string, version: string): Promise<string | null>;
  /** The actes online now (JSON), or null. */
  actesOnline(insee: string): Promise<string | null>;
  setActesOnline(insee: string, json: string): Promise<void>;
  addSchedule(s: {
    id: string;
    insee: string;
    pageId: string;
    at: number;
    createdBy: string | null;
  }): Promise<void>;
  schedules(insee: string): Promise<ScheduledPublication[]>;
  cancelSchedule(insee: string, id: string): Promise<boolean>;
  /** Communes with a pending schedule due at `now`. */
  dueCommunes(now: number): Promise<string[]>;
  dueSchedules(insee: string, at: number): Promise<DueSchedule[]>;
  /** Marks the commune's pending schedules due at `now` failed. */
  failDue(insee: string, now: number, message: string): Promise<void>;
  /** Whether a version's pages are recorded. */
  recorded(insee: string, version: string): Promise<boolean>;
  pageVersionIds(insee: string, version: string): Promise<number[]>;
  pageVersions(ids: readonly number[]): Promise<StoredRelease[]>;
  /** Records a publication; returns its event id and the ids of `added`, in order. */
  recordPublication(record: PublicationRecord): Promise<{ eventId: number; addedIds: number[] }>;
  /**
   * Deletes the commune's publishing rows (end of its agreement). On SQLite, CommuneData does
   * it with the rest of DATA_DIR, as before.
   */
  deleteCommune(insee: string): Promise<void>;
  /** Records the pages of an older version (migration); returns the ids of `added`. */
  recordReleases(
    insee: string,
    version: string,
    kept: ReadonlyArray<{ pageId: string; id: number }>,
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): Promise<number[]>;
}

/** Every table of the publishing state, and the page history (a commune's rows go together). */
export const PUBLISHING_TABLES = [
  'publications',
  'publication_events',
  'scheduled_publications',
  'published_actes',
  'version_actes',
  'page_versions',
  'site_version_pages',
  'site_versions_recorded',
  'page_snapshots',
] as const;

/** The page version as stored: status « published » (what was put online). */
export function publishedMeta(page: NewRelease): NewRelease['meta'] {
  return page.meta.status === 'published' ? page.meta : { ...page.meta, status: 'published' as const };
}

/** The embedded default: DATA_DIR's SQLite database, one node (the same statements as before). */
export class SqlitePublicationStore implements PublicationStore {
  readonly shared = false;
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  /** One node: the publisher's queue already runs a commune's jobs one at a time. */
  withCommuneLock<T>(_insee: string, job: (fence: () => Promise<void>) => Promise<T>): Promise<T> {
    return job(async () => undefined);
  }

  async lastEventId(insee: string): Promise<number | null> {
    const row = this.db
      .prepare('SELECT id FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT 1')
      .get(insee) as { id: number } | undefined;
    return row?.id ?? null;
  }

  async lastPublishedAt(insee: string): Promise<number | null> {
    const row = this.db
      .prepare('SELECT at AS publishedAt FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT 1')
      .get(insee) as { publishedAt: number } | undefined;
    if (row) return row.publishedAt;
    const legacy = this.db
      .prepare(
        'SELECT published_at AS publishedAt FROM publications WHERE insee = ? ORDER BY published_at DESC LIMIT 1',
      )
      .get(insee) as { publishedAt: number } | undefined;
    return legacy?.publishedAt ?? null;
  }

  async currentVersion(insee: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT version FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT 1')
      .get(insee) as { version: string } | undefined;
    if (row) return row.version;
    const legacy = this.db
      .prepare('SELECT version FROM publications WHERE insee = ? ORDER BY published_at DESC LIMIT 1')
      .get(insee) as { version: string } | undefined;
    return legacy?.version ?? null;
  }

  async events(insee: string, limit: number | null): Promise<PublicationEventRow[]> {
    return this.db
      .prepare(
        'SELECT id, version, at, by, by_name AS byName, pages, changed, rollback_of AS rollbackOf FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT ?',
      )
      .all(insee, limit ?? -1) as PublicationEventRow[];
  }

  async versionPages(insee: string, version: string): Promise<number | null> {
    const row = this.db
      .prepare(
        'SELECT pages FROM publication_events WHERE insee = ? AND version = ? ORDER BY id DESC LIMIT 1',
      )
      .get(insee, version) as { pages: number } | undefined;
    return row?.pages ?? null;
  }

  async versionPublishedAt(insee: string, version: string): Promise<number | null> {
    const row = this.db
      .prepare('SELECT MIN(at) AS at FROM publication_events WHERE insee = ? AND version = ?')
      .get(insee, version) as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  async recordRollback(
    insee: string,
    version: string,
    at: number,
    by: string | null,
    byName: string | null,
    pages: number,
  ): Promise<number> {
    const result = this.db
      .prepare(
        'INSERT INTO publication_events (insee, version, at, by, by_name, pages, changed, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(insee, version, at, by, byName, pages, '[]', version);
    return Number(result.lastInsertRowid);
  }

  async versionActes(insee: string, version: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT actes FROM version_actes WHERE insee = ? AND version = ?')
      .get(insee, version) as { actes: string } | undefined;
    return row?.actes ?? null;
  }

  async actesOnline(insee: string): Promise<string | null> {
    const row = this.db.prepare('SELECT actes FROM published_actes WHERE insee = ?').get(insee) as
      { actes: string } | undefined;
    return row?.actes ?? null;
  }

  async setActesOnline(insee: string, json: string): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO published_actes (insee, actes) VALUES (?, ?) ON CONFLICT (insee) DO UPDATE SET actes = excluded.actes',
      )
      .run(insee, json);
  }

  async addSchedule(s: {
    id: string;
    insee: string;
    pageId: string;
    at: number;
    createdBy: string | null;
  }): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO scheduled_publications (id, insee, page_id, at, created_by, state, message) VALUES (?, ?, ?, ?, ?, 'pending', NULL)",
      )
      .run(s.id, s.insee, s.pageId, s.at, s.createdBy);
  }

  async schedules(insee: string): Promise<ScheduledPublication[]> {
    return this.db
      .prepare(
        'SELECT id, page_id AS pageId, at, created_by AS createdBy, state, message FROM scheduled_publications WHERE insee = ? ORDER BY at, id',
      )
      .all(insee) as ScheduledPublication[];
  }

  async cancelSchedule(insee: string, id: string): Promise<boolean> {
    const result = this.db
      .prepare(
        "UPDATE scheduled_publications SET state = 'cancelled' WHERE insee = ? AND id = ? AND state = 'pending'",
      )
      .run(insee, id);
    return result.changes > 0;
  }

  async dueCommunes(now: number): Promise<string[]> {
    const db = this.db as SqliteDatabase & { open?: boolean };
    if (db.open === false) return [];
    return (
      db
        .prepare("SELECT DISTINCT insee FROM scheduled_publications WHERE state = 'pending' AND at <= ?")
        .all(now) as Array<{ insee: string }>
    ).map((r) => r.insee);
  }

  async dueSchedules(insee: string, at: number): Promise<DueSchedule[]> {
    return this.db
      .prepare(
        "SELECT id, page_id AS pageId FROM scheduled_publications WHERE insee = ? AND state = 'pending' AND at <= ?",
      )
      .all(insee, at) as DueSchedule[];
  }

  async failDue(insee: string, now: number, message: string): Promise<void> {
    this.db
      .prepare(
        "UPDATE scheduled_publications SET state = 'failed', message = ? WHERE insee = ? AND state = 'pending' AND at <= ?",
      )
      .run(message, insee, now);
  }

  async recorded(insee: string, version: string): Promise<boolean> {
    return (
      this.db
        .prepare('SELECT 1 FROM site_versions_recorded WHERE insee = ? AND version = ?')
        .get(insee, version) !== undefined
    );
  }

  async pageVersionIds(insee: string, version: string): Promise<number[]> {
    return (
      this.db
        .prepare(
          'SELECT page_version_id AS id FROM site_version_pages WHERE insee = ? AND version = ? ORDER BY page_id',
        )
        .all(insee, version) as Array<{ id: number }>
    ).map((r) => r.id);
  }

  async pageVersions(ids: readonly number[]): Promise<StoredRelease[]> {
    const read = this.db.prepare(
      `SELECT id, page_id AS pageId, meta, body, fingerprint, body_seq AS bodySeq,
              released_at AS releasedAt, released_by AS releasedBy
         FROM page_versions WHERE id = ?`,
    );
    const out: StoredRelease[] = [];
    for (const id of ids) {
      const row = read.get(id) as StoredRelease | undefined;
      if (row) out.push(row);
    }
    return out;
  }

  private releases(
    insee: string,
    version: string,
    kept: ReadonlyArray<{ pageId: string; id: number }>,
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): number[] {
    const insert = this.db.prepare(
      'INSERT INTO page_versions (insee, page_id, meta, body, fingerprint, body_seq, released_at, released_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const ids = added.map((page) =>
      Number(
        insert.run(
          insee,
          page.pageId,
          JSON.stringify(publishedMeta(page)),
          JSON.stringify(page.body),
          page.fingerprint,
          page.bodySeq,
          at,
          by,
        ).lastInsertRowid,
      ),
    );
    const all = [...kept.map((k) => [k.pageId, k.id]), ...added.map((page, i) => [page.pageId, ids[i]])];
    // One statement for the thousand pages of a site (one call each cost ~5 ms a publication).
    this.db
      .prepare(
        `INSERT OR REPLACE INTO site_version_pages (insee, version, page_id, page_version_id)
         SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
      )
      .run(insee, version, JSON.stringify(all));
    this.db
      .prepare('INSERT OR IGNORE INTO site_versions_recorded (insee, version) VALUES (?, ?)')
      .run(insee, version);
    return ids;
  }

  async deleteCommune(insee: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of PUBLISHING_TABLES)
        this.db.prepare(`DELETE FROM ${table} WHERE insee = ?`).run(insee);
    })();
  }

  async recordReleases(
    insee: string,
    version: string,
    kept: ReadonlyArray<{ pageId: string; id: number }>,
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): Promise<number[]> {
    return this.db.transaction(() => this.releases(insee, version, kept, added, at, by))();
  }

  async recordPublication(r: PublicationRecord): Promise<{ eventId: number; addedIds: number[] }> {
    const db = this.db;
    return db.transaction(() => {
      db.prepare(
        'INSERT INTO publications (insee, version, published_at, pages, published_by) VALUES (?, ?, ?, ?, ?)',
      ).run(r.insee, r.version, r.at, r.pages, r.by);
      const eventId = Number(
        db
          .prepare(
            'INSERT INTO publication_events (insee, version, at, by, by_name, pages, changed, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
          )
          .run(r.insee, r.version, r.at, r.by, r.byName, r.pages, r.changed).lastInsertRowid,
      );
      for (const s of r.settle)
        if (s.failed === null)
          db.prepare(
            "UPDATE scheduled_publications SET state = 'done' WHERE id = ? AND state = 'pending'",
          ).run(s.id);
        else
          db.prepare(
            "UPDATE scheduled_publications SET state = 'failed', message = ? WHERE id = ? AND state = 'pending'",
          ).run(s.failed, s.id);
      const addedIds = this.releases(r.insee, r.version, r.kept, r.added, r.at, r.releasedBy);
      db.prepare('INSERT OR REPLACE INTO version_actes (insee, version, actes) VALUES (?, ?, ?)').run(
        r.insee,
        r.version,
        r.actes,
      );
      return { eventId, addedIds };
    })();
  }
}
