/**
 * A corpus of hostile content for tests (site/hostile.test.ts, site/renderSite.vnu.test.ts):
 * `javascript:`/`data:`/`vbscript:`/malformed URLs, HTML in text, huge inputs, emoji and
 * right-to-left text, `__proto__` keys — put in every input the renderer reads: page bodies,
 * every structured field of every page type (lists included, as entries and as older
 * textarea values), every site setting, media keys. Generated from the descriptors, so a field
 * added later is covered without touching the tests. Pure data; no I/O.
 */
import { type FieldDescriptor, PAGE_FIELDS } from './pageTypes';
import type { SiteSnapshot } from './renderSite';
import { SAMPLE_MEDIA, sampleSnapshot } from './sampleSite';
import { SETTINGS_FIELDS } from './settings';
import { PAGE_TYPES } from './siteDoc';

export const HOSTILE_URLS = [
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

export const HOSTILE_TEXT = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '</title><script>alert(1)</script>',
  ']]></summary><script>',
  'BEGIN:VEVENT\r\nSUMMARY:injecté',
  '=HYPERLINK("http://evil")',
  '😀 emoji 👩‍👩‍👧 et texte de droite à gauche : مرحبا بالعالم \u202Eevil\u202C',
  '\u0000\u0001\uFFFF\uD800 contrôles',
];

/** Far beyond every bound of the readers (2 048 / 10 000 characters). */
export const HUGE_TEXT = 'x'.repeat(200_000);

const PROTO_KEYS = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}';

/** An object already holding `__proto__` and `constructor` as own keys (as JSON.parse makes). */
export function withProtoKeys(values: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(JSON.parse(PROTO_KEYS) as Record<string, unknown>, values);
}

/**
 * A value for one field. `wellFormed`: dates, times, choices and media keep their format
 * (so the page is rendered with all its parts); otherwise they are hostile too.
 */
function hostileValue(d: FieldDescriptor, text: string, url: string, wellFormed: boolean): unknown {
  switch (d.kind) {
    case 'text':
    case 'textarea':
    case 'tel':
      return d.name === 'phone' ? `${text} ${url}` : text;
    case 'url':
    case 'email':
      return url;
    case 'date':
      return wellFormed ? '2099-01-01' : '2026-13-45<script>';
    case 'datetime':
      return wellFormed ? '2099-01-01T10:00' : '2026-01-01T25:99"><b>';
    case 'time':
      return wellFormed ? '08:30' : '8h"><script>';
    case 'select':
      return wellFormed ? (d.options?.[d.options.length - 1]?.value ?? '') : '<script>';
    case 'flags':
      return wellFormed ? (d.options ?? []).map((o) => o.value).join(',') : `bio,<script>,${url}`;
    case 'media':
      return wellFormed ? SAMPLE_MEDIA.photo : '../../../etc/passwd"><script>';
    case 'list': {
      const item = (t: string) =>
        withProtoKeys(
          Object.fromEntries((d.item ?? []).map((sub) => [sub.name, hostileValue(sub, t, url, wellFormed)])),
        );
      return wellFormed
        ? [item(text), item(HUGE_TEXT), 'pas un objet', null, item(text)]
        : // An older textarea value, converted on read.
          `${text} ; ${text} ; ${url}\n${text}`;
    }
  }
}

/** Every field of a page type, hostile. */
export function hostileFields(
  type: (typeof PAGE_TYPES)[number],
  text: string,
  url: string,
  wellFormed = true,
): Record<string, unknown> {
  const fields = withProtoKeys({});
  for (const d of PAGE_FIELDS[type]) fields[d.name] = hostileValue(d, text, url, wellFormed);
  if (type === 'risques') fields.alertActive = 'oui';
  if (type === 'acte') fields.kind = 'arrete';
  return fields;
}

/**
 * The sample site plus, for every page type but the home page, one page per hostile text
 * (well-formed dates, every text field hostile) and one page with malformed values; hostile
 * settings; every body holds a link to a hostile URL. `hugeBody` adds a 200 000-character
 * heading to every body.
 */
export function hostileSnapshot(options: { hugeBody?: boolean } = {}): SiteSnapshot {
  const snapshot = sampleSnapshot();
  const base = snapshot.pages[1]!.meta;
  const types = PAGE_TYPES.filter((type) => type !== 'accueil');
  let n = 0;
  for (const type of types) {
    for (const [i, text] of [...HOSTILE_TEXT, HUGE_TEXT].entries()) {
      const url = HOSTILE_URLS[n % HOSTILE_URLS.length]!;
      const wellFormed = i < HOSTILE_TEXT.length;
      snapshot.pages.push({
        meta: {
          ...base,
          id: `h${n}`,
          type,
          title: `${text.slice(0, 300)} ${n}`,
          slug: `${url}-${n}`,
          order: `z${String(n).padStart(4, '0')}`,
          fields: hostileFields(type, text, url, wellFormed),
          parentId: null,
        },
        body: {
          root: {
            type: 'root',
            children: [
              { type: 'paragraph', children: [{ type: 'link', url, children: [{ type: 'text', text }] }] },
              { type: 'image', sha256: '../../x', altText: text },
              ...(options.hugeBody
                ? [{ type: 'heading', tag: 'h1', children: [{ type: 'text', text: HUGE_TEXT }] }]
                : []),
            ],
          },
        } as never,
      });
      n++;
    }
  }
  const settings: Record<string, unknown> = withProtoKeys({});
  for (const [i, d] of SETTINGS_FIELDS.entries())
    settings[d.name] = hostileValue(d, HOSTILE_TEXT[i % HOSTILE_TEXT.length]!, HOSTILE_URLS[i % 11]!, false);
  Object.assign(settings, {
    name: '<b>Commune</b> "test" \u202E',
    address: '</p><script>alert(1)</script>',
    mayorName: '"><svg onload=alert(1)>',
    accentColor: 'red;}body{display:none',
    logo: '../../etc/passwd',
    accessibilityRate: HUGE_TEXT,
  });
  snapshot.settings = settings as unknown as SiteSnapshot['settings'];
  return snapshot;
}
