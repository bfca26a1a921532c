/**
 * The search index of a published version (site/SPEC.md [SEARCH-3], [SEARCH-4]): JSON files
 * `.recherche/index-NN.json` written into the version directory, so a rollback brings back the
 * index of that version. Built at each publication from cached per-page entries: only the
 * pages whose metadata, body or address changed are read again, and only the shards holding
 * them are written again — the others are the same strings, hard-linked by the publisher
 * (one 1.4 MB file for 1,000 pages cost ~20 ms at every republish).
 */
import { cyrb53 } from '../../../site/renderSite';
import type { PageMeta } from '../../../site/siteDoc';
import { type SearchDocument, toSearchDocument } from './searchDocument';

/** Where a version keeps its index shards and its results-page template (never served). */
export const SEARCH_INDEX_DIR = '.recherche';
/** The single index file of versions published before the shards (still read). */
export const LEGACY_SEARCH_INDEX_FILE = '.recherche/index.json';
export const SEARCH_INDEX_SHARDS = 32;
const FORMAT = 1;

export function shardFile(shard: number): string {
  return `${SEARCH_INDEX_DIR}/index-${String(shard).padStart(2, '0')}.json`;
}

/** The shard files a version may hold, in order. */
export const SHARD_FILES: readonly string[] = Array.from({ length: SEARCH_INDEX_SHARDS }, (_, i) =>
  shardFile(i),
);

const shardOf = (pageId: string) => cyrb53(pageId) % SEARCH_INDEX_SHARDS;

export interface IndexedPage {
  meta: PageMeta;
  body: unknown;
  path: string;
}

interface CachedEntry {
  /** The metadata object indexed: pages online are immutable objects (PageReleases). */
  meta: PageMeta;
  metaKey: string;
  body: unknown;
  path: string;
  json: string;
  shard: number;
}

interface CommuneIndex {
  entries: Map<string, CachedEntry>;
  /** The JSON of each shard, as last written. */
  shards: string[];
}

/** Per commune, the JSON of each page's document and of each shard, kept between publications. */
export class SearchIndexBuilder {
  private readonly communes = new Map<string, CommuneIndex>();

  /**
   * The index files (shard path → content; a shard with no change is the same string as last
   * time); `reindexed` counts the pages read again.
   */
  build(insee: string, pages: readonly IndexedPage[]): { files: Map<string, string>; reindexed: number } {
    const previous = this.communes.get(insee);
    const next = new Map<string, CachedEntry>();
    const dirty = new Set<number>(previous ? [] : SHARD_FILES.keys());
    let reindexed = 0;
    for (const page of pages) {
      const cached = previous?.entries.get(page.meta.id);
      const { entry, read } = entryOf(page, cached);
      if (read) reindexed++;
      if (entry.json !== cached?.json) dirty.add(shardOf(page.meta.id));
      next.set(page.meta.id, entry);
    }
    for (const id of previous?.entries.keys() ?? []) if (!next.has(id)) dirty.add(shardOf(id));
    const shards = previous ? [...previous.shards] : new Array<string>(SEARCH_INDEX_SHARDS).fill('');
    const parts = new Map<number, string[]>([...dirty].map((shard) => [shard, []]));
    if (parts.size > 0) for (const entry of next.values()) parts.get(entry.shard)?.push(entry.json);
    for (const [shard, documents] of parts)
      shards[shard] = `{"format":${FORMAT},"documents":[${documents.join(',')}]}`;
    this.communes.set(insee, { entries: next, shards });
    return { files: new Map(shards.map((json, i) => [shardFile(i), json])), reindexed };
  }
}

/** The cached entry when the page is the same, else a new one (`read`: its page was read). */
function entryOf(
  { meta, body, path }: IndexedPage,
  cached: CachedEntry | undefined,
): { entry: CachedEntry; read: boolean } {
  const same = cached !== undefined && cached.body === body && cached.path === path;
  // The same object as last time: not serialised again (a thousand pages cost ~10 ms).
  if (same && cached.meta === meta) return { entry: cached, read: false };
  const metaKey = JSON.stringify(meta);
  if (same && cached.metaKey === metaKey) return { entry: { ...cached, meta }, read: false };
  const json = JSON.stringify(toSearchDocument(meta, body, path));
  return { entry: { meta, metaKey, body, path, json, shard: shardOf(meta.id) }, read: true };
}

/** An index loaded for queries: documents and, per term, the documents holding it. */
export interface LoadedIndex {
  documents: SearchDocument[];
  postings: Map<string, Array<{ doc: number; weight: number }>>;
}

function isDocument(value: unknown): value is SearchDocument {
  const d = value as SearchDocument;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.path === 'string' &&
    typeof d.title === 'string' &&
    typeof d.type === 'string' &&
    typeof d.date === 'string' &&
    typeof d.text === 'string' &&
    typeof d.terms === 'object' &&
    d.terms !== null
  );
}

/**
 * Reads an index from its files (the shards, or a legacy single file); malformed documents are
 * left out, a malformed file holds none.
 */
export function loadIndex(files: string | readonly string[]): LoadedIndex {
  const documents: SearchDocument[] = [];
  for (const json of typeof files === 'string' ? [files] : files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = null;
    }
    const raw = (parsed as { documents?: unknown } | null)?.documents;
    if (Array.isArray(raw)) for (const d of raw) if (isDocument(d)) documents.push(d);
  }
  const postings = new Map<string, Array<{ doc: number; weight: number }>>();
  documents.forEach((d, doc) => {
    for (const [term, weight] of Object.entries(d.terms)) {
      if (typeof weight !== 'number' || !(weight > 0)) continue;
      const list = postings.get(term);
      if (list) list.push({ doc, weight });
      else postings.set(term, [{ doc, weight }]);
    }
  });
  return { documents, postings };
}

const FRENCH = new Intl.Collator('fr');

export interface SearchHit {
  document: SearchDocument;
  score: number;
}

/**
 * Documents holding every term, best first (sum of weights, then the most recent); `offset`
 * and `limit` give one page of results.
 */
export function searchIndex(
  index: LoadedIndex,
  terms: readonly string[],
  offset: number,
  limit: number,
): { total: number; hits: SearchHit[] } {
  if (terms.length === 0) return { total: 0, hits: [] };
  const lists = terms.map((t) => index.postings.get(t) ?? []);
  if (lists.some((l) => l.length === 0)) return { total: 0, hits: [] };
  lists.sort((a, b) => a.length - b.length);
  const scores = new Map<number, number>();
  for (const { doc, weight } of lists[0]!) scores.set(doc, weight);
  for (const list of lists.slice(1)) {
    const here = new Map(list.map((p) => [p.doc, p.weight]));
    for (const [doc, score] of scores) {
      const w = here.get(doc);
      if (w === undefined) scores.delete(doc);
      else scores.set(doc, score + w);
    }
  }
  const ranked = [...scores]
    .map(([doc, score]) => ({ document: index.documents[doc]!, score }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.document.date.localeCompare(a.document.date) ||
        FRENCH.compare(a.document.title, b.document.title),
    );
  return { total: ranked.length, hits: ranked.slice(offset, offset + limit) };
}
