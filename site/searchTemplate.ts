/**
 * The published site's search, as far as the static output goes (SPEC.md [SEARCH-1],
 * [SEARCH-6], [SEARCH-9]): the template of the results page a version carries (the header and
 * footer of the site around a slot the server fills), and the exported folder's header, where
 * no server answers `recherche/?q=`: the forms become a link to the « Plan du site ».
 */
import { GENERATED_PAGES } from './generatedPages';

/** The results page's template in a version (a dot folder: the server never serves it). */
export const SEARCH_TEMPLATE_FILE = '.recherche/page.html';
/** The template's page title (the server puts the query's in its place). */
export const SEARCH_TEMPLATE_TITLE = 'Recherche sur le site';
/**
 * Where the server writes the results: the template alone is a valid page (its h1), checked
 * before publishing like every other.
 */
export const SEARCH_SLOT = `<!--resultats--><h1>${SEARCH_TEMPLATE_TITLE}</h1><!--/resultats-->`;

/** The search forms of the theme (header and 404), as `searchForm` writes them for the server. */
const SERVED_FORM =
  /<form class="search" role="search"(?: aria-label="[^"]*")? method="get" action="(\.\.?\/)recherche\/">[\s\S]*?<\/form>/g;

/** The link that stands for the search in an exported folder. */
export function planLink(up: string): string {
  return `<p class="search-link"><a href="${up}${GENERATED_PAGES.sitemap.slug}/index.html">Plan du site</a></p>`;
}

/** A page of the version as it goes into an exported folder: each search form becomes a link. */
export function withoutSearchForms(html: string): string {
  return html.replace(SERVED_FORM, (_form, up: string) => planLink(up));
}
