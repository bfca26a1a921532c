/**
 * Answers `/sites/{slug}/recherche/?q=…` (site/SPEC.md [SEARCH-1]–[SEARCH-8]) from the index
 * and template of the version online. Indexes are loaded when first asked for and kept in an
 * LRU bounded in size (92 communes, one version each at most); the key is the version
 * directory, so a new publication or a rollback reads the other version's index. Each
 * address has a token bucket. Nothing of the query is ever logged: the logs name the site,
 * never the words searched, and never together with the address.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import LRUCache from 'lru-cache';
import { SEARCH_TEMPLATE_FILE } from '../../../site/searchTemplate';
import type { Logger } from '../../observability/Logger';
import { type RateLimit, RateLimiter } from '../../sync/RateLimiter';
import { parseQuery } from './normalize';
import { emptyQueryPage, MAX_RESULT_PAGES, RESULTS_PER_PAGE, resultsPage, tooManyPage } from './resultsPage';
import {
  LEGACY_SEARCH_INDEX_FILE,
  type LoadedIndex,
  loadIndex,
  searchIndex,
  SHARD_FILES,
} from './searchIndex';

/** 20 searches at once, then one every two seconds, per address. */
export const DEFAULT_SEARCH_RATE: RateLimit = { ratePerSecond: 0.5, burst: 20 };
/** Characters of index JSON kept in memory across sites (≈ 3× in parsed objects). */
export const DEFAULT_MAX_INDEX_CHARS = 48 * 1024 * 1024;
/** An index file larger than this is not loaded (the search answers as if empty). */
const MAX_INDEX_FILE_BYTES = 32 * 1024 * 1024;

export interface SiteSearchOptions {
  logger: Logger;
  rate?: RateLimit;
  maxIndexChars?: number;
  now?: () => number;
}

interface LoadedVersion {
  index: LoadedIndex;
  template: string;
  chars: number;
}

export interface SearchAnswer {
  status: number;
  html: string;
  headers: Record<string, string>;
}

export class SiteSearch {
  private readonly logger: Logger;
  private readonly limiter: RateLimiter;
  private readonly cache: LRUCache<string, LoadedVersion>;
  private readonly loading = new Map<string, Promise<LoadedVersion | null>>();

  constructor(options: SiteSearchOptions) {
    this.logger = options.logger;
    this.limiter = new RateLimiter(options.rate ?? DEFAULT_SEARCH_RATE, options.now);
    this.cache = new LRUCache<string, LoadedVersion>({
      maxSize: options.maxIndexChars ?? DEFAULT_MAX_INDEX_CHARS,
      sizeCalculation: (v) => Math.max(1, v.chars),
    });
  }

  /** Versions whose index is in memory (for tests and metrics). */
  get loadedCount(): number {
    return this.cache.size;
  }

  /**
   * The answer for a query to the version in `versionDir` (its real path), or null when the
   * version has no search (published before it existed): the caller answers 404.
   */
  async answer(versionDir: string, params: URLSearchParams, address: string): Promise<SearchAnswer | null> {
    const version = await this.version(versionDir);
    if (!version) return null;
    const html = { 'Cache-Control': 'no-store' };
    if (!this.limiter.take(address))
      return { status: 429, html: tooManyPage(version.template), headers: { ...html, 'Retry-After': '60' } };
    const raw = params.get('q') ?? '';
    if (raw.trim() === '') return { status: 200, html: emptyQueryPage(version.template), headers: html };
    const query = parseQuery(raw);
    const asked = Number.parseInt(params.get('page') ?? '1', 10);
    const page = Number.isFinite(asked) ? Math.min(MAX_RESULT_PAGES, Math.max(1, asked)) : 1;
    const result = searchIndex(version.index, query.terms, (page - 1) * RESULTS_PER_PAGE, RESULTS_PER_PAGE);
    return { status: 200, html: resultsPage(version.template, query, result, page), headers: html };
  }

  private async version(dir: string): Promise<LoadedVersion | null> {
    const cached = this.cache.get(dir);
    if (cached) return cached;
    let pending = this.loading.get(dir);
    if (!pending) {
      pending = this.load(dir).finally(() => this.loading.delete(dir));
      this.loading.set(dir, pending);
    }
    return pending;
  }

  private async load(dir: string): Promise<LoadedVersion | null> {
    const started = performance.now();
    let template: string;
    try {
      template = await fs.readFile(path.join(dir, SEARCH_TEMPLATE_FILE), 'utf8');
    } catch {
      return null;
    }
    const files = await this.readIndexFiles(dir);
    const chars = files.reduce((sum, json) => sum + json.length, template.length);
    const loaded: LoadedVersion = { index: loadIndex(files), template, chars };
    this.cache.set(dir, loaded);
    this.logger.log('info', 'search.index_loaded', {
      version: path.basename(dir),
      documents: loaded.index.documents.length,
      ms: Math.round(performance.now() - started),
    });
    return loaded;
  }

  /**
   * The index files of a version: its shards, or the single file of a version published before
   * them; all together at most MAX_INDEX_FILE_BYTES (else none: an empty index, logged).
   */
  private async readIndexFiles(dir: string): Promise<string[]> {
    const version = path.basename(dir);
    try {
      const present: string[] = [];
      let bytes = 0;
      for (const rel of SHARD_FILES) {
        const size = await fs.stat(path.join(dir, rel)).then(
          (st) => st.size,
          () => null,
        );
        if (size === null) continue;
        present.push(rel);
        bytes += size;
      }
      if (present.length === 0) {
        present.push(LEGACY_SEARCH_INDEX_FILE);
        bytes = (await fs.stat(path.join(dir, LEGACY_SEARCH_INDEX_FILE))).size;
      }
      if (bytes > MAX_INDEX_FILE_BYTES) {
        this.logger.log('warn', 'search.index_too_large', { version });
        return [];
      }
      return await Promise.all(present.map((rel) => fs.readFile(path.join(dir, rel), 'utf8')));
    } catch (error) {
      this.logger.log('warn', 'search.index_unreadable', { version, error });
      return [];
    }
  }
}

/** `/recherche/` of a site (after its `/sites/{slug}`); `/recherche` is redirected to it. */
export const SEARCH_ROUTE = '/recherche/';
