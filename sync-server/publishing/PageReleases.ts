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
import { publishedMeta, type PublicationStore } from './PublicationStore';

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

/**
 * The fields that make a page's public form (status and edit stamps excluded; `bodyMedia`
 * too: the editor's index of the body's media, derived from the body — which the release's
 * fingerprint covers — and written a second after it, often after « Mettre en ligne »).
 */
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
  ]);
}

export class PageReleases {
  private readonly store: PublicationStore;
  /** page_versions.id → parsed row: the same body object each time (render cache). */
  private readonly parsed = new Map<number, PageRelease>();

  constructor(store: PublicationStore) {
    this.store = store;
  }

  /** The site version online now (latest publication or rollback), or null: never published. */
  currentVersion(insee: string): Promise<string | null> {
    return this.store.currentVersion(insee);
  }

  recorded(insee: string, version: string): Promise<boolean> {
    return this.store.recorded(insee, version);
  }

  /** The pages of a recorded site version. */
  async pagesOf(insee: string, version: string): Promise<PageRelease[]> {
    // Ids first: the fields and body (about 1 KB a page) are read and parsed once per page
    // version, then kept (a republish of 1,000 pages saved ~5 ms).
    const ids = await this.store.pageVersionIds(insee, version);
    const unknown = ids.filter((id) => !this.parsed.has(id));
    for (const row of await this.store.pageVersions(unknown)) {
      this.parsed.set(row.id, {
        ...row,
        meta: JSON.parse(row.meta) as PageMeta,
        body: JSON.parse(row.body) as SerializedEditorState,
      });
    }
    const out: PageRelease[] = [];
    for (const id of ids) {
      const known = this.parsed.get(id);
      if (known) out.push(known); // as the join did: a link to no page version holds no page
    }
    return out;
  }

  /**
   * The releases of a site version being recorded: `kept` as they were, `added` with the ids
   * the store gave them.
   */
  made(
    kept: readonly PageRelease[],
    added: readonly NewRelease[],
    ids: readonly number[],
    at: number,
    by: string | null,
  ): PageRelease[] {
    const all: PageRelease[] = [...kept];
    added.forEach((page, i) => {
      const id = ids[i]!;
      const release: PageRelease = { ...page, meta: publishedMeta(page), id, releasedAt: at, releasedBy: by };
      this.parsed.set(id, release);
      all.push(release);
    });
    return all;
  }

  /** Records an older site version's pages (migration), in one transaction. */
  async record(
    insee: string,
    version: string,
    kept: readonly PageRelease[],
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): Promise<PageRelease[]> {
    const ids = await this.store.recordReleases(insee, version, kept, added, at, by);
    return this.made(kept, added, ids, at, by);
  }
}
