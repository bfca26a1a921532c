/**
 * Shared pieces of the static site renderer: the published page model, relative URLs,
 * French date formatting, and the host of the sites (LCEN art. 6 III).
 */
import type { SerializedEditorState } from 'lexical';
import { type PageFields, parisTime, readPageFields } from './pageTypes';
import type { MediaInfo } from './renderHtml';
import type { SiteSettingsFull } from './settings';
import { frenchDateFormat } from './frenchDate';
import type { PageMeta } from './siteDoc';

/** Who hosts the published sites: the Métropole (convention, art. 4). */
export interface HostInfo {
  name: string;
  address: string;
  phone: string;
}

export const METROPOLE_HOST: HostInfo = {
  name: 'Métropole Aix-Marseille-Provence',
  address: 'Le Pharo, 58 boulevard Charles Livon, 13007 Marseille',
  phone: '04 91 99 99 00',
};

/** A published page, with its safe directory name and typed fields. */
export interface SitePage {
  meta: PageMeta;
  body: SerializedEditorState;
  slug: string;
  title: string;
  fields: PageFields;
}

/** Everything a page renderer needs to know about the site being rendered. */
export interface SiteContext {
  communeName: string;
  settings: SiteSettingsFull;
  host: HostInfo;
  /** Absolute URL of the site root, ending with `/` (sitemap, feeds). */
  siteUrl: string;
  publishedAt: number;
  pages: SitePage[];
  media: (sha256: string) => MediaInfo | undefined;
  usedMedia: Set<string>;
  /** The server answers `recherche/?q=` (else the search form leads to the plan du site). */
  searchAvailable?: boolean;
  /**
   * A hash of the media library: set, it lets list cards be reused between publications while
   * the library is the same (site/listPages.ts); unset, nothing is reused.
   */
  mediaStamp?: string;
}

/** Relative URL of a page from a file at `depth` directories below the site root. */
export function pageHref(page: SitePage | null, depth: number): string {
  const up = depth === 0 ? './' : '../'.repeat(depth);
  return page ? `${up}${page.slug}/index.html` : `${up}index.html`;
}

export function rootPrefix(depth: number): string {
  return depth === 0 ? './' : '../'.repeat(depth);
}

const DATE_FR = frenchDateFormat({ dateStyle: 'long', timeZone: 'Europe/Paris' });
const DATETIME_FR = frenchDateFormat({
  dateStyle: 'full',
  timeStyle: 'short',
  timeZone: 'Europe/Paris',
});

/** `<time>` of a `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm` field (Paris time), or '' when invalid. */
export function timeHtml(value: string): string {
  const ms = parisTime(value);
  if (ms === null) return '';
  const withTime = value.includes('T');
  const text = (withTime ? DATETIME_FR : DATE_FR).format(new Date(ms));
  return `<time datetime="${withTime ? new Date(ms).toISOString() : value}">${text}</time>`;
}

/** « Commune d’Aix-en-Provence », « Commune du Puy-Sainte-Réparade », « Commune de Gardanne ». */
export function communeOf(name: string): string {
  const n = name.trim();
  if (/^Les\s/.test(n)) return `Commune des ${n.slice(4)}`;
  if (/^Le\s/.test(n)) return `Commune du ${n.slice(3)}`;
  return /^[AEIOUYÂÀÉÈÊÎÔŒ]/i.test(n) ? `Commune d’${n}` : `Commune de ${n}`;
}

export function dateFr(ms: number): string {
  return DATE_FR.format(new Date(Number.isFinite(ms) ? ms : 0));
}

/** `YYYY-MM-DD` of an instant in Paris. */
const ISO_DATE_PARIS = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function isoDateParis(ms: number): string {
  return ISO_DATE_PARIS.format(new Date(Number.isFinite(ms) ? ms : 0));
}

export function typedFields(meta: PageMeta): PageFields {
  return readPageFields(meta.type, meta.fields);
}

/** Lines of a textarea field, trimmed, empty ones dropped; `;` splits a line into cells. */
export function lines(value: string | undefined): string[][] {
  return (value ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, 500)
    .map((line) => line.split(';').map((cell) => cell.trim()));
}

export function formatBytes(bytes: number | undefined): string {
  if (!bytes || !Number.isFinite(bytes) || bytes <= 0) return '';
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}
