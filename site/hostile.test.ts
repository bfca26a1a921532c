// A corpus of hostile content in every input the renderer reads — page bodies, structured
// fields, settings, media keys — rendered harmlessly in every file of the site.
import { describe, expect, it } from 'vitest';
import { checkSite } from './checks';
import { renderSite, type SiteSnapshot } from './renderSite';
import { paragraphsBody, sampleSnapshot } from './sampleSite';
import { PAGE_TYPES } from './siteDoc';

const HOSTILE_URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\nscript:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  '//evil.example/x',
  '/etc/passwd',
  'https://a.fr/"><script>alert(1)</script>',
  'http://[::1',
  '\\\\evil\\share',
];
const HOSTILE_TEXT = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '</title><script>alert(1)</script>',
  ']]></summary><script>',
  'BEGIN:VEVENT\r\nSUMMARY:injecté',
  '=HYPERLINK("http://evil")',
  '😀 emoji 👩‍👩‍👧 et texte de droite à gauche : مرحبا بالعالم \u202Eevil\u202C',
  '\u0000\u0001\uFFFF\uD800 contrôles',
];

function hostileSnapshot(): SiteSnapshot {
  const snapshot = sampleSnapshot();
  const base = snapshot.pages[1]!.meta;
  const types = PAGE_TYPES.filter((type) => type !== 'accueil');
  let n = 0;
  for (const type of types) {
    for (const text of HOSTILE_TEXT) {
      const url = HOSTILE_URLS[n % HOSTILE_URLS.length]!;
      const fields: Record<string, unknown> = JSON.parse(
        '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}',
      );
      Object.assign(fields, {
        summary: text,
        date: '2026-01-01',
        startsAt: '2026-01-01T10:00',
        place: text,
        audience: text,
        howTo: text,
        documents: `${text}\n${text}`,
        servicePublicUrl: url,
        kind: 'arrete',
        number: text,
        subject: text,
        author: text,
        authorCapacity: text,
        pdf: '../../../etc/passwd',
        onlineAt: '2026-01-01T10:00',
        members: `${text} ; ${text}`,
        address: text,
        phone: `${text} ${url}`,
        email: url,
        hours: `${text} ; ${text}`,
        entries: `${text} ; ${text} ; ${url}\nClub ; sport ; ${url}`,
        weekOf: '2026-01-05',
        menu: `${text} ; ${text}`,
        alertActive: 'oui',
        alertLevel: '<script>',
        alertMessage: text,
        image: '"><script>',
        imageAlt: text,
      });
      snapshot.pages.push({
        meta: {
          ...base,
          id: `h${n}`,
          type,
          title: `${text} ${n}`,
          slug: `${url}-${n}`,
          order: `z${n}`,
          fields,
          parentId: null,
        },
        body: {
          root: {
            type: 'root',
            children: [
              { type: 'paragraph', children: [{ type: 'link', url, children: [{ type: 'text', text }] }] },
              { type: 'image', sha256: '../../x', altText: text },
              { type: 'heading', tag: 'h1', children: [{ type: 'text', text: 'x'.repeat(200_000) }] },
            ],
          },
        } as never,
      });
      n++;
    }
  }
  Object.assign(snapshot.settings, {
    name: '<b>Commune</b> "test" \u202E',
    email: 'javascript:alert(1)',
    phone: '<script>',
    address: '</p><script>alert(1)</script>',
    mayorName: '"><svg onload=alert(1)>',
    accentColor: 'red;}body{display:none',
    accessibilityPlanUrl: 'javascript:alert(1)',
    logo: '../../etc/passwd',
  });
  return snapshot;
}

describe('hostile content', () => {
  const snapshot = hostileSnapshot();
  const site = renderSite(snapshot);

  it('[HTML-4][HTML-5][TYPE-3] no file carries markup, a script or an unsafe URL from the content', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const [path, content] of site.files) {
      // Markup, never the same words shown as text (`&lt;img src=x onerror=…` is harmless text).
      // Attribute values are double-quoted with `"` escaped inside: blank them, then look at tags.
      const markup = /\.(html|xml|svg)$/.test(path) ? content.replace(/"[^"]*"/g, '""') : '';
      const at = markup.search(/<script|<img src=x|<[^>]*\son(error|load)=/i);
      const bad = at < 0 ? null : [markup.slice(Math.max(0, at - 60), at + 40)];
      expect(bad?.[0] ?? null, path).toBeNull();
      if (path !== 'favicon.svg') expect(content, path).not.toMatch(/<svg/i);
      expect(content, path).not.toMatch(/(href|src)="\s*(javascript|vbscript|data):/i);
      expect(content, path).not.toMatch(/(href|src)="\/\/|(href|src)="\/etc/);
      if (path.endsWith('.html')) {
        expect(content.match(/<h1>/g), path).toHaveLength(1);
        expect(content.length, path).toBeLessThan(400_000);
      }
    }
    for (const path of site.files.keys()) expect(path).toMatch(/^[a-z0-9.-]+(\/index\.html)?$/);
    for (const path of site.media) expect(path).toMatch(/^media\/[0-9a-f]{64}/);
  });

  it('[FEED-2][FEED-3][FEED-4] feeds escape their content: XML well-formed, no iCalendar or CSV injection', () => {
    const ics = site.files.get('evenements.ics')!;
    expect(ics.split('\r\n').filter((l) => l === 'BEGIN:VEVENT').length).toBe(HOSTILE_TEXT.length + 1);
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
