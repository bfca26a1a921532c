/**
 * The search index of a published version (site/SPEC.md [SEARCH-3], [SEARCH-4]): a JSON file
 * `.recherche/index.json` written into the version directory, so a rollback brings back the
 * index of that version. Built at each publication from cached per-page entries: only the
 * pages whose metadata, body or address changed are read again.
 */
import type { PageMeta } from '../../site/siteDoc';
import { type SearchDocument, toSearchDocument } from './searchDocument';

/** Where a version keeps its index and its results-page template (never served as files). */
export const SEARCH_INDEX_FILE = '.recherche/index.json';
const FORMAT = 1;

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
}

/** Per commune, the JSON of each page's document, kept between publications. */
export class SearchIndexBuilder {
  private readonly communes = new Map<string, Map<string, CachedEntry>>();

  /** The index file's content; `reindexed` counts the pages read again. */
  build(insee: string, pages: readonly IndexedPage[]): { json: string; reindexed: number } {
    const previous = this.communes.get(insee) ?? new Map<string, CachedEntry>();
    const next = new Map<string, CachedEntry>();
    let reindexed = 0;
    for (const { meta, body, path } of pages) {
      const cached = previous.get(meta.id);
      const same = cached !== undefined && cached.body === body && cached.path === path;
      // The same object as last time: not serialised again (a thousand pages cost ~10 ms).
      if (same && cached.meta === meta) {
        next.set(meta.id, cached);
        continue;
      }
      const metaKey = JSON.stringify(meta);
      if (same && cached.metaKey === metaKey) {
        next.set(meta.id, { ...cached, meta });
        continue;
      }
      reindexed++;
      next.set(meta.id, {
        meta,
        metaKey,
        body,
        path,
        json: JSON.stringify(toSearchDocument(meta, body, path)),
      });
    }
    this.communes.set(insee, next);
    const documents = [...next.values()].map((e) => e.json);
    return { json: `{"format":${FORMAT},"documents":[${documents.join(',')}]}`, reindexed };
  }
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

/** Reads an index file; malformed documents are left out, a malformed file is an empty index. */
export function loadIndex(json: string): LoadedIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = null;
  }
  const raw = (parsed as { documents?: unknown } | null)?.documents;
  const documents = Array.isArray(raw) ? raw.filter(isDocument) : [];
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
