/**
 * What each page looks like on the public site ([PUBL-9]): a page is rendered from the
 * fields and body it had when it was put online (« Mettre en ligne »), never from its live
 * document. Tables:
 *   page_versions       one row per page put online: its fields (PageMeta) and body (editor
 *                       state JSON) as they were, the fingerprint and store sequence number of
 *                       the body doc then (to tell « modifiée depuis »). Immutable.
 *   site_version_pages  which page version each published site version holds, so a rollback
 *                       brings back the pages of that version and the statuses stay true.
 *   site_versions_recorded  the site versions whose pages are recorded (older versions,
 *                       published before this model, are not: see Publisher's migration).
 */
import type { SerializedEditorState } from 'lexical';
import type { PageMeta } from '../../site/siteDoc';
import type { SqliteDatabase } from '../storage/database';

/** One page as it is online. */
export interface PageRelease {
  /** page_versions.id */
  id: number;
  pageId: string;
  meta: PageMeta;
  body: SerializedEditorState;
  fingerprint: string;
  /** Store sequence number of the body doc when it was read; null if unknown (migration). */
  bodySeq: number | null;
  releasedAt: number;
  releasedBy: string | null;
}

export type NewRelease = Omit<PageRelease, 'id' | 'releasedAt' | 'releasedBy'>;

/**
 * Keys already made, per metadata object: the releases online are immutable objects compared
 * at every publication (a thousand keys cost ~3 ms).
 */
const metaKeys = new WeakMap<PageMeta, string>();

/** The fields that make a page's public form (status and edit stamps excluded). */
export function metaKey(meta: PageMeta): string {
  let key = metaKeys.get(meta);
  if (key === undefined) metaKeys.set(meta, (key = makeMetaKey(meta)));
  return key;
}

function makeMetaKey(meta: PageMeta): string {
  const fields = (meta.fields ?? {}) as Record<string, unknown>;
  return JSON.stringify([
    meta.type,
    meta.title,
    meta.slug,
    meta.parentId,
    meta.order,
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
    [...(meta.bodyMedia ?? [])].sort(),
  ]);
}

export class PageReleases {
  private readonly db: SqliteDatabase;
  /** page_versions.id → parsed row: the same body object each time (render cache). */
  private readonly parsed = new Map<number, PageRelease>();

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  /** The site version online now (latest publication or rollback), or null: never published. */
  currentVersion(insee: string): string | null {
    const row = this.db
      .prepare('SELECT version FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT 1')
      .get(insee) as { version: string } | undefined;
    if (row) return row.version;
    const legacy = this.db
      .prepare('SELECT version FROM publications WHERE insee = ? ORDER BY published_at DESC LIMIT 1')
      .get(insee) as { version: string } | undefined;
    return legacy?.version ?? null;
  }

  recorded(insee: string, version: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM site_versions_recorded WHERE insee = ? AND version = ?')
        .get(insee, version) !== undefined
    );
  }

  /** The pages of a recorded site version. */
  pagesOf(insee: string, version: string): PageRelease[] {
    // Ids first: the fields and body (about 1 KB a page) are read and parsed once per page
    // version, then kept (a republish of 1,000 pages saved ~5 ms).
    const ids = this.db
      .prepare('SELECT page_version_id AS id FROM site_version_pages WHERE insee = ? AND version = ?')
      .all(insee, version) as Array<{ id: number }>;
    const read = this.db.prepare(
      `SELECT id, page_id AS pageId, meta, body, fingerprint, body_seq AS bodySeq,
              released_at AS releasedAt, released_by AS releasedBy
         FROM page_versions WHERE id = ?`,
    );
    const out: PageRelease[] = [];
    for (const { id } of ids) {
      const known = this.parsed.get(id);
      if (known) {
        out.push(known);
        continue;
      }
      const row = read.get(id) as
        (Omit<PageRelease, 'meta' | 'body'> & { meta: string; body: string }) | undefined;
      if (!row) continue; // as the join did: a link to no page version holds no page
      const release: PageRelease = {
        ...row,
        meta: JSON.parse(row.meta) as PageMeta,
        body: JSON.parse(row.body) as SerializedEditorState,
      };
      this.parsed.set(id, release);
      out.push(release);
    }
    return out;
  }

  /**
   * Records a site version's pages: `kept` as they were, `added` as new page versions.
   * Call inside the transaction that records the publication.
   */
  record(
    insee: string,
    version: string,
    kept: readonly PageRelease[],
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): PageRelease[] {
    const insert = this.db.prepare(
      'INSERT INTO page_versions (insee, page_id, meta, body, fingerprint, body_seq, released_at, released_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const all: PageRelease[] = [...kept];
    for (const page of added) {
      const meta =
        page.meta.status === 'published' ? page.meta : { ...page.meta, status: 'published' as const };
      const id = Number(
        insert.run(
          insee,
          page.pageId,
          JSON.stringify(meta),
          JSON.stringify(page.body),
          page.fingerprint,
          page.bodySeq,
          at,
          by,
        ).lastInsertRowid,
      );
      const release: PageRelease = { ...page, meta, id, releasedAt: at, releasedBy: by };
      this.parsed.set(id, release);
      all.push(release);
    }
    // One statement for the thousand pages of a site (one call each cost ~5 ms a publication).
    this.db
      .prepare(
        `INSERT OR REPLACE INTO site_version_pages (insee, version, page_id, page_version_id)
         SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
      )
      .run(insee, version, JSON.stringify(all.map((page) => [page.pageId, page.id])));
    this.db
      .prepare('INSERT OR IGNORE INTO site_versions_recorded (insee, version) VALUES (?, ?)')
      .run(insee, version);
    return all;
  }
}
