// A corpus of hostile content in every input the renderer reads — page bodies, structured
// fields, settings, media keys — rendered harmlessly in every file of the site.
import { withoutThemeMarkup } from './icons';
import { describe, expect, it } from 'vitest';
import { checkSite } from './checks';
import { mailHref, telHref, webHref } from './fieldLinks';
import { HOSTILE_TEXT, hostileSnapshot } from './hostileCorpus';
import { PAGE_FIELDS } from './pageTypes';
import { renderSite } from './renderSite';
import { paragraphsBody, sampleSnapshot } from './sampleSite';
import { PAGE_TYPES } from './siteDoc';

describe('hostile content', () => {
  const snapshot = hostileSnapshot({ hugeBody: true });
  const site = renderSite(snapshot);

  it('[TYPE-3][TYPE-8] the corpus reaches every field of every page type, lists included', () => {
    for (const type of PAGE_TYPES.filter((t) => t !== 'accueil')) {
      const pages = snapshot.pages.filter((p) => p.meta.type === type && /^h\d+$/.test(p.meta.id));
      expect(pages.length, type).toBe(HOSTILE_TEXT.length + 1);
      for (const d of PAGE_FIELDS[type])
        expect(
          pages.every((p) => Object.prototype.hasOwnProperty.call(p.meta.fields, d.name)),
          d.name,
        ).toBe(true);
      for (const d of PAGE_FIELDS[type].filter((x) => x.kind === 'list')) {
        expect(
          pages.some((p) => Array.isArray(p.meta.fields[d.name])),
          d.name,
        ).toBe(true);
        expect(
          pages.some((p) => typeof p.meta.fields[d.name] === 'string'),
          d.name,
        ).toBe(true);
      }
    }
    // Hostile entries are rendered as text, not dropped: each structured block shows them.
    const first = (type: string) => {
      const page = snapshot.pages.find((p) => p.meta.type === type && /^h\d+$/.test(p.meta.id))!;
      return site.files.get(site.pagePaths.get(page.meta.id)!)!;
    };
    const text = '&lt;script&gt;alert(1)&lt;/script&gt;';
    expect(first('elus')).toContain(`<tr><th scope="row"><img class="member-photo"`);
    expect(first('elus')).toContain(`${text}</th><td>${text}</td><td>${text}</td></tr>`);
    expect(first('associations')).toContain(
      `<li><p class="entry-name"><strong>${text}</strong></p><p>${text}</p>`,
    );
    expect(first('contact')).toContain(
      `<th scope="row">Dimanche</th><td>de <time datetime="08:30">8 h 30</time> à <time datetime="08:30">8 h 30</time> et de <time datetime="08:30">8 h 30</time> à <time datetime="08:30">8 h 30</time> – ${text}</td>`,
    );
    expect(first('contact')).toContain(
      `<li>Le <time datetime="2099-01-01">jeudi 1er janvier 2099</time> : ${text}</li>`,
    );
    expect(first('cantine')).toContain(`<div><dt>Entrée</dt><dd>${text}</dd></div>`);
  });

  it('[HTML-4][HTML-5][TYPE-3] no file carries markup, a script or an unsafe URL from the content', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const [path, content] of site.files) {
      // Markup, never the same words shown as text (`&lt;img src=x onerror=…` is harmless text).
      // Attribute values are double-quoted with `"` escaped inside: blank them, then look at tags.
      const markup = /\.(html|xml|svg)$/.test(path) ? content.replace(/"[^"]*"/g, '""') : '';
      const at = markup.search(/<script|<img src=x|<[^>]*\son(error|load)=/i);
      const bad = at < 0 ? null : [markup.slice(Math.max(0, at - 60), at + 40)];
      expect(bad?.[0] ?? null, path).toBeNull();
      if (path !== 'favicon.svg') expect(withoutThemeMarkup(content), path).not.toMatch(/<svg|<form/i);
      expect(content, path).not.toMatch(/(href|src)="\s*(javascript|vbscript|data):/i);
      expect(content, path).not.toMatch(/(href|src)="\/\/|(href|src)="\/etc/);
      if (path.endsWith('.html')) {
        expect(content.match(/<h1>/g), path).toHaveLength(1);
        expect(content.length, path).toBeLessThan(400_000);
      }
    }
    for (const path of site.files.keys()) expect(path).toMatch(/^[a-z0-9.-]+(\/[a-z0-9-]+\.html)?$/);
    for (const path of site.media) expect(path).toMatch(/^media\/[0-9a-f]{64}/);
  });

  it('[FEED-2][FEED-3][FEED-4] feeds escape their content: XML well-formed, no iCalendar or CSV injection', () => {
    const ics = site.files.get('evenements.ics')!;
    const sampleEvents = sampleSnapshot().pages.filter(
      (p) => p.meta.type === 'evenement' && p.meta.status === 'published',
    ).length;
    expect(ics.split('\r\n').filter((l) => l === 'BEGIN:VEVENT').length).toBe(
      HOSTILE_TEXT.length + sampleEvents,
    );
    for (const line of ics.split('\r\n'))
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const csv = site.files.get('actes.csv')!;
    expect(csv).not.toMatch(/(^|,)"=/m);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")`);
    expect(() => JSON.parse(site.files.get('actes.json')!)).not.toThrow();
    const atom = site.files.get('actualites.xml')!;
    expect(atom).not.toContain('<script');
    expect(atom).not.toMatch(/[\u0000-\u0008]/);
  });

  it('[CHK-1][CHK-9] the checks report hostile pages instead of throwing', () => {
    const report = checkSite(snapshot, site);
    expect(report.errors.length).toBeGreaterThan(0);
    for (const issue of [...report.errors, ...report.warnings]) expect(typeof issue.message).toBe('string');
  });

  it('[PUB-9] an empty or absurd snapshot still renders a valid skeleton', () => {
    const empty = renderSite({ ...sampleSnapshot(), pages: [], settings: { name: '', accentColor: '' } });
    expect(empty.files.get('index.html')).toContain('<h1>Aix-en-Provence</h1>');
    const odd = renderSite({
      ...sampleSnapshot(),
      pages: [{ meta: { ...sampleSnapshot().pages[0]!.meta, type: 'x' as never }, body: paragraphsBody([]) }],
    });
    expect(odd.files.has('index.html')).toBe(true);
  });
});

describe('links from fields and settings', () => {
  it('[HTML-4][TYPE-8] web, e-mail and phone fields give valid, inert URLs or no link at all', () => {
    expect(webHref('https://a.fr/"><script>alert(1)</script>')).toBe(
      'https://a.fr/%22%3E%3Cscript%3Ealert(1)%3C/script%3E',
    );
    expect(webHref('HTTPS://Mairie.example.fr/vie locale/été?x=1#a#b')).toBe(
      'https://mairie.example.fr/vie%20locale/%C3%A9t%C3%A9?x=1#a%23b',
    );
    expect(webHref('https://a.fr/%zz%41\uD800')).toBe('https://a.fr/%25zz%41%EF%BF%BD');
    for (const bad of [
      'http://[::1',
      'javascript:alert(1)',
      '//evil.example',
      'https://a',
      'https://a.fr:99999/',
    ])
      expect(webHref(bad), bad).toBeNull();
    expect(mailHref('mairie@aix.example')).toBe('mailto:mairie@aix.example');
    for (const bad of ['data:text/html,<script>@a.fr', 'a@b', 'javascript:alert(1)', '"a"@b.fr'])
      expect(mailHref(bad), bad).toBeNull();
    expect(telHref('04 42 00 00 00')).toBe('tel:0442000000');
    expect(telHref('+33 4 42 ; <script>')).toBe('tel:+33442');
    expect(telHref('<script>')).toBeNull();
  });
});
