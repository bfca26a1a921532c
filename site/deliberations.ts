/**
 * `deliberations.csv`: the commune's délibérations in the SCDL « Délibérations » schema 2.1.5
 * (schema.data.gouv.fr/scdl/deliberations), as data.gouv.fr expects it (SPEC [DATA-*]).
 * A row is written only when its seven required values are valid; the others are reported
 * to the agent by the checks (`deliberationRows(...).skipped`).
 */
import { findMatiere, scdlMatiereName } from './actesNomenclature';
import { DATE } from './pageTypes';
import { mediaPath } from './renderHtml';
import { isSiret } from './settings';
import { communeOf, type SiteContext, type SitePage } from './siteContext';

export const SCDL_DELIBERATIONS = {
  name: 'scdl/deliberations',
  version: '2.1.5',
  url: 'https://schema.data.gouv.fr/scdl/deliberations/2.1.5/',
} as const;

/** The 17 columns, in the schema's order. */
export const DELIBERATION_COLUMNS = [
  'COLL_NOM',
  'COLL_SIRET',
  'DELIB_ID',
  'DELIB_DATE',
  'DELIB_MATIERE_CODE',
  'DELIB_MATIERE_NOM',
  'DELIB_OBJET',
  'BUDGET_ANNEE',
  'BUDGET_NOM',
  'PREF_ID',
  'PREF_DATE',
  'VOTE_EFFECTIF',
  'VOTE_REEL',
  'VOTE_POUR',
  'VOTE_CONTRE',
  'VOTE_ABSTENTION',
  'DELIB_URL',
] as const;

export type DeliberationColumn = (typeof DELIBERATION_COLUMNS)[number];
export type DeliberationRow = Record<DeliberationColumn, string>;

/** Text as one line: controls and line breaks become spaces, runs of spaces one. */
function oneLine(value: string | undefined, max = 2000): string {
  return (value ?? '')
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

/** A real calendar date `YYYY-MM-DD` (not 2025-02-30), else ''. */
export function isoDate(value: string | undefined): string {
  const v = (value ?? '').trim();
  if (!DATE.test(v)) return '';
  const [y, m, d] = v.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? v : '';
}

const count = (value: string | undefined) => {
  const v = (value ?? '').trim();
  return /^\d{1,4}$/.test(v) ? String(Number(v)) : '';
};

const PREF_ID = /^(?:PREF|SGAR)\d[\dAB]\d$|^PREF\d{3}$|^SPREF\d[\dAB]\d\d$/;

export interface SkippedDeliberation {
  page: SitePage;
  /** French, for the agent. */
  reason: string;
}

/** The rows of the published délibérations, newest first, and those left out with why. */
export function deliberationRows(ctx: SiteContext): {
  rows: DeliberationRow[];
  skipped: SkippedDeliberation[];
} {
  const siret = ctx.settings.siret.trim();
  const rows: Array<{ row: DeliberationRow; id: string }> = [];
  const skipped: SkippedDeliberation[] = [];
  for (const page of ctx.pages) {
    if (page.meta.type !== 'acte' || page.fields.kind !== 'deliberation') continue;
    const v = page.fields;
    const matiere = findMatiere((v.matiere ?? '').trim());
    const row: DeliberationRow = {
      COLL_NOM: oneLine(communeOf(ctx.communeName), 200),
      COLL_SIRET: isSiret(siret) ? siret : '',
      DELIB_ID: oneLine(v.number, 100),
      DELIB_DATE: isoDate(v.date),
      DELIB_MATIERE_CODE: matiere?.code ?? '',
      DELIB_MATIERE_NOM: matiere ? scdlMatiereName(matiere) : '',
      DELIB_OBJET: oneLine(v.subject),
      BUDGET_ANNEE: /^\d{4}(\/\d{4})?$/.test((v.budgetYear ?? '').trim()) ? v.budgetYear!.trim() : '',
      BUDGET_NOM: oneLine(v.budgetName, 200),
      PREF_ID: PREF_ID.test((v.prefId ?? '').trim()) ? v.prefId!.trim() : '',
      PREF_DATE: isoDate(v.prefDate),
      VOTE_EFFECTIF: count(v.voteEffectif),
      VOTE_REEL: count(v.voteReel),
      VOTE_POUR: count(v.votePour),
      VOTE_CONTRE: count(v.voteContre),
      VOTE_ABSTENTION: count(v.voteAbstention),
      DELIB_URL: deliberationUrl(ctx, page),
    };
    const missing = [
      row.COLL_SIRET ? '' : 'le numéro SIRET de la commune (réglages du site)',
      row.DELIB_ID ? '' : 'son numéro',
      row.DELIB_DATE ? '' : 'sa date',
      row.DELIB_MATIERE_CODE ? '' : 'sa matière (nomenclature ACTES)',
      row.DELIB_OBJET ? '' : 'son objet',
    ].filter(Boolean);
    if (missing.length > 0)
      skipped.push({
        page,
        reason: `la délibération n’est pas dans le fichier des données ouvertes (deliberations.csv) : il manque ${missing.join(', ')}.`,
      });
    else rows.push({ row, id: page.meta.id });
  }
  rows.sort((a, b) =>
    a.row.DELIB_DATE !== b.row.DELIB_DATE
      ? a.row.DELIB_DATE < b.row.DELIB_DATE
        ? 1
        : -1
      : a.row.DELIB_ID !== b.row.DELIB_ID
        ? a.row.DELIB_ID < b.row.DELIB_ID
          ? -1
          : 1
        : a.id < b.id
          ? -1
          : 1,
  );
  return { rows: rows.map((r) => r.row), skipped };
}

/** The signed PDF's absolute address, else the acte's page. */
function deliberationUrl(ctx: SiteContext, page: SitePage): string {
  const info = ctx.media(page.fields.pdf ?? '');
  return info && info.mime === 'application/pdf'
    ? `${ctx.siteUrl}${mediaPath(page.fields.pdf!, info)}`
    : `${ctx.siteUrl}${page.slug}/index.html`;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a space at its ends,
 * quotes doubled. A value a spreadsheet would run as a formula (leading `= + - @`, tab or
 * carriage return) is prefixed with an apostrophe (CSV injection, OWASP).
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The file: UTF-8 (no BOM), comma-separated, CRLF line ends, the header row first. */
export function deliberationsCsv(rows: readonly DeliberationRow[]): string {
  const lines = [
    DELIBERATION_COLUMNS.join(','),
    ...rows.map((row) => DELIBERATION_COLUMNS.map((c) => csvField(row[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** When the délibérations last changed (for the « Données ouvertes » page), or 0. */
export function deliberationsUpdatedAt(ctx: SiteContext): number {
  return ctx.pages
    .filter((p) => p.meta.type === 'acte' && p.fields.kind === 'deliberation')
    .reduce((max, p) => Math.max(max, p.meta.updatedAt), 0);
}
