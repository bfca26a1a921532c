// The published theme (SPEC [THEME-*]): home page sections, search form, quick-access tiles,
// list pages, section navigation, 404, banner, and the HTML+CSS weight of every page.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSite } from './checks';
import { ICONS, iconSvg } from './icons';
import { NEWS_PER_PAGE } from './listPages';
import { parseQuickLinks } from './quickLinks';
import { renderSite, type SiteSnapshot } from './renderSite';
import { paragraphsBody, SAMPLE_MEDIA, sampleSnapshot } from './sampleSite';
import { normalizeSettings, validateSettings } from './settings';

const stylesheet = readFileSync(join(resolve(__dirname, '..'), 'assets/site.css'), 'utf8');
const site = renderSite(sampleSnapshot(stylesheet));
const home = site.files.get('index.html')!;
const section = (html: string, id: string) =>
  new RegExp(`<section[^>]*aria-labelledby="${id}"[^]*?</section>`).exec(html)?.[0] ?? '';

function withPages(
  extra: SiteSnapshot['pages'],
  settings: Partial<SiteSnapshot['settings']> = {},
): SiteSnapshot {
  const snapshot = sampleSnapshot(stylesheet);
  snapshot.pages.push(...extra);
  Object.assign(snapshot.settings, settings);
  return snapshot;
}

function page(id: string, type: string, fields: Record<string, unknown>, parentId: string | null = null) {
  const base = sampleSnapshot().pages[1]!;
  return {
    meta: {
      ...base.meta,
      id,
      type: type as never,
      slug: `p-${id}`,
      title: `Titre ${id}`,
      order: `z${id}`,
      parentId,
      fields,
    },
    body: paragraphsBody(['x']),
  };
}

describe('theme', () => {
  it('[THEME-1] the home page: banner and name, quick access, news cards, event date cards, the town hall', () => {
    expect(home).toMatch(
      /<div class="hero has-img"><img class="hero-img" src="\.\/media\/[0-9a-f]{64}-960\.webp" srcset="[^"]+" sizes="100vw" width="1600" height="900" alt="" fetchpriority="high">/,
    );
    expect(home).toContain('<h1>Aix-en-Provence</h1><p class="intro">Bienvenue à Aix-en-Provence.</p>');
    const news = section(home, 'une-titre');
    // The three newest actualités, newest first, with image, date and summary.
    expect([...news.matchAll(/<h3><a href="([^"]+)"/g)].map((m) => m[1])).toEqual([
      './fete-du-village/index.html',
      './travaux-rue-thiers/index.html',
      './inscriptions-scolaires/index.html',
    ]);
    expect(news).toContain('<time datetime="2025-05-28">28 mai 2025</time>');
    expect(news).toContain('La fête revient le 21 juin sur la place.');
    expect(news).toMatch(
      /<li class="card"><div class="card-img"><img src="\.\/media\/[^"]+" srcset="[^"]+" sizes="[^"]+" width="1600" height="900" alt="" loading="lazy"/,
    );
    expect(news).toContain('<a href="./actualites/index.html">Toutes les actualités</a>');
    // Events to come only (the vide-greniers of May is over), soonest first, as date cards.
    const agenda = section(home, 'agenda-titre');
    expect([...agenda.matchAll(/<h3><a href="([^"]+)"/g)].map((m) => m[1])).toEqual([
      './marche-des-producteurs/index.html',
      './concert/index.html',
    ]);
    expect(agenda).toContain(
      '<span class="day">7</span> <span class="month">juin</span> <span class="year">2025</span>',
    );
    expect(agenda).toContain('samedi, 8 h à 13 h · Place Richelme');
    const hall = section(home, 'mairie-titre');
    expect(hall).toContain('<a href="tel:0442000000">04 42 00 00 00</a>');
    expect(hall).toContain('<a href="mailto:mairie@aix-en-provence.example">');
    expect(hall).toContain('<th scope="row">Mardi</th><td>de <time datetime="08:30">8 h 30</time>');
    expect(hall).toContain('Pont de l’Ascension');
  });

  it('[THEME-2] every page has the search form (GET q); it leads to the plan du site until the server searches', () => {
    for (const [path, html] of site.files) {
      if (!path.endsWith('.html')) continue;
      const up = path.includes('/') ? '../' : './';
      expect(html, path).toContain(
        `<form class="search" role="search" method="get" action="${up}plan-du-site/index.html"><label for="recherche-q">Rechercher sur le site</label><span class="search-row"><input id="recherche-q" name="q" type="search"`,
      );
    }
    const served = renderSite({ ...sampleSnapshot(stylesheet), searchAvailable: true }).files;
    expect(served.get('agenda/index.html')).toContain('action="../recherche/"');
    expect(served.get('index.html')).toContain('action="./recherche/"');
  });

  it('[THEME-3] quick access: the tiles chosen in the settings, in order, at most 8, each with its icon', () => {
    const chosen = renderSite(
      withPages([], {
        quickLinks: [
          'agenda ; agenda',
          'demarches ; carte-d-identite ; Papiers d’identité',
          'plan ; https://www.service-public.fr/ ; Service-public.fr',
          'info ; page-inconnue',
          ...Array.from({ length: 8 }, () => 'actes ; registre-des-actes'),
        ].join('\n'),
      }),
    ).files.get('index.html')!;
    const tiles = [
      ...section(chosen, 'acces-titre').matchAll(
        /<li><a href="([^"]+)">(<svg[^]*?<\/svg>)<span>([^<]*)<\/span>/g,
      ),
    ];
    expect(tiles.map((t) => [t[1], t[3]])).toEqual([
      ['./agenda/index.html', 'Agenda'],
      ['./carte-d-identite/index.html', 'Papiers d’identité'],
      ['https://www.service-public.fr/', 'Service-public.fr'],
      ...Array.from({ length: 4 }, () => ['./registre-des-actes/index.html', 'Registre des actes']),
    ]);
    expect(tiles[0]![2]).toBe(iconSvg('agenda'));
    // Without a choice, tiles follow the site's pages.
    const defaults = [...section(home, 'acces-titre').matchAll(/<span>([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(defaults).toEqual([
      'Démarches',
      'Contacter la mairie',
      'Agenda',
      'Actualités',
      'Menus de la cantine',
      'Associations',
      'Vos élus',
      'Registre des actes',
    ]);
    // Bad lines are explained in French, line by line.
    expect(parseQuickLinks('soleil ; agenda\nagenda ; /etc/passwd').issues).toEqual([
      'Accès rapides, ligne 1 : icône « soleil » inconnue.',
      'Accès rapides, ligne 2 : indiquez l’adresse d’une page (par exemple carte-d-identite) ou un lien https://…',
    ]);
    expect(
      validateSettings(normalizeSettings({ ...sampleSnapshot().settings, quickLinks: 'x ; y' }, 'A'))[0]!
        .field,
    ).toBe('quickLinks');
    // Every icon is a short stroke drawing.
    for (const name of Object.keys(ICONS) as Array<keyof typeof ICONS>)
      expect(ICONS[name].d).toMatch(/^[MmLlHhVvCcSsQqTtAaZz0-9 .,-]+$/);
  });

  it('[THEME-4] list pages: actualités paginated, the agenda to come and past, the registre des actes by year and kind', () => {
    const many = Array.from({ length: NEWS_PER_PAGE + 3 }, (_, i) =>
      page(`n${String(i).padStart(2, '0')}`, 'actualite', {
        date: `2024-01-${String(i + 1).padStart(2, '0')}`,
        summary: `Résumé ${i}`,
      }),
    );
    const actes = [
      page('a1', 'acte', {
        kind: 'deliberation',
        number: '2024-003',
        date: '2024-11-05',
        subject: 'Tarifs',
        onlineAt: '2024-11-06T09:00',
      }),
      page('a2', 'acte', {
        kind: 'proces-verbal',
        number: 'PV-2024-9',
        date: '2024-11-05',
        subject: 'Séance',
        onlineAt: '2024-11-06T09:00',
      }),
    ];
    const files = renderSite(withPages([...many, ...actes])).files;
    const first = files.get('actualites/index.html')!;
    const second = files.get('actualites/page-2.html')!;
    const titles = (html: string) =>
      [...html.matchAll(/<li class="card[^"]*">[^]*?<h2><a href="\.\.\/([^/]+)\//g)].map((m) => m[1]);
    expect(titles(first)).toHaveLength(NEWS_PER_PAGE);
    expect(titles(first)[0]).toBe('fete-du-village');
    expect(new Set([...titles(first), ...titles(second)]).size).toBe(NEWS_PER_PAGE + 6);
    expect(second).toContain('<h1>Actualités – page 2 sur 2</h1>');
    expect(second).toContain('<a href="./page-2.html" aria-current="page">2</a>');
    expect(first).toContain('<nav class="pagination" aria-label="Pages des actualités">');
    const agenda = files.get('agenda/index.html')!;
    const [toCome, past] = agenda.split('<h2>Événements passés</h2>');
    expect(toCome).toContain('../concert/index.html');
    expect(toCome).not.toContain('vide-greniers');
    expect(past).toContain('../vide-greniers/index.html');
    const registre = files.get('registre-des-actes/index.html')!;
    expect(registre).toContain('<h2>Année 2025</h2>');
    expect(registre).toContain('<h3>Arrêtés <span class="count">(1)</span></h3>');
    expect(registre).toContain('<h3>Délibérations <span class="count">(1)</span></h3>');
    expect(registre).toMatch(
      /<nav class="years" aria-label="Années du registre"><ul><li><a href="\.\/index\.html" aria-current="page">2025<\/a><\/li><li><a href="\.\/2024\.html">2024<\/a>/,
    );
    const y2024 = files.get('registre-des-actes/2024.html')!;
    expect(y2024).toContain('<h3>Délibérations <span class="count">(1)</span></h3>');

    expect(y2024).toContain(
      '>PV-2024-9</a><br><time datetime="2024-11-05">5 novembre 2024</time></th><td>Séance</td></tr>',
    );
  });

  it('[THEME-5] an inner page of a section shows the section navigation, the current page marked', () => {
    const files = renderSite(
      withPages([page('c1', 'page', {}, 'horaires'), page('c2', 'page', {}, 'c1')]),
    ).files;
    const leaf = files.get('p-c2/index.html')!;
    const nav = /<nav class="section-nav"[^]*?<\/nav>/.exec(leaf)![0];
    expect(nav).toContain('aria-label="Rubrique Horaires &amp; contact &lt;mairie&gt;"');
    expect(nav).toContain('<a href="../carte-d-identite/index.html">Carte d’identité</a>');
    expect(nav).toContain('<a href="../p-c2/index.html" aria-current="page">Titre c2</a>');
    // A page alone has none.
    expect(files.get('histoire/index.html')).not.toContain('section-nav');
  });

  it('[THEME-6] the 404: the header, the search form, the way home, linked from the root', () => {
    const notFound = site.files.get('404.html')!;
    expect(notFound).toContain('<title>Page introuvable – Aix-en-Provence</title>');
    expect(notFound).toContain('<header class="site-header">');
    expect(notFound).toContain('<h1>Page introuvable</h1>');
    expect(notFound).toContain('id="recherche-404"');
    expect(notFound).toContain('<a href="./index.html">Revenir à l’accueil</a>');
    expect(notFound).not.toContain('href="../');
  });

  it('[THEME-7] the banner photo and the open-data page come from the settings and the site', () => {
    const without = renderSite({
      ...sampleSnapshot(stylesheet),
      settings: { ...sampleSnapshot().settings, banner: '' },
    });
    expect(without.files.get('index.html')).toContain('<div class="hero"><div class="wrap">');
    const unknown = renderSite({
      ...sampleSnapshot(stylesheet),
      settings: { ...sampleSnapshot().settings, banner: SAMPLE_MEDIA.pdf },
    });
    expect(unknown.files.get('index.html')).not.toContain('hero-img');
    const data = site.files.get('donnees-ouvertes/index.html')!;
    expect(data).toContain(
      '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence Ouverte 2.0 (Etalab)</a>',
    );
    expect(data).toContain(
      '<th scope="row"><a href="../deliberations.csv">Délibérations du conseil municipal (CSV)</a></th><td><a href="https://schema.data.gouv.fr/scdl/deliberations/2.1.5/">SCDL Délibérations 2.1.5</a><br>Mis à jour le <time datetime=',
    );
    for (const file of ['actes.csv', 'actes.json', 'actualites.xml', 'evenements.ics'])
      expect(data).toContain(`<a href="../${file}">`);
    expect(site.files.get('plan-du-site/index.html')).toContain(
      '<a href="../donnees-ouvertes/index.html">Données ouvertes</a>',
    );
  });

  it('[CHK-6][THEME-4] a commune page titled like a list page (« Agenda ») is a warning, not a refusal', () => {
    const snapshot = withPages([
      { ...page('ag', 'page', {}), meta: { ...page('ag', 'page', {}).meta, title: 'Agenda' } },
    ]);
    const report = checkSite(snapshot, renderSite(snapshot));
    expect(report.errors.filter((i) => i.rule === 'unique-title')).toEqual([]);
    expect(report.warnings.filter((i) => i.rule === 'unique-title')).toHaveLength(1);
  });

  it('[THEME-8] every page weighs at most 30 KB of HTML+CSS before images', () => {
    const css = [...site.files].find(([p]) => p.endsWith('.css'))![1];
    const size = (text: string) => new TextEncoder().encode(text).length;
    for (const [path, html] of site.files)
      if (path.endsWith('.html')) expect(size(html) + size(css), path).toBeLessThanOrEqual(30 * 1024);
  });
});
