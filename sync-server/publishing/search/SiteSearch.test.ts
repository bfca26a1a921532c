// The search route's memory and pages (site/SPEC.md [SEARCH-4], [SEARCH-5]): indexes loaded
// lazily from real version folders, an LRU bounded in characters, pagination.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSite } from '../../../site/renderSite';
import { sampleSnapshot } from '../../../site/sampleSite';
import { SEARCH_TEMPLATE_FILE } from '../../../site/searchTemplate';
import type { PageMeta } from '../../../site/siteDoc';
import { testLogger } from '../../app/testHarness';
import { LEGACY_SEARCH_INDEX_FILE, SearchIndexBuilder } from './searchIndex';
import { SiteSearch } from './SiteSearch';

const root = mkdtempSync(path.join(tmpdir(), 'usine-search-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const template = renderSite({ ...sampleSnapshot('body{}'), searchAvailable: true }).files.get(
  SEARCH_TEMPLATE_FILE,
)!;

/** A version folder holding `count` pages titled « <word> n ». */
function version(name: string, word: string, count: number): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, '.recherche'), { recursive: true });
  const pages = Array.from({ length: count }, (_, i) => ({
    meta: {
      id: `${name}-${i}`,
      type: 'page',
      title: `${word} ${i + 1}`,
      slug: `p${i}`,
      parentId: null,
      order: 'a0',
      status: 'published',
      fields: {},
      createdAt: 0,
      updatedAt: Date.UTC(2026, 0, 1 + i),
      updatedBy: 't',
    } as PageMeta,
    body: { root: { children: [{ children: [{ text: `Texte sur ${word}.` }] }] } },
    path: `p${i}/index.html`,
  }));
  for (const [file, json] of new SearchIndexBuilder().build(name, pages).files)
    writeFileSync(path.join(dir, file), json);
  writeFileSync(path.join(dir, SEARCH_TEMPLATE_FILE), template);
  return dir;
}

const q = (text: string, page?: number) =>
  new URLSearchParams(page ? { q: text, page: String(page) } : { q: text });

describe('SiteSearch', () => {
  it('[SEARCH-4] indexes are loaded when searched, one per version, in an LRU bounded in size', async () => {
    const a = version('a', 'piscine', 30);
    const b = version('b', 'marché', 30);
    // Room for one version's index and template, not two.
    const one =
      readdirSync(path.join(a, '.recherche'))
        .filter((f) => f.startsWith('index-'))
        .reduce((sum, f) => sum + readFileSync(path.join(a, '.recherche', f), 'utf8').length, 0) +
      template.length;
    const search = new SiteSearch({ logger: testLogger, maxIndexChars: Math.round(one * 1.5) });
    expect(search.loadedCount).toBe(0);
    expect((await search.answer(a, q('piscine'), 'x'))!.html).toContain('30 pages trouvées');
    expect(search.loadedCount).toBe(1);
    // b's index does not hold a's words, and both do not fit: a is dropped.
    expect((await search.answer(b, q('piscine'), 'x'))!.html).toContain('Aucun résultat');
    expect(search.loadedCount).toBe(1);
    expect((await search.answer(a, q('piscines'), 'x'))!.html).toContain('30 pages trouvées');
    // A version without search (published before it existed) answers null: the route is a 404.
    const old = path.join(root, 'old');
    mkdirSync(old);
    expect(await search.answer(old, q('piscine'), 'x')).toBeNull();
  });

  it('[SEARCH-3] a version published before the shards (one index file) is still searched after a rollback', async () => {
    const dir = version('legacy', 'lavoir', 3);
    const shards = readdirSync(path.join(dir, '.recherche')).filter((f) => f.startsWith('index-'));
    const documents = shards.flatMap(
      (f) =>
        (JSON.parse(readFileSync(path.join(dir, '.recherche', f), 'utf8')) as { documents: unknown[] })
          .documents,
    );
    for (const f of shards) rmSync(path.join(dir, '.recherche', f));
    writeFileSync(path.join(dir, LEGACY_SEARCH_INDEX_FILE), JSON.stringify({ format: 1, documents }));
    const search = new SiteSearch({ logger: testLogger });
    expect((await search.answer(dir, q('lavoirs'), 'x'))!.html).toContain('3 pages trouvées');
  });

  it('[SEARCH-5][SEARCH-6] ten results per page, numbered pages, the page clamped to the results', async () => {
    const dir = version('c', 'jardin', 25);
    const search = new SiteSearch({ logger: testLogger });
    const first = (await search.answer(dir, q('jardins'), 'x'))!.html;
    expect(first.match(/<li><h2>/g)).toHaveLength(10);
    expect(first).toContain('25 pages trouvées pour « jardins » (page 1 sur 3)');
    expect(first).toContain('<a href="./?q=jardins&amp;page=2">2</a>');
    expect(first).toContain('<a href="./?q=jardins&amp;page=2">Page suivante</a>');
    const third = (await search.answer(dir, q('jardins', 3), 'x'))!.html;
    expect(third.match(/<li><h2>/g)).toHaveLength(5);
    expect(third).toContain('<a href="./?q=jardins&amp;page=3" aria-current="page">3</a>');
    const beyond = (await search.answer(dir, q('jardins', 9), 'x'))!.html;
    expect(beyond).toContain('Cette page de résultats n’existe pas');
  });
});
