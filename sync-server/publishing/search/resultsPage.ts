/**
 * The themed results page (site/SPEC.md [SEARCH-5], [SEARCH-7]): the version's template (the
 * site's header and footer) with the results, or a helpful French page for an empty query, a
 * query with no result, or too many searches. Everything from the query is escaped.
 */
import { escapeHtml } from '../../../site/renderHtml';
import { SEARCH_SLOT, SEARCH_TEMPLATE_TITLE } from '../../../site/searchTemplate';
import { dateFr } from '../../../site/siteContext';
import { excerpt, markTerms } from './excerpt';
import { MAX_QUERY_CHARS, MAX_QUERY_TERMS, type ParsedQuery } from './normalize';
import type { SearchHit } from './searchIndex';

/** Results on one page, and pages of results a query may ask for. */
export const RESULTS_PER_PAGE = 10;
export const MAX_RESULT_PAGES = 20;

const e = escapeHtml;
const PLAN = '<a href="../plan-du-site/index.html">plan du site</a>';

/** The template with its title, the header's field filled with the query, and `main`. */
function fill(template: string, title: string, query: string, main: string): string {
  return template
    .replace(`<title>${SEARCH_TEMPLATE_TITLE} – `, () => `<title>${e(title)} – `)
    .replace('<input id="recherche-q" name="q" type="search"', () =>
      query
        ? `<input id="recherche-q" name="q" type="search" value="${e(query)}"`
        : '<input id="recherche-q" name="q" type="search"',
    )
    .replace(SEARCH_SLOT, () => main);
}

function frenchDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return '';
  return dateFr(Date.UTC(y, m - 1, d, 12));
}

function notices(query: ParsedQuery): string {
  const out: string[] = [];
  if (query.cut) out.push(`Votre recherche a été raccourcie à ses ${MAX_QUERY_CHARS} premiers caractères.`);
  if (query.dropped)
    out.push(`Seuls les ${MAX_QUERY_TERMS} premiers mots de votre recherche ont été cherchés.`);
  return out.map((n) => `<p class="search-notice">${n}</p>`).join('');
}

function resultItem(hit: SearchHit, terms: ReadonlySet<string>): string {
  const d = hit.document;
  const date = frenchDate(d.date);
  const text = excerpt(d.text, terms);
  return [
    '<li>',
    `<h2><a href="../${e(d.path)}">${markTerms(d.title, terms)}</a></h2>`,
    `<p class="meta">${e(d.type)}${date ? ` · <time datetime="${e(d.date)}">${e(date)}</time>` : ''}</p>`,
    text ? `<p>${text}</p>` : '',
    '</li>',
  ].join('');
}

function pagination(query: string, current: number, count: number): string {
  if (count <= 1) return '';
  const href = (n: number) => `./?q=${encodeURIComponent(query)}${n > 1 ? `&amp;page=${n}` : ''}`;
  const items = Array.from({ length: count }, (_, i) => i + 1).map(
    (n) => `<li><a href="${href(n)}"${n === current ? ' aria-current="page"' : ''}>${n}</a></li>`,
  );
  const prev = current > 1 ? `<li><a href="${href(current - 1)}">Page précédente</a></li>` : '';
  const next = current < count ? `<li><a href="${href(current + 1)}">Page suivante</a></li>` : '';
  return `<nav class="pagination" aria-label="Pages de résultats"><ul>${prev}${items.join('')}${next}</ul></nav>`;
}

/** The page for `query` (already searched: `total` results, `hits` those of page `page`). */
export function resultsPage(
  template: string,
  query: ParsedQuery,
  result: { total: number; hits: SearchHit[] },
  page: number,
): string {
  if (query.text === '') return emptyQueryPage(template);
  const quoted = `« ${e(query.text)} »`;
  if (result.total === 0) {
    const onlyCommon = query.terms.length === 0;
    return fill(
      template,
      `Aucun résultat pour « ${query.text} »`,
      query.text,
      [
        `<h1>Aucun résultat pour ${quoted}</h1>`,
        notices(query),
        onlyCommon
          ? '<p>Les mots très courants (« le », « de », « pour »…) ne sont pas cherchés : ajoutez un mot plus précis.</p>'
          : '<p>Aucune page du site ne contient tous ces mots.</p>',
        '<p>Vous pouvez :</p>',
        '<ul>',
        '<li>vérifier l’orthographe des mots (les accents et les majuscules ne comptent pas) ;</li>',
        '<li>chercher avec moins de mots, ou des mots plus généraux ;</li>',
        `<li>parcourir le ${PLAN}, les <a href="../actualites/index.html">actualités</a> ou l’<a href="../agenda/index.html">agenda</a> ;</li>`,
        '<li>contacter la mairie, dont les coordonnées sont en bas de page.</li>',
        '</ul>',
      ].join(''),
    );
  }
  const count = Math.min(MAX_RESULT_PAGES, Math.ceil(result.total / RESULTS_PER_PAGE));
  const terms = new Set(query.terms);
  const n = result.total;
  const found = `${n} page${n > 1 ? 's' : ''} trouvée${n > 1 ? 's' : ''} pour ${quoted}`;
  return fill(
    template,
    `Résultats pour « ${query.text} »${page > 1 ? ` – page ${page}` : ''}`,
    query.text,
    [
      `<h1>Résultats pour ${quoted}</h1>`,
      notices(query),
      `<p>${found}${count > 1 ? ` (page ${page} sur ${count})` : ''}.</p>`,
      result.hits.length > 0
        ? `<ol class="search-results">${result.hits.map((h) => resultItem(h, terms)).join('')}</ol>`
        : `<p>Cette page de résultats n’existe pas : revenez à la <a href="./?q=${encodeURIComponent(query.text)}">première page</a>.</p>`,
      pagination(query.text, page, count),
    ].join(''),
  );
}

export function emptyQueryPage(template: string): string {
  return fill(
    template,
    SEARCH_TEMPLATE_TITLE,
    '',
    [
      `<h1>${SEARCH_TEMPLATE_TITLE}</h1>`,
      '<p>Saisissez un ou plusieurs mots dans le champ « Rechercher sur le site » en haut de la page, par exemple « horaires mairie » ou « conseil municipal ». Les accents et les majuscules ne comptent pas, et « fêtes » trouve aussi « fête ».</p>',
      `<p>Vous pouvez aussi parcourir le ${PLAN}.</p>`,
    ].join(''),
  );
}

/** [SEARCH-8] The page of an address that searched too often. */
export function tooManyPage(template: string): string {
  return fill(
    template,
    'Trop de recherches',
    '',
    [
      '<h1>Trop de recherches</h1>',
      '<p>Beaucoup de recherches sont parties de votre connexion en peu de temps. Patientez une minute, puis relancez votre recherche.</p>',
      `<p>En attendant, vous pouvez parcourir le ${PLAN}.</p>`,
    ].join(''),
  );
}
