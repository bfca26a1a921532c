/**
 * Machine-readable files of a published site (SPEC.md [FEED-*]): sitemap.xml, robots.txt,
 * the Atom feed of actualités (RFC 4287), the iCalendar feed of événements (RFC 5545) and the
 * open-data listing of published actes (CSV RFC 4180 and JSON).
 */
import { parisTime } from './pageTypes';
import { acteKindLabel } from './pageBlocks';
import { mediaPath } from './renderHtml';
import type { SiteContext, SitePage } from './siteContext';

/** XML text/attribute escaping; drops code points XML 1.0 forbids. */
export function escapeXml(text: string): string {
  if (!/[&<>"'\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/.test(text)) return text;
  return text
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '',
    )
    .replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
    );
}

const absolute = (ctx: SiteContext, rel: string) => `${ctx.siteUrl}${rel}`;
const pageUrl = (ctx: SiteContext, page: SitePage | null) =>
  absolute(ctx, page ? `${page.slug}/index.html` : 'index.html');

export function sitemapXml(ctx: SiteContext, extraSlugs: readonly string[]): string {
  const urls = [
    `<url><loc>${escapeXml(pageUrl(ctx, null))}</loc><lastmod>${new Date(ctx.publishedAt).toISOString().slice(0, 10)}</lastmod></url>`,
    ...ctx.pages
      .filter((p) => p.meta.type !== 'accueil')
      .map(
        (p) =>
          `<url><loc>${escapeXml(pageUrl(ctx, p))}</loc>${
            p.meta.updatedAt > 0
              ? `<lastmod>${new Date(p.meta.updatedAt).toISOString().slice(0, 10)}</lastmod>`
              : ''
          }</url>`,
      ),
    ...extraSlugs.map((slug) => `<url><loc>${escapeXml(absolute(ctx, `${slug}/index.html`))}</loc></url>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

export function robotsTxt(ctx: SiteContext): string {
  return `User-agent: *\nAllow: /\nSitemap: ${absolute(ctx, 'sitemap.xml')}\n`;
}

/** Actualités, newest first (by their date, then by update time). */
export function newsByDate(ctx: SiteContext): SitePage[] {
  return ctx.pages
    .filter((p) => p.meta.type === 'actualite')
    .sort((a, b) => {
      const da = parisTime(a.fields.date ?? '') ?? a.meta.createdAt;
      const db = parisTime(b.fields.date ?? '') ?? b.meta.createdAt;
      return db - da || (a.meta.id < b.meta.id ? -1 : 1);
    });
}

/** Événements that have not ended at `now`, soonest first. */
export function upcomingEvents(ctx: SiteContext, now: number): SitePage[] {
  return ctx.pages
    .filter((p) => p.meta.type === 'evenement' && parisTime(p.fields.startsAt ?? '') !== null)
    .filter((p) => (parisTime(p.fields.endsAt ?? '') ?? parisTime(p.fields.startsAt ?? '')!) >= now)
    .sort(
      (a, b) =>
        parisTime(a.fields.startsAt!)! - parisTime(b.fields.startsAt!)! || (a.meta.id < b.meta.id ? -1 : 1),
    );
}

export function atomFeed(ctx: SiteContext): string {
  const news = newsByDate(ctx).slice(0, 50);
  const iso = (ms: number) => new Date(ms).toISOString();
  // Not publishedAt: an unchanged feed must stay byte-identical (incremental republish).
  const updated = ctx.pages.reduce((max, p) => Math.max(max, p.meta.updatedAt), 0);
  const entries = news.map((p) => {
    const date = parisTime(p.fields.date ?? '') ?? p.meta.createdAt;
    return [
      '<entry>',
      `<id>urn:usine-a-sites:${escapeXml(ctx.siteUrl)}:${escapeXml(p.meta.id)}</id>`,
      `<title>${escapeXml(p.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(pageUrl(ctx, p))}"/>`,
      `<published>${iso(date)}</published>`,
      `<updated>${iso(Math.max(date, p.meta.updatedAt))}</updated>`,
      p.fields.summary ? `<summary>${escapeXml(p.fields.summary)}</summary>` : '',
      '</entry>',
    ].join('');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
    `<id>urn:usine-a-sites:${escapeXml(ctx.siteUrl)}:actualites</id>`,
    `<title>Actualités – ${escapeXml(ctx.communeName)}</title>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(absolute(ctx, 'actualites.xml'))}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(pageUrl(ctx, null))}"/>`,
    `<updated>${iso(updated)}</updated>`,
    `<author><name>Commune de ${escapeXml(ctx.communeName)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** iCalendar TEXT escaping (RFC 5545 §3.3.11). */
function icsText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const icsDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function icalendarFeed(ctx: SiteContext): string {
  const events = ctx.pages
    .filter((p) => p.meta.type === 'evenement' && parisTime(p.fields.startsAt ?? '') !== null)
    .sort(
      (a, b) =>
        parisTime(a.fields.startsAt!)! - parisTime(b.fields.startsAt!)! || (a.meta.id < b.meta.id ? -1 : 1),
    );
  const host = ctx.siteUrl.replace(/^https?:\/\//, '').replace(/\/.*$/, '') || 'usine-a-sites';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//Usine a sites//${icsText(ctx.communeName)}//FR`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icsText(`Agenda – ${ctx.communeName}`)}`,
  ];
  for (const p of events) {
    const start = parisTime(p.fields.startsAt!)!;
    const endRaw = parisTime(p.fields.endsAt ?? '');
    const end = endRaw !== null && endRaw > start ? endRaw : start + 60 * 60 * 1000;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${icsText(p.meta.id)}@${icsText(host)}`,
      `DTSTAMP:${icsDate(p.meta.updatedAt > 0 ? p.meta.updatedAt : ctx.publishedAt)}`,
      `DTSTART:${icsDate(start)}`,
      `DTEND:${icsDate(end)}`,
      `SUMMARY:${icsText(p.title)}`,
      ...(p.fields.place ? [`LOCATION:${icsText(p.fields.place)}`] : []),
      ...(p.fields.summary ? [`DESCRIPTION:${icsText(p.fields.summary)}`] : []),
      `URL:${pageUrl(ctx, p)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

export interface ActeRecord {
  numero: string;
  nature: string;
  date: string;
  objet: string;
  auteur: string;
  qualite_auteur: string;
  mise_en_ligne: string;
  sha256: string;
  url_acte: string;
  url_page: string;
}

export function acteRecords(ctx: SiteContext): ActeRecord[] {
  return ctx.pages
    .filter((p) => p.meta.type === 'acte')
    .map((p) => {
      const v = p.fields;
      const info = ctx.media(v.pdf ?? '');
      return {
        numero: v.number ?? '',
        nature: acteKindLabel(v.kind ?? ''),
        date: v.date ?? '',
        objet: v.subject ?? '',
        auteur: v.kind === 'arrete' ? (v.author ?? '') : '',
        qualite_auteur: v.kind === 'arrete' ? (v.authorCapacity ?? '') : '',
        mise_en_ligne: v.onlineAt ?? '',
        sha256: info ? (v.pdf ?? '') : '',
        url_acte: info ? absolute(ctx, mediaPath(v.pdf!, info)) : '',
        url_page: pageUrl(ctx, p),
      };
    })
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.numero < b.numero ? -1 : 1));
}

/** A CSV cell: quoted, quotes doubled; a leading = + - @ is neutralised (CSV injection). */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function actesCsv(records: ActeRecord[]): string {
  const header: Array<keyof ActeRecord> = [
    'numero',
    'nature',
    'date',
    'objet',
    'auteur',
    'qualite_auteur',
    'mise_en_ligne',
    'sha256',
    'url_acte',
    'url_page',
  ];
  const rows = [header.join(','), ...records.map((r) => header.map((k) => csvCell(r[k])).join(','))];
  return `${rows.join('\r\n')}\r\n`;
}

export function actesJson(ctx: SiteContext, records: ActeRecord[]): string {
  return `${JSON.stringify({ commune: ctx.communeName, actes: records }, null, 1)}\n`;
}
