/**
 * The themed page of an address taken offline (SPEC.md [ADDR-4]): `410.html` at the site's root,
 * with the same header, footer and ways home as the 404 ([THEME-6]). Pure.
 */
import { GENERATED_PAGES } from './generatedPages';
import { searchForm } from './listPages';
import { escapeHtml as e } from './renderHtml';
import { communeOf, type SiteContext } from './siteContext';

export const GONE_FILE = '410.html';
export const GONE_TITLE = 'Page retirée du site';

export function goneMain(ctx: SiteContext, searchAction: string): string {
  const commune = communeOf(ctx.communeName).replace(/^Commune/, 'commune');
  return [
    '<div class="wrap not-found">',
    '<p class="status">Erreur 410</p>',
    `<h1>${GONE_TITLE}</h1>`,
    `<p class="chapo">Cette page a été retirée du site de la ${e(commune)} : elle n’est plus en ligne. Son contenu a peut-être été déplacé ailleurs ; une recherche peut vous aider à le retrouver.</p>`,
    searchForm(searchAction, 'recherche-410', 'Rechercher la page'),
    '<ul class="ways">',
    '<li><a href="./index.html">Revenir à l’accueil</a></li>',
    `<li><a href="./${GENERATED_PAGES.sitemap.slug}/index.html">Consulter le plan du site</a></li>`,
    '</ul>',
    '</div>',
  ].join('');
}
