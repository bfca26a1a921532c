import { describe, expect, it } from 'vitest';
import { escapeHtml, fileSize, type MediaInfo, renderHtml, safeHref } from './renderHtml';

const text = (t: unknown, format = 0) => ({
  type: 'text',
  text: t,
  format,
  detail: 0,
  mode: 'normal',
  style: '',
  version: 1,
});
const p = (...children: unknown[]) => ({ type: 'paragraph', children, version: 1 });
const state = (...children: unknown[]) => ({ root: { type: 'root', children, version: 1 } });
const link = (url: unknown, ...children: unknown[]) => ({ type: 'link', url, children, version: 1 });
const list = (listType: string, ...children: unknown[]) => ({
  type: 'list',
  listType,
  start: 1,
  tag: listType === 'number' ? 'ol' : 'ul',
  children,
});
const li = (...children: unknown[]) => ({ type: 'listitem', value: 1, children });

describe('renderHtml', () => {
  it('[HTML-1] renders the allow-listed blocks', () => {
    const html = renderHtml(
      state(
        p(text('Bonjour')),
        { type: 'heading', tag: 'h2', children: [text('Titre')] },
        { type: 'quote', children: [text('Citation')] },
        list('bullet', li(text('un')), li(text('deux'))),
        list('number', li(text('premier'))),
      ),
    );
    expect(html).toBe(
      '<p>Bonjour</p><h2>Titre</h2><blockquote><p>Citation</p></blockquote><ul><li>un</li><li>deux</li></ul><ol><li>premier</li></ol>',
    );
  });

  it('[HTML-2] headings are h2–h4: h1 becomes h2, h5/h6 become h4', () => {
    const h = (tag: unknown) => renderHtml(state({ type: 'heading', tag, children: [text('x')] }));
    expect(h('h1')).toBe('<h2>x</h2>');
    expect(h('h2')).toBe('<h2>x</h2>');
    expect(h('script')).toBe('<h2>x</h2>');
    const seq = (...tags: string[]) =>
      renderHtml(state(...tags.map((tag) => ({ type: 'heading', tag, children: [text(tag)] }))));
    expect(seq('h2', 'h3', 'h4', 'h5', 'h6', 'h2')).toBe(
      '<h2>h2</h2><h3>h3</h3><h4>h4</h4><h4>h5</h4><h4>h6</h4><h2>h2</h2>',
    );
  });

  it('[HTML-2] heading levels never skip going down', () => {
    const seq = (...tags: string[]) =>
      renderHtml(state(...tags.map((tag) => ({ type: 'heading', tag, children: [text(tag)] }))));
    expect(seq('h4')).toBe('<h2>h4</h2>');
    expect(seq('h2', 'h6', 'h3', 'h2', 'h4')).toBe('<h2>h2</h2><h3>h6</h3><h3>h3</h3><h2>h2</h2><h3>h4</h3>');
  });

  it('[HTML-3] text format bits map to strong, em, u, s, code', () => {
    expect(renderHtml(state(p(text('a', 1))))).toBe('<p><strong>a</strong></p>');
    expect(renderHtml(state(p(text('a', 2))))).toBe('<p><em>a</em></p>');
    expect(renderHtml(state(p(text('a', 4))))).toBe('<p><s>a</s></p>');
    expect(renderHtml(state(p(text('a', 8))))).toBe('<p><u>a</u></p>');
    expect(renderHtml(state(p(text('a', 16))))).toBe('<p><code>a</code></p>');
    expect(renderHtml(state(p(text('a', 1 | 2 | 16))))).toBe(
      '<p><strong><em><code>a</code></em></strong></p>',
    );
    expect(renderHtml(state(p(text('a', 'bold' as unknown as number))))).toBe('<p>a</p>');
  });

  it('[HTML-4] text is escaped: <script> in text appears as text', () => {
    const html = renderHtml(state(p(text('<script>alert("x")</script> & \'q\''))));
    expect(html).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>');
    expect(html).not.toContain('<script');
  });

  it('[HTML-4] forbidden code points are dropped', () => {
    expect(escapeHtml('a\u0000b\u0007c\uFFFEd\uD800e')).toBe('abcde');
    expect(escapeHtml('é 😀\n\t')).toBe('é 😀\n\t');
  });

  it('[HTML-5] links keep only http, https, mailto, tel and relative hrefs', () => {
    expect(renderHtml(state(p(link('https://www.service-public.fr/', text('SP')))))).toBe(
      '<p><a href="https://www.service-public.fr/">SP</a></p>',
    );
    expect(renderHtml(state(p(link('mailto:mairie@example.fr', text('écrire')))))).toContain(
      'href="mailto:mairie@example.fr"',
    );
    expect(renderHtml(state(p(link('tel:+33442000000', text('appeler')))))).toContain(
      'href="tel:+33442000000"',
    );
    expect(renderHtml(state(p(link('../horaires/index.html', text('horaires')))))).toContain(
      'href="../horaires/index.html"',
    );
    expect(
      renderHtml(state(p({ type: 'autolink', url: 'http://a.fr/?x=1&y="2"', children: [text('a.fr')] }))),
    ).toBe('<p><a href="http://a.fr/?x=1&amp;y=%222%22">a.fr</a></p>');
  });

  it('[HTML-5] a published href is a valid URL: percent-encoded, or the link becomes plain text', () => {
    const href = (url: string) => {
      const html = renderHtml(state(p(link(url, text('lien')))));
      return /href="([^"]*)"/.exec(html)?.[1] ?? null;
    };
    expect(href('https://a.fr/"><script>alert(1)</script>')).toBe(
      'https://a.fr/%22%3E%3Cscript%3Ealert(1)%3C/script%3E',
    );
    expect(href('https://mairie.fr/démarches?q=état civil#a#b')).toBeNull(); // a space: refused
    expect(href('https://mairie.fr/démarches?q=état#a#b')).toBe(
      'https://mairie.fr/d%C3%A9marches?q=%C3%A9tat#a%23b',
    );
    expect(href('http://[::1')).toBeNull();
    expect(href('https://exa mple.fr')).toBeNull();
    expect(href('mailto:data:text/html,x')).toBeNull();
    expect(href('mailto:mairie@allauch.fr?subject=Inscription cantine')).toBeNull(); // a space
    expect(href('mailto:mairie@allauch.fr?subject=Inscription%20cantine')).toBe(
      'mailto:mairie@allauch.fr?subject=Inscription%20cantine',
    );
    expect(href('tel:+33-4-42-00-00-00')).toBe('tel:+33442000000');
    expect(href('../état-civil/index.html#naissance')).toBe('../%C3%A9tat-civil/index.html#naissance');
  });

  it('[HTML-5] javascript: and other unsafe hrefs are dropped, the text stays', () => {
    for (const url of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'java\nscript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      'file:///etc/passwd',
      '//evil.example/',
      '\\\\evil.example',
      '/absolute/path',
      'a:b/c',
      '',
      42,
      null,
      { toString: () => 'https://x' },
    ]) {
      expect(renderHtml(state(p(link(url, text('lien')))))).toBe('<p>lien</p>');
    }
    expect(safeHref('#ancre')).toBe('#ancre');
    // A link inside a link keeps its text only (nested <a> is invalid HTML).
    expect(renderHtml(state(p(link('https://a.fr', text('a'), link('https://b.fr', text('b'))))))).toBe(
      '<p><a href="https://a.fr">ab</a></p>',
    );
    expect(safeHref('./x/index.html')).toBe('./x/index.html');
  });

  it('[HTML-6] no attribute other than href, start is ever produced', () => {
    const html = renderHtml(
      state(
        {
          type: 'paragraph',
          format: 'center',
          style: 'color:red',
          onclick: 'x()',
          children: [{ ...text('t'), style: 'color:red' }],
        },
        { ...list('number', li(text('x'))), start: 3 },
        {
          type: 'link',
          url: 'https://a.fr',
          target: '_blank',
          rel: 'opener',
          title: 'x',
          children: [text('a')],
        },
      ),
    );
    expect(html).toBe('<p>t</p><ol start="3"><li>x</li></ol><p><a href="https://a.fr">a</a></p>');
    expect(html).not.toMatch(/style=|on\w+=|class=|target=/);
  });

  it('[HTML-7] nested lists go inside the previous item', () => {
    const html = renderHtml(
      state(list('bullet', li(text('a')), li(list('bullet', li(text('a.1')))), li(text('b')))),
    );
    expect(html).toBe('<ul><li>a<ul><li>a.1</li></ul></li><li>b</li></ul>');
  });

  it('[HTML-8] line breaks become <br>; empty paragraphs are dropped', () => {
    expect(renderHtml(state(p(text('a'), { type: 'linebreak' }, text('b')), p()))).toBe('<p>a<br>b</p>');
  });

  it('[HTML-9] unknown nodes render their text only and never throw', () => {
    const html = renderHtml(
      state(
        {
          type: 'grid',
          children: [
            { type: 'tablerow', children: [{ type: 'tablecell', children: [p(text('<b>cell</b>'))] }] },
          ],
        },
        p({ type: 'mention', text: 'Jean', children: [] }, { type: 'image', src: 'javascript:x' }),
        { type: 'youtube', videoID: 'x' },
        'string node',
        null,
        42,
        [],
      ),
    );
    expect(html).toBe('<p>&lt;b&gt;cell&lt;/b&gt;</p><p>Jean</p>');
  });

  it('[HTML-10] hostile JSON: deep nesting, huge strings, __proto__ keys, wrong types', () => {
    let deep: unknown = text('fond');
    for (let i = 0; i < 100_000; i++)
      deep = { type: i % 2 ? 'link' : 'unknown', url: 'https://a.fr', children: [deep] };
    expect(() => renderHtml(state(p(deep)))).not.toThrow();

    const huge = 'x'.repeat(2_000_000);
    expect(renderHtml(state(p(text(huge)))).length).toBeLessThan(200_100);

    const proto = JSON.parse(
      '{"root":{"type":"root","children":[{"__proto__":{"type":"heading"},"type":"paragraph","children":[{"type":"text","text":"ok","__proto__":{"format":1}}]}]}}',
    );
    expect(renderHtml(proto)).toBe('<p>ok</p>');
    expect(renderHtml(JSON.parse('{"root":{"__proto__":{"children":[1]}}}'))).toBe('');
    expect(({} as Record<string, unknown>).type).toBeUndefined();

    for (const bad of [
      undefined,
      null,
      0,
      'x',
      [],
      {},
      { root: null },
      { root: { children: 'x' } },
      { root: { children: [{ type: 7 }] } },
    ]) {
      expect(() => renderHtml(bad)).not.toThrow();
    }
    expect(renderHtml(state(p(text(12)), p(text({ a: 1 }))))).toBe('');
  });

  it('[HTML-10] the node budget bounds the work', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => p(text(`n${i}`)));
    const html = renderHtml(state(...many), { maxNodes: 100 });
    expect(html.split('<p>').length - 1).toBeLessThanOrEqual(50);
  });

  describe('[HTML-13] links to files of the media library', () => {
    const PDF = 'c'.repeat(64);
    const IMG = 'd'.repeat(64);
    const library: Record<string, MediaInfo> = {
      [PDF]: { mime: 'application/pdf', width: 0, height: 0, widths: [], bytes: 245_760, name: 'cr.pdf' },
      [IMG]: { mime: 'image/webp', width: 10, height: 10, widths: [] },
    };
    const media = (sha: string) => library[sha];

    it('[HTML-13] a media: link to a PDF is a relative link to the published file, with its type and size', () => {
      const usedMedia = new Set<string>();
      const html = renderHtml(state(p(text('Voir le '), link(`media:${PDF}`, text('compte rendu')))), {
        media,
        root: '../',
        usedMedia,
      });
      expect(html).toBe(`<p>Voir le <a href="../media/${PDF}.pdf">compte rendu (PDF, 240 Ko)</a></p>`);
      expect([...usedMedia]).toEqual([`media/${PDF}.pdf`]);
    });

    it('[HTML-13] a file without a known size says its type only; an image file says its format', () => {
      const html = renderHtml(state(p(link(`media:${IMG}`, text('le plan')))), { media });
      expect(html).toBe(`<p><a href="./media/${IMG}.webp">le plan (WEBP)</a></p>`);
    });

    it('[HTML-13] an unknown or malformed media: link renders its text only and copies nothing', () => {
      const usedMedia = new Set<string>();
      const html = renderHtml(
        state(
          p(link(`media:${'e'.repeat(64)}`, text('absent'))),
          p(link('media:../../etc/passwd', text('piège'))),
          p(link(`media:${PDF}"onclick="x`, text('guillemets'))),
        ),
        { media, usedMedia },
      );
      expect(html).toBe('<p>absent</p><p>piège</p><p>guillemets</p>');
      expect(usedMedia.size).toBe(0);
    });

    it('[HTML-13] sizes are written the French way', () => {
      expect([1, 812, 245_760, 1_468_006].map(fileSize)).toEqual([
        '1 octet',
        '812 octets',
        '240 Ko',
        '1,4 Mo',
      ]);
    });
  });
});
