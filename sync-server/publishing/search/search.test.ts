// Search, pure parts (site/SPEC.md [SEARCH-*]): normalisation and stemming, page documents,
// the incremental index, queries, excerpts and the results page. No I/O.
import { describe, expect, it } from 'vitest';
import { sampleSnapshot } from '../../../site/sampleSite';
import { SEARCH_TEMPLATE_FILE, withoutSearchForms } from '../../../site/searchTemplate';
import type { PageMeta } from '../../../site/siteDoc';
import { excerpt, markTerms } from './excerpt';
import { foldText, MAX_QUERY_CHARS, MAX_QUERY_TERMS, parseQuery, termOf } from './normalize';
import { emptyQueryPage, resultsPage, tooManyPage } from './resultsPage';
import { bodyText, toSearchDocument } from './searchDocument';
import { cyrb53, renderSite } from '../../../site/renderSite';
import { loadIndex, SEARCH_INDEX_SHARDS, SearchIndexBuilder, searchIndex, shardFile } from './searchIndex';

/** Every shard of a built index, in order. */
const all = (built: { files: Map<string, string> }) => [...built.files.values()];

function meta(
  id: string,
  title: string,
  fields: Record<string, unknown> = {},
  type: PageMeta['type'] = 'page',
): PageMeta {
  return {
    id,
    type,
    title,
    slug: id,
    parentId: null,
    order: 'a0',
    status: 'published',
    fields,
    createdAt: 0,
    updatedAt: Date.UTC(2026, 5, 1),
    updatedBy: 'test',
  };
}

function body(...paragraphs: string[]): unknown {
  return {
    root: {
      type: 'root',
      children: paragraphs.map((text) => ({ type: 'paragraph', children: [{ type: 'text', text }] })),
    },
  };
}

describe('normalisation', () => {
  it('[SEARCH-2] accents, case and French plurals give one term', () => {
    expect(foldText('Œuvre ÉTÉ Fêtes')).toBe('oeuvre ete fetes');
    const fete = termOf('fête');
    expect(fete).not.toBeNull();
    for (const w of ['fêtes', 'Fete', 'FETES', 'fête']) expect(termOf(w)).toBe(fete);
    expect(termOf('écoles')).toBe(termOf('ecole'));
    expect(termOf('délibérations')).toBe(termOf('deliberation'));
    expect(termOf('travaux')).toBe(termOf('travaux'));
    expect(termOf('village')).not.toBe(termOf('ville'));
    for (const w of ['du', 'les', 'de', 'l', 'x']) expect(termOf(w)).toBeNull();
    expect(termOf('2026')).toBe('2026');
  });

  it('[SEARCH-6] a query is cut at 200 characters and 8 distinct terms', () => {
    const long = parseQuery('fête '.repeat(2_000));
    expect(long.cut).toBe(true);
    expect(long.text.length).toBeLessThanOrEqual(MAX_QUERY_CHARS);
    expect(long.terms).toEqual([termOf('fête')]);
    const many = parseQuery(Array.from({ length: 1_000 }, (_, i) => `mot${i}`).join(' '));
    expect(many.terms).toHaveLength(MAX_QUERY_TERMS);
    expect(many.dropped).toBe(true);
    const fine = parseQuery('  fête   du village ');
    expect(fine).toEqual({
      text: 'fête du village',
      terms: [termOf('fête'), termOf('village')],
      cut: false,
      dropped: false,
    });
  });
});

describe('documents and index', () => {
  it('[SEARCH-3] a document holds the title, the fields and the body, never hashes nor links', () => {
    const doc = toSearchDocument(
      meta(
        'fete',
        'Fête du village',
        {
          date: '2026-07-14',
          summary: 'Bal et feu d’artifice',
          image: 'ab'.repeat(32),
          link: 'https://exemple.fr/secret',
        },
        'actualite',
      ),
      body('Rendez-vous sur la place des Platanes.'),
      'fete/index.html',
    );
    expect(doc).toMatchObject({
      path: 'fete/index.html',
      title: 'Fête du village',
      type: 'Actualité',
      date: '2026-07-14',
    });
    expect(doc.text).toContain('Bal et feu d’artifice');
    expect(doc.text).toContain('place des Platanes');
    expect(doc.text).not.toContain('ab'.repeat(32));
    expect(doc.text).not.toContain('exemple.fr');
    expect(doc.terms[termOf('fête')!]).toBe(8);
    expect(doc.terms[termOf('platanes')!]).toBe(1);
    expect(doc.terms[termOf('artifice')!]).toBe(2);
    expect(
      bodyText({ root: { children: [{ children: [{ text: 'a' }] }, { children: [{ text: 'b' }] }] } }),
    ).toBe('a b');
  });

  it('[SEARCH-5] a summary the body already holds is not shown twice in the excerpt, and still counts', () => {
    const text = 'Le samedi 14 juillet, bal et feu d’artifice sur la place des Platanes.';
    const doc = toSearchDocument(
      meta('fete', 'Fête du village', { summary: text.slice(0, 40) }, 'actualite'),
      body(text),
      'fete/index.html',
    );
    expect(doc.text).toBe(text);
    expect(doc.terms[termOf('samedi')!]).toBe(3);
  });

  it('[SEARCH-3] the index is rebuilt incrementally: only changed pages are read again', () => {
    const builder = new SearchIndexBuilder();
    const bodyA = body('Texte A');
    const bodyB = body('Texte B');
    const a = meta('a', 'Page A');
    const first = builder.build('13001', [
      { meta: a, body: bodyA, path: 'a/index.html' },
      { meta: meta('b', 'Page B'), body: bodyB, path: 'b/index.html' },
    ]);
    expect(first.reindexed).toBe(2);
    const same = builder.build('13001', [
      { meta: { ...a }, body: bodyA, path: 'a/index.html' },
      { meta: meta('b', 'Page B'), body: bodyB, path: 'b/index.html' },
    ]);
    expect(same.reindexed).toBe(0);
    expect(same.files).toEqual(first.files);
    const renamed = builder.build('13001', [
      { meta: a, body: bodyA, path: 'a/index.html' },
      { meta: meta('b', 'Page B renommée'), body: bodyB, path: 'b/index.html' },
    ]);
    expect(renamed.reindexed).toBe(1);
    expect(all(renamed).join('')).toContain('Page B renommée');
    // Only the shard holding « b » is new; every other one is the very same string.
    const changed = [...renamed.files].filter(([file, json]) => first.files.get(file) !== json);
    expect(changed.map(([file]) => file)).toEqual([shardFile(cyrb53('b') % SEARCH_INDEX_SHARDS)]);
    expect(renamed.files.size).toBe(SEARCH_INDEX_SHARDS);
    // The very same objects again (pages online are immutable objects): nothing read again.
    expect(
      builder.build('13001', [
        { meta: a, body: bodyA, path: 'a/index.html' },
        { meta: meta('b', 'Page B renommée'), body: bodyB, path: 'b/index.html' },
      ]),
    ).toEqual({ files: renamed.files, reindexed: 0 });
    // Another commune has its own cache.
    expect(builder.build('13002', [{ meta: a, body: bodyA, path: 'a/index.html' }]).reindexed).toBe(1);
    const removed = builder.build('13001', [{ meta: a, body: body('Texte A changé'), path: 'a/index.html' }]);
    expect(removed.reindexed).toBe(1);
    expect(loadIndex([...removed.files.values()]).documents.map((d) => d.title)).toEqual(['Page A']);
  });

  it('[SEARCH-5] a search finds pages holding every term, best first; a malformed index is empty', () => {
    const builder = new SearchIndexBuilder();
    const { files } = builder.build('13001', [
      {
        meta: meta('fete', 'Fête du village'),
        body: body('Le bal commence à 21 h.'),
        path: 'fete/index.html',
      },
      {
        meta: meta('conseil', 'Conseil municipal'),
        body: body('Préparation des fêtes de fin d’année.'),
        path: 'conseil/index.html',
      },
      { meta: meta('ecole', 'École'), body: body('Inscriptions.'), path: 'ecole/index.html' },
    ]);
    const index = loadIndex([...files.values()]);
    const titles = (q: string) =>
      searchIndex(index, parseQuery(q).terms, 0, 10).hits.map((h) => h.document.title);
    expect(titles('fete')).toEqual(['Fête du village', 'Conseil municipal']);
    expect(titles('FÊTES')).toEqual(['Fête du village', 'Conseil municipal']);
    expect(titles('fêtes village')).toEqual(['Fête du village']);
    expect(titles('fete piscine')).toEqual([]);
    expect(titles('')).toEqual([]);
    expect(searchIndex(index, parseQuery('fete').terms, 1, 1)).toMatchObject({
      total: 2,
      hits: [{ document: { title: 'Conseil municipal' } }],
    });
    expect(loadIndex('not json').documents).toEqual([]);
    expect(
      loadIndex(
        '{"documents":[{"path":1},null,{"path":"a","title":"t","type":"x","date":"","text":"","terms":{"x":"9"}}]}',
      ).documents,
    ).toHaveLength(1);
  });
});

describe('excerpts and the results page', () => {
  const terms = new Set([termOf('fêtes')!]);

  it('[SEARCH-5] the excerpt marks every form of the word and escapes the rest', () => {
    expect(markTerms('La Fête <b>des</b> fêtes', terms)).toBe(
      'La <mark>Fête</mark> &lt;b&gt;des&lt;/b&gt; <mark>fêtes</mark>',
    );
    const long = `${'début '.repeat(100)}la fête du village ${'fin '.repeat(100)}`;
    const cut = excerpt(long, terms);
    expect(cut.startsWith('… ')).toBe(true);
    expect(cut.endsWith(' …')).toBe(true);
    expect(cut).toContain('<mark>fête</mark>');
    expect(cut.length).toBeLessThan(300);
  });

  const template = renderSite({ ...sampleSnapshot('body{}'), searchAvailable: true }).files.get(
    SEARCH_TEMPLATE_FILE,
  )!;

  it("[SEARCH-1][SEARCH-5] the results page is the site's template with the results, query escaped", () => {
    expect(template).toContain('<header class="site-header">');
    expect(template).toContain('action="../recherche/"');
    const hostile = '<script>alert(1)</script> fête .*(a+)+$';
    const query = parseQuery(hostile);
    const index = loadIndex(
      all(
        new SearchIndexBuilder().build('1', [
          { meta: meta('f', 'Fête <i>'), body: body('x'), path: 'f/index.html' },
        ]),
      ),
    );
    const html = resultsPage(template, query, searchIndex(index, query.terms, 0, 10), 1);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt; fête .*(a+)+$"');
    expect(html).toMatch(/<title>Aucun résultat pour « &lt;script&gt;/);
    const found = resultsPage(
      template,
      parseQuery('fetes'),
      searchIndex(index, parseQuery('fetes').terms, 0, 10),
      1,
    );
    expect(found).toContain('<h2><a href="../f/index.html"><mark>Fête</mark> &lt;i&gt;</a></h2>');
    expect(found).toContain('<title>Résultats pour « fetes » – ');
    expect(found).toContain('1 page trouvée pour « fetes »');
    expect(found).toContain('<time datetime="2026-06-01">');
  });

  it('[SEARCH-7][SEARCH-8] empty query, no result and too many searches are helpful French pages', () => {
    expect(emptyQueryPage(template)).toContain('Saisissez un ou plusieurs mots');
    const none = resultsPage(template, parseQuery('piscine'), { total: 0, hits: [] }, 1);
    expect(none).toContain('<h1>Aucun résultat pour « piscine »</h1>');
    expect(none).toContain('vérifier l’orthographe');
    expect(resultsPage(template, parseQuery('le de'), { total: 0, hits: [] }, 1)).toContain(
      'Les mots très courants',
    );
    expect(tooManyPage(template)).toContain('<h1>Trop de recherches</h1>');
  });

  it('[SEARCH-9] in an exported folder each search form becomes a link to the plan du site', () => {
    const files = renderSite({ ...sampleSnapshot('body{}'), searchAvailable: true }).files;
    for (const [path, html] of files) {
      if (!path.endsWith('.html')) continue;
      const out = withoutSearchForms(html);
      expect(out).not.toContain('<form');
      if (html.includes('<form class="search"'))
        expect(out).toMatch(
          /<p class="search-link"><a href="\.\.?\/plan-du-site\/index\.html">Plan du site<\/a><\/p>/,
        );
    }
  });
});
