// The themed page of an address taken offline (SPEC.md [ADDR-4]).
import { describe, expect, it } from 'vitest';
import { GONE_FILE } from './gonePage';
import { renderSite } from './renderSite';
import { sampleSnapshot } from './sampleSite';

describe('410 page', () => {
  it('[ADDR-4] 410.html: the site header and footer, « Page retirée du site », a search form, the ways home from the root', () => {
    const site = renderSite(sampleSnapshot());
    const gone = site.files.get(GONE_FILE)!;
    const notFound = site.files.get('404.html')!;
    expect(gone).toContain('<title>Page retirée du site – Aix-en-Provence</title>');
    expect(gone).toContain('<p class="status">Erreur 410</p><h1>Page retirée du site</h1>');
    expect(gone).toContain('id="recherche-410"');
    expect(gone).toContain('<a href="./index.html">Revenir à l’accueil</a>');
    expect(gone).toContain('<a href="./plan-du-site/index.html">Consulter le plan du site</a>');
    expect(gone).not.toContain('href="../');
    // Same header and footer as the 404.
    const chrome = (html: string) => [
      /<header class="site-header">[^]*?<\/header>/.exec(html)![0],
      /<footer[^]*<\/footer>/.exec(html)![0],
    ];
    expect(chrome(gone)).toEqual(chrome(notFound));
    // Not a page of the site: neither in the sitemap nor in the plan du site.
    expect(site.files.get('sitemap.xml')).not.toContain('410');
    expect(site.files.get('plan-du-site/index.html')).not.toContain('410.html');
  });
});
