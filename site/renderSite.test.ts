import { describe, expect, it } from 'vitest';
import {
  contentHash8,
  contrastWithWhite,
  createRenderCache,
  NAV_MAX,
  publishableAccent,
  renderSite,
  type SiteSnapshot,
} from './renderSite';
import { paragraphsBody, sampleSnapshot } from './sampleSite';

const site = renderSite(sampleSnapshot());
const html = [...site.files].filter(([path]) => path.endsWith('.html'));
const file = (path: string) => {
  const content = site.files.get(path);
  if (content === undefined) throw new Error(`missing ${path}`);
  return content;
};
const hrefs = (doc: string) =>
  [...doc.matchAll(/\shref="([^"]*)"/g)].map((m) =>
    m[1]!.startsWith('#') ? m[1]! : m[1]!.replace(/#.*$/, ''),
  );

describe('renderSite', () => {
  it('[PUB-1] every page is a French HTML document with charset, viewport and title', () => {
    expect(html.length).toBeGreaterThan(1);
    for (const [, doc] of html) {
      expect(doc.startsWith('<!doctype html>\n<html lang="fr">')).toBe(true);
      expect(doc).toContain('<meta charset="utf-8">');
      expect(doc).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(doc).toMatch(/<title>[^<]+ – Aix-en-Provence<\/title>/);
    }
    expect(file('carte-d-identite/index.html')).toContain(
      '<title>Carte d’identité – Aix-en-Provence</title>',
    );
  });

  it('[PUB-2] links are relative and name index.html explicitly', () => {
    for (const [path, doc] of html) {
      for (const href of hrefs(doc)) {
        if (/^(https?|mailto|tel):/.test(href)) continue;
        expect(href, `${path}: ${href}`).toMatch(/^(#|\.\/|\.\.\/)/);
        if (!href.startsWith('#') && !/\.(css|xml|ics|csv|json|pdf|webp|png|svg)$/.test(href))
          expect(href).toMatch(/index\.html$/);
      }
    }
    expect(hrefs(file('index.html'))).toContain('./carte-d-identite/index.html');
    expect(hrefs(file('carte-d-identite/index.html'))).toContain('../index.html');
  });

  it('[PUB-2] every internal link points to a rendered file', () => {
    for (const [path, doc] of html) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
      for (const href of hrefs(doc)) {
        if (/^(https?|mailto|tel):|^#/.test(href)) continue;
        const parts = (dir + href).split('/');
        const resolved: string[] = [];
        for (const part of parts) {
          if (part === '..') resolved.pop();
          else if (part !== '.' && part !== '') resolved.push(part);
        }
        const target = resolved.join('/');
        expect(site.files.has(target) || site.media.has(target), `${path} → ${href}`).toBe(true);
      }
    }
  });

  it('[PUB-3] only published pages are rendered; drafts appear nowhere', () => {
    expect(html.map(([path]) => path).sort()).toEqual([
      '404.html',
      '410.html',
      'accessibilite/index.html',
      'actualites/index.html',
      'agenda/index.html',
      'arrete-2025-042/index.html',
      'associations/index.html',
      'cantine/index.html',
      'carte-d-identite/index.html',
      'concert/index.html',
      'conseil-municipal/index.html',
      'deliberation-2025-017/index.html',
      'donnees-ouvertes/index.html',
      'donnees-personnelles/index.html',
      'fete-du-village/index.html',
      'histoire/index.html',
      'horaires-et-contact/index.html',
      'index.html',
      'inscriptions-scolaires/index.html',
      'marche-des-producteurs/index.html',
      'mentions-legales/index.html',
      'plan-du-site/index.html',
      'registre-des-actes/index.html',
      'risques/index.html',
      'travaux-rue-thiers/index.html',
      'vide-greniers/index.html',
    ]);
    expect([...site.files.keys()].filter((p) => !p.endsWith('.html')).sort()).toEqual([
      'actes.csv',
      'actes.json',
      'actualites.xml',
      'deliberations.csv',
      'evenements.ics',
      'favicon.svg',
      'robots.txt',
      'sitemap.xml',
      expect.stringMatching(/^theme\.[0-9a-f]{8}\.css$/),
    ]);
    for (const [, doc] of site.files) expect(doc).not.toContain('Brouillon secret');
  });

  it('[PUB-4] one content-hashed stylesheet, no JavaScript, no inline style', () => {
    const css = [...site.files.keys()].filter((p) => p.endsWith('.css'));
    expect(css).toHaveLength(1);
    expect(css[0]).toBe(`theme.${contentHash8(file(css[0]!))}.css`);
    for (const [, doc] of html) {
      expect(doc.match(/<link rel="stylesheet"/g)).toHaveLength(1);
      expect(doc).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i);
    }
    expect(renderSite({ ...sampleSnapshot('body{color:red}') }).files.has(css[0]!)).toBe(false);
  });

  it('[PUB-5] skip link, landmarks and the h1', () => {
    for (const [, doc] of html) {
      expect(doc).toContain('<a class="skip-link" href="#contenu">Aller au contenu</a>');
      expect(doc).toContain('<main id="contenu" tabindex="-1">');
      for (const tag of ['<header', '<nav', '<main', '<footer']) expect(doc).toContain(tag);
      expect(doc.match(/<h1>/g)).toHaveLength(1);
    }
    expect(file('index.html')).toContain('<h1>Aix-en-Provence</h1>');
    expect(file('horaires-et-contact/index.html')).toContain(
      '<h1>Horaires &amp; contact &lt;mairie&gt;</h1>',
    );
  });

  it('[PUB-6] inner pages have a breadcrumb through their published parents', () => {
    const doc = file('carte-d-identite/index.html');
    expect(doc).toContain(
      '<nav class="breadcrumb" aria-label="Fil d’Ariane"><ol><li><a href="../index.html">Accueil</a></li><li><a href="../horaires-et-contact/index.html">Horaires &amp; contact &lt;mairie&gt;</a></li><li><span aria-current="page">Carte d’identité</span></li></ol></nav>',
    );
    expect(file('index.html')).not.toContain('Fil d’Ariane');
  });

  it('[PUB-7][GEN-1] every page links to the four generated pages, always present', () => {
    const none = sampleSnapshot();
    none.pages = [];
    const bare = renderSite(none).files;
    for (const files of [site.files, bare]) {
      for (const slug of ['mentions-legales', 'accessibilite', 'donnees-personnelles', 'plan-du-site'])
        expect(files.has(`${slug}/index.html`)).toBe(true);
    }
    for (const [path, doc] of html) {
      const up = path.includes('/') ? '../' : './';
      expect(doc).toContain(`<a href="${up}mentions-legales/index.html">Mentions légales</a>`);
      expect(doc).toContain(
        `<a href="${up}accessibilite/index.html">Accessibilité : partiellement conforme</a>`,
      );
      expect(doc).toContain(`<a href="${up}donnees-personnelles/index.html">Données personnelles</a>`);
      expect(doc).toContain(`<a href="${up}plan-du-site/index.html">Plan du site</a>`);
    }
  });

  it('[PUB-8] body text is escaped and javascript: links dropped', () => {
    const doc = file('horaires-et-contact/index.html');
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).not.toContain('javascript:');
  });

  it('[PUB-9] hostile slugs and duplicate slugs become safe, unique directories', () => {
    const snapshot = sampleSnapshot();
    const base = snapshot.pages[1]!;
    snapshot.pages = [
      {
        meta: { ...base.meta, id: 'x1', slug: '../../etc', title: 'A', order: 'b1' },
        body: paragraphsBody(['a']),
      },
      {
        meta: { ...base.meta, id: 'x2', slug: 'meme', title: 'B', order: 'b2' },
        body: paragraphsBody(['b']),
      },
      {
        meta: { ...base.meta, id: 'x3', slug: 'meme', title: 'C', order: 'b3' },
        body: paragraphsBody(['c']),
      },
      {
        meta: { ...base.meta, id: 'x4', slug: 'theme.css', title: 'D', order: 'b4' },
        body: paragraphsBody(['d']),
      },
    ];
    snapshot.pages.push({
      meta: { ...base.meta, id: 'x5', slug: 'mentions-legales', title: 'E', order: 'b5' },
      body: paragraphsBody(['e']),
    });
    const paths = [...renderSite(snapshot).pagePaths.values()];
    expect(paths).toEqual([
      'etc/index.html',
      'meme/index.html',
      'meme-2/index.html',
      'theme-css/index.html',
      'mentions-legales-2/index.html',
    ]);
  });

  it('[PUB-9] a parent cycle neither loops nor hides the pages', () => {
    const snapshot = sampleSnapshot();
    snapshot.menus = undefined; // the default menu: the top-level pages ([MENU-4])
    const base = snapshot.pages[1]!;
    snapshot.pages = [
      {
        meta: { ...base.meta, id: 'c1', slug: 'un', title: 'Un', parentId: 'c2', order: 'b1' },
        body: paragraphsBody([]),
      },
      {
        meta: { ...base.meta, id: 'c2', slug: 'deux', title: 'Deux', parentId: 'c1', order: 'b2' },
        body: paragraphsBody([]),
      },
    ];
    const files = renderSite(snapshot).files;
    expect(files.get('index.html')).toContain('./un/index.html');
    expect(files.get('index.html')).toContain('./deux/index.html');
  });

  it('[PUB-10] the accent colour is published only if it passes 4.5:1 on white', () => {
    expect(contrastWithWhite('#000091')).toBeGreaterThan(4.5);
    expect(publishableAccent('#000091')).toBe('#000091');
    expect(publishableAccent('#B34000')).toBe('#b34000');
    expect(publishableAccent('#ffff00')).toBe('#000091');
    expect(publishableAccent('red;}body{display:none')).toBe('#000091');
    const snapshot = sampleSnapshot('a{}');
    snapshot.settings.accentColor = '#18753c';
    const css = [...renderSite(snapshot).files].find(([p]) => p.endsWith('.css'))![1];
    expect(css).toContain(':root{--accent:#18753c}');
  });

  it('[PUB-5][MENU-4] the default main menu holds at most NAV_MAX entries, then « Toutes les pages »', () => {
    const snapshot = sampleSnapshot();
    snapshot.menus = undefined;
    const base = snapshot.pages[1]!;
    snapshot.pages = Array.from({ length: 30 }, (_, i) => ({
      meta: {
        ...base.meta,
        id: `n${i}`,
        slug: `page-${i}`,
        title: `Page ${i}`,
        order: `b${String(i).padStart(2, '0')}`,
      },
      body: paragraphsBody(['x']),
    }));
    const doc = renderSite(snapshot).files.get('page-3/index.html')!;
    const menu = /<nav class="site-nav"[^]*?<\/nav>/.exec(doc)![0];
    expect(menu.match(/<li>/g)).toHaveLength(NAV_MAX + 1);
    expect(menu).toContain('<li><a href="../plan-du-site/index.html">Toutes les pages</a></li>');
    expect(renderSite(snapshot).files.get('plan-du-site/index.html')).toContain('../page-29/index.html');
  });

  it('[PUB-11] a render cache gives exactly the files of a fresh render, after any change', () => {
    const cache = createRenderCache();
    const snapshot = sampleSnapshot();
    expect([...renderSite(snapshot, { cache }).files]).toEqual([...site.files]);
    const again = renderSite(snapshot, { cache });
    expect([...again.files]).toEqual([...site.files]);
    expect([...again.media].sort()).toEqual([...site.media].sort());
    const changed = sampleSnapshot();
    changed.pages[1]!.meta = { ...changed.pages[1]!.meta, title: 'Nouveau titre' };
    changed.pages[4]!.body = paragraphsBody(['Autre texte.']);
    const fresh = renderSite(changed);
    const cached = renderSite(changed, { cache });
    expect([...cached.files]).toEqual([...fresh.files]);
    expect([...cached.media].sort()).toEqual([...fresh.media].sort());
  });

  it('[PUB-11] a render cache follows settings, menus and the home page body like a fresh render', () => {
    const cache = createRenderCache();
    const snapshot = sampleSnapshot();
    renderSite(snapshot, { cache });
    const home = snapshot.pages.findIndex((p) => p.meta.type === 'accueil');
    const changes: Array<(s: SiteSnapshot) => SiteSnapshot> = [
      (s) => ({ ...s, settings: { ...s.settings, phone: '04 42 99 99 99' } }),
      (s) => ({ ...s, menus: { ...s.menus!, main: s.menus!.main.slice(1) } }),
      (s) => {
        const pages = [...s.pages];
        pages[home] = { ...pages[home]!, body: paragraphsBody(['Un autre mot du maire.']) };
        return { ...s, pages };
      },
      // Only an inner page's body: the rest of the site is the same as last time.
      (s) => {
        const pages = [...s.pages];
        const inner = pages.findIndex((p) => p.meta.type === 'page' && p.meta.status === 'published');
        pages[inner] = { ...pages[inner]!, body: paragraphsBody(['Un paragraphe nouveau.']) };
        return { ...s, pages };
      },
    ];
    let current = snapshot;
    for (const change of changes) {
      current = change(current);
      const fresh = renderSite(current);
      const cached = renderSite(current, { cache });
      expect([...cached.files]).toEqual([...fresh.files]);
      expect([...cached.media].sort()).toEqual([...fresh.media].sort());
    }
    expect([...renderSite(current).files.values()].join('')).toContain('Un paragraphe nouveau.');
  });

  it('[PUB-11] a render cache follows the clock: the day, events that end, alerts that expire', () => {
    const cache = createRenderCache();
    const base = sampleSnapshot();
    const updated = Date.UTC(2025, 4, 1);
    const pages = base.pages.map((p) => ({
      ...p,
      meta: {
        ...p.meta,
        updatedAt: updated,
        ...(p.meta.type === 'risques'
          ? { fields: { ...p.meta.fields, alertUntil: '2025-06-02T12:00' } }
          : {}),
      },
    }));
    const at = (iso: string): SiteSnapshot => ({ ...base, pages, publishedAt: Date.parse(iso) });
    renderSite(at('2025-06-02T08:30:00Z'), { cache });
    // Later the same day, nothing the site-wide files read has changed: they come from the cache.
    const before = cache.site;
    expect([...renderSite(at('2025-06-02T09:00:00Z'), { cache }).files]).toEqual([
      ...renderSite(at('2025-06-02T09:00:00Z')).files,
    ]);
    expect(cache.site).toBe(before);
    for (const when of [
      '2025-06-02T10:30:00Z', // the alert has expired (12:00 in Paris)
      '2025-06-03T08:30:00Z', // the next day
      '2025-06-07T12:00:00Z', // the market of the 7th has ended
      '2025-06-22T08:00:00Z', // every event is past
    ]) {
      const fresh = renderSite(at(when));
      const cached = renderSite(at(when), { cache });
      expect([...cached.files], when).toEqual([...fresh.files]);
      expect([...cached.media].sort(), when).toEqual([...fresh.media].sort());
    }
    // A page without an update time: the iCalendar stamp reads the exact time of publication.
    const undated = pages.map((p) =>
      p.meta.type === 'evenement' ? { ...p, meta: { ...p.meta, updatedAt: 0 } } : p,
    );
    for (const when of ['2025-06-22T08:00:00Z', '2025-06-22T08:05:00Z']) {
      const snap = { ...at(when), pages: undated };
      expect([...renderSite(snap, { cache }).files], when).toEqual([...renderSite(snap).files]);
    }
  });

  it('[PUB-11] with the same page objects, cached cards follow the media library', () => {
    const cache = createRenderCache();
    const snapshot = sampleSnapshot();
    renderSite(snapshot, { cache });
    const again = renderSite(snapshot, { cache });
    expect([...again.files]).toEqual([...site.files]);
    expect([...again.media].sort()).toEqual([...site.media].sort());
    // A news image leaves the library: the card loses it, as in a fresh render.
    const news = snapshot.pages.find((p) => p.meta.type === 'actualite' && p.meta.fields?.image)!;
    const sha = String(news.meta.fields!.image);
    expect(Object.keys(snapshot.media ?? {})).toContain(sha);
    const media = { ...snapshot.media };
    delete media[sha];
    const without = { ...snapshot, media };
    const fresh = renderSite(without);
    const cached = renderSite(without, { cache });
    expect(fresh.files.get('actualites/index.html')).not.toEqual(site.files.get('actualites/index.html'));
    expect([...cached.files]).toEqual([...fresh.files]);
    expect([...cached.media].sort()).toEqual([...fresh.media].sort());
  });

  it('[PUB-11] rendering is deterministic', () => {
    expect([...renderSite(sampleSnapshot()).files]).toEqual([...site.files]);
  });
});

describe('structured lists in the published pages', () => {
  it('[TYPE-10] élus: a table with column and row headers, the photo decorative, the delegation', () => {
    const doc = file('conseil-municipal/index.html');
    expect(doc).toContain(
      '<table class="members"><caption>Composition du conseil municipal</caption><thead><tr><th scope="col">Élu</th><th scope="col">Fonction</th><th scope="col">Délégation</th></tr></thead>',
    );
    expect(doc).toMatch(
      /<tr><th scope="row"><img class="member-photo" src="\.\.\/media\/a3f1[0-9a-f]{60}-480\.webp" width="96" height="\d+" alt="" loading="lazy" decoding="async">Sophie Martin<\/th><td>maire<\/td><td>—<\/td><\/tr>/,
    );
    expect(doc).toContain(
      '<tr><th scope="row">Paul Durand</th><td>premier adjoint</td><td>Écoles et jeunesse</td></tr>',
    );
    expect([...site.media].some((m) => m.endsWith('-480.webp'))).toBe(true);
  });

  it('[TYPE-10] horaires: ranges read « de 8 h 30 à 12 h » with <time>, closures with their dates', () => {
    const doc = file('horaires-et-contact/index.html');
    expect(doc).toContain(
      '<tr><th scope="row">Mardi</th><td>de <time datetime="08:30">8 h 30</time> à <time datetime="12:00">12 h</time> et de <time datetime="13:30">13 h 30</time> à <time datetime="17:00">17 h</time></td></tr>',
    );
    expect(doc).toContain('<tr><th scope="row">Samedi</th><td>Sur rendez-vous</td></tr>');
    expect(doc).toContain(
      '<h2>Fermetures exceptionnelles</h2><ul class="closures"><li>Du <time datetime="2099-05-14">jeudi 14 mai 2099</time> au <time datetime="2099-05-15">vendredi 15 mai 2099</time> : Pont de l’Ascension</li></ul>',
    );
  });

  it('[TYPE-10] a closure already over when publishing is not shown; a day without hours says « Fermé »', () => {
    const snapshot = sampleSnapshot();
    const contact = snapshot.pages.find((p) => p.meta.type === 'contact')!;
    contact.meta = {
      ...contact.meta,
      fields: {
        ...contact.meta.fields,
        hours: [{ day: 'dimanche' }],
        closures: [{ from: '2000-01-01', reason: 'Passée' }],
      },
    };
    const doc = renderSite(snapshot).files.get('horaires-et-contact/index.html')!;
    expect(doc).toContain('<tr><th scope="row">Dimanche</th><td>Fermé</td></tr>');
    expect(doc).not.toContain('Passée');
  });

  it('[TYPE-10] associations: a list, each with its name, activity and contact links', () => {
    const doc = file('associations/index.html');
    expect(doc).toContain(
      '<li><p class="entry-name"><strong>Club de pétanque</strong></p><p>Sport et loisirs</p><ul class="contacts"><li><a href="mailto:petanque@example.org">petanque@example.org</a></li><li><a href="tel:0442000001">04 42 00 00 01</a></li></ul></li>',
    );
    expect(doc).toContain('<a href="https://chorale.example.org">chorale.example.org</a>');
  });

  it('[TYPE-10] cantine: one section per day, its date in <time>, dishes by course, labels and allergens', () => {
    const doc = file('cantine/index.html');
    expect(doc).toContain(
      '<section class="menu-day"><h2><time datetime="2025-06-02">lundi 2 juin 2025</time></h2><dl class="fields"><div><dt>Entrée</dt><dd>Carottes râpées</dd></div><div><dt>Plat</dt><dd>Poisson pané</dd></div>',
    );
    expect(doc).toContain(
      '<div><dt>Mentions</dt><dd>Bio, Produit local</dd></div><div><dt>Allergènes</dt><dd>Poisson, gluten, lait</dd></div>',
    );
    expect(doc.indexOf('2025-06-02')).toBeLessThan(doc.indexOf('2025-06-03'));
  });

  it('[TYPE-8] a site saved with the older textarea values publishes the same structure', () => {
    const snapshot = sampleSnapshot();
    const elus = snapshot.pages.find((p) => p.meta.type === 'elus')!;
    elus.meta = { ...elus.meta, fields: { members: 'Sophie Martin ; maire\nPaul Durand ; premier adjoint' } };
    const doc = renderSite(snapshot).files.get('conseil-municipal/index.html')!;
    expect(doc).toContain('<tr><th scope="row">Sophie Martin</th><td>maire</td></tr>');
    expect(doc).toContain('<tr><th scope="row">Paul Durand</th><td>premier adjoint</td></tr>');
  });
});
