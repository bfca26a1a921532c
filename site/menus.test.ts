import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addMenuEntry,
  defaultMainMenu,
  MAIN_CHOSEN,
  MENU_MAX_CHILDREN,
  MENU_LABEL_MAX,
  MENU_MAX_FOOTER,
  MENU_MAX_TOP,
  menusMap,
  moveMenuEntry,
  readMenus,
  removeMenuEntry,
  renameMenuEntry,
  clearMenuEntryLabel,
  type SiteMenus,
} from './menus';
import { NEWS_PER_PAGE } from './listPages';
import { renderSite, type SiteSnapshot } from './renderSite';
import { paragraphsBody, SAMPLE_MENUS, sampleSnapshot } from './sampleSite';
import {
  createPage,
  MANIFEST_MAX_TYPE_DEPTH,
  nestedTypeDepth,
  ORIGIN_LOCAL_EDIT,
  readPages,
  updatePage,
} from './siteDoc';

/** The « Menu principal » of a rendered file, as [label, href] pairs in document order. */
function mainMenu(html: string): Array<[string, string]> {
  const nav = /<nav class="site-nav" aria-label="Menu principal">[^]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)<\/a>|<summary[^>]*>([^<]*)<\/summary>/g)].map(
    (m) => (m[3] !== undefined ? [m[3], '(sous-menu)'] : [m[2]!, m[1]!]),
  );
}

function footer(html: string): string {
  return /<nav aria-label="Liens utiles">[^]*?<\/nav>/.exec(html)?.[0] ?? '';
}

function withMenus(menus: SiteMenus | undefined): SiteSnapshot {
  const snapshot = sampleSnapshot();
  snapshot.menus = menus;
  return snapshot;
}

/** A manifest with a few pages, and the renderer's snapshot of it. */
function site() {
  const doc = new Y.Doc();
  const mairie = createPage(doc, { title: 'La mairie', updatedBy: 'a' });
  const elus = createPage(doc, { title: 'Les élus', updatedBy: 'a' });
  const ecole = createPage(doc, { title: 'École', updatedBy: 'a' });
  const news = createPage(doc, { title: 'Fête', type: 'actualite', updatedBy: 'a' });
  for (const p of [mairie, elus, ecole, news]) updatePage(doc, p.id, { status: 'published' }, 'a');
  const snapshot = (): SiteSnapshot => ({
    ...sampleSnapshot(),
    pages: readPages(doc).map((meta) => ({ meta, body: paragraphsBody(['x']) })),
    menus: readMenus(doc),
  });
  return { doc, mairie, elus, ecole, news, snapshot };
}

describe('menus', () => {
  it('[MENU-1] menus are flat Y.Maps in the manifest: within MANIFEST_MAX_TYPE_DEPTH', () => {
    const { doc, mairie, elus } = site();
    const top = addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id });
    if (!('id' in top)) throw new Error('not added');
    addMenuEntry(doc, { menu: 'main', kind: 'page', target: elus.id, parentId: top.id });
    addMenuEntry(doc, { menu: 'footer', kind: 'link', target: 'https://a.fr/', label: 'A' });
    // The root map counts as depth 0: entries are at depth 1, far under the bound.
    expect(nestedTypeDepth(menusMap(doc), MANIFEST_MAX_TYPE_DEPTH)).toBe(1);
    expect(readMenus(doc).main[0]!.children.map((c) => c.target)).toEqual([elus.id]);
  });

  it('[MENU-1] an entry follows its page by id: renamed, re-slugged, moved under another page', () => {
    const { doc, mairie, elus, snapshot } = site();
    addMenuEntry(doc, { menu: 'main', kind: 'page', target: elus.id });
    doc.transact(() => {
      updatePage(doc, elus.id, { title: 'Le conseil municipal', parentId: mairie.id }, 'a');
      (doc.getMap('pages').get(elus.id) as Y.Map<unknown>).set('slug', 'conseil');
    });
    const home = renderSite(snapshot()).files.get('index.html')!;
    expect(mainMenu(home)).toEqual([['Le conseil municipal', './conseil/index.html']]);
  });

  it('[MENU-1] two agents adding entries offline both keep them, in the same order on both', () => {
    const { doc, mairie, ecole } = site();
    addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id });
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    addMenuEntry(doc, { menu: 'main', kind: 'page', target: ecole.id });
    addMenuEntry(other, { menu: 'main', kind: 'link', target: 'https://ecole.fr/', label: 'Cantine' });
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    const targets = readMenus(doc).main.map((e) => e.target);
    expect(targets).toHaveLength(3);
    expect(readMenus(other).main.map((e) => e.target)).toEqual(targets);
  });

  it('[MENU-2] at most 8 entries at the top, 8 under one entry, 8 in the footer: more is refused in French', () => {
    const { doc, mairie } = site();
    for (let i = 0; i < MENU_MAX_TOP; i++)
      expect(addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id })).toHaveProperty('id');
    expect(addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id })).toEqual({
      problem: 'Le menu principal compte déjà 8 entrées, le maximum.',
    });
    const parent = readMenus(doc).main[0]!.id;
    for (let i = 0; i < MENU_MAX_CHILDREN; i++)
      addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id, parentId: parent });
    expect(addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id, parentId: parent })).toEqual({
      problem: 'Cette entrée compte déjà 8 sous-entrées, le maximum.',
    });
    for (let i = 0; i < MENU_MAX_FOOTER; i++)
      addMenuEntry(doc, { menu: 'footer', kind: 'list', target: 'agenda' });
    expect(addMenuEntry(doc, { menu: 'footer', kind: 'list', target: 'agenda' })).toHaveProperty('problem');
    expect(
      addMenuEntry(doc, { menu: 'footer', kind: 'link', target: 'javascript:alert(1)', label: 'x' }),
    ).toEqual({
      problem: 'Indiquez une adresse complète qui commence par https://',
    });
  });

  it('[MENU-2] a label is refused empty or beyond 80 characters, in French, and nothing is written', () => {
    const { doc, mairie } = site();
    const top = addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id }) as { id: string };
    const writes: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => writes.push(u));
    expect(renameMenuEntry(doc, top.id, '   ')).toBe('Indiquez le libellé de l’entrée.');
    expect(renameMenuEntry(doc, top.id, 'é'.repeat(MENU_LABEL_MAX + 1))).toBe(
      'Le libellé compte 81 caractères : 80 au plus.',
    );
    expect(renameMenuEntry(doc, 'gone', 'Mairie')).toBe('Cette entrée n’est plus dans le menu.');
    expect(writes).toEqual([]);
    expect(renameMenuEntry(doc, top.id, `  ${'é'.repeat(MENU_LABEL_MAX)}  `)).toBe('');
    expect(readMenus(doc).main[0]!.label).toBe('é'.repeat(MENU_LABEL_MAX));
    // The same label again writes nothing.
    const count = writes.length;
    expect(renameMenuEntry(doc, top.id, 'é'.repeat(MENU_LABEL_MAX))).toBe('');
    expect(writes).toHaveLength(count);
  });

  it('[MENU-7] a rename is one undo step, the default written first included, and never undoes another agent’s edit', () => {
    const { doc, mairie, ecole } = site();
    const other = new Y.Doc();
    doc.on(
      'update',
      (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(other, u, 'remote'),
    );
    other.on(
      'update',
      (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(doc, u, 'remote'),
    );
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc), 'remote');
    const undo = new Y.UndoManager(menusMap(doc), {
      trackedOrigins: new Set([ORIGIN_LOCAL_EDIT]),
      captureTimeout: 0,
    });
    // Never chosen: the first rename writes the default, then the label, as one step.
    const defaults = defaultMainMenu(readPages(doc).filter((p) => p.parentId === null));
    expect(renameMenuEntry(doc, `d-${mairie.id}`, 'Mairie', defaults)).toBe('');
    expect(readMenus(other).main.map((e) => e.label)).toEqual(['Mairie', '', '']);
    undo.undo();
    expect(readMenus(doc).mainChosen).toBe(false);
    expect(readMenus(other)).toEqual({ mainChosen: false, main: [], footer: [] });
    undo.redo();
    expect(readMenus(other).main[0]!.label).toBe('Mairie');
    // Another agent renames « École »; this agent renames « La mairie » again, then undoes it.
    undo.stopCapturing();
    expect(renameMenuEntry(other, `d-${ecole.id}`, 'Nos écoles')).toBe('');
    expect(renameMenuEntry(doc, `d-${mairie.id}`, 'Hôtel de ville')).toBe('');
    undo.undo();
    for (const d of [doc, other])
      expect(readMenus(d).main.map((e) => e.label)).toEqual(['Mairie', '', 'Nos écoles']);
    undo.destroy();
  });

  it('[MENU-7] a renamed page entry can take its page’s title back, and follows it again; a link keeps its label', () => {
    const { doc, mairie, snapshot } = site();
    const top = addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id }) as { id: string };
    const link = addMenuEntry(doc, {
      menu: 'main',
      kind: 'link',
      target: 'https://www.ampmetropole.fr/',
      label: 'La Métropole',
    }) as { id: string };
    expect(renameMenuEntry(doc, top.id, 'Hôtel de ville')).toBe('');
    expect(mainMenu(renderSite(snapshot()).files.get('index.html')!)[0]![0]).toBe('Hôtel de ville');
    expect(clearMenuEntryLabel(doc, top.id)).toBe('');
    expect(readMenus(doc).main[0]!.label).toBe('');
    updatePage(doc, mairie.id, { title: 'Votre mairie' }, 'a');
    expect(mainMenu(renderSite(snapshot()).files.get('index.html')!)[0]![0]).toBe('Votre mairie');
    expect(clearMenuEntryLabel(doc, link.id)).toBe(
      'Un lien vers un autre site garde le libellé que vous lui donnez.',
    );
    expect(readMenus(doc).main[1]!.label).toBe('La Métropole');
    expect(clearMenuEntryLabel(doc, 'gone')).toBe('Cette entrée n’est plus dans le menu.');
  });

  it('[MENU-1] two agents renaming one entry offline end with the same label on both', () => {
    const { doc, mairie } = site();
    const top = addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id }) as { id: string };
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    expect(renameMenuEntry(doc, top.id, 'Mairie')).toBe('');
    expect(renameMenuEntry(other, top.id, 'Hôtel de ville')).toBe('');
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    expect(readMenus(doc).main[0]!.label).toBe(readMenus(other).main[0]!.label);
    expect(['Mairie', 'Hôtel de ville']).toContain(readMenus(doc).main[0]!.label);
  });

  it('[MENU-2] one level of sub-entries: nesting under a sub-entry, or an entry that has sub-entries, is refused', () => {
    const { doc, mairie, elus, ecole } = site();
    const a = addMenuEntry(doc, { menu: 'main', kind: 'page', target: mairie.id }) as { id: string };
    const b = addMenuEntry(doc, { menu: 'main', kind: 'page', target: elus.id }) as { id: string };
    const c = addMenuEntry(doc, { menu: 'main', kind: 'page', target: ecole.id }) as { id: string };
    expect(moveMenuEntry(doc, b.id, { parentId: a.id, index: 0 })).toBe('');
    expect(moveMenuEntry(doc, c.id, { parentId: b.id, index: 0 })).toBe(
      'Une sous-entrée se range sous une entrée du premier niveau.',
    );
    expect(moveMenuEntry(doc, a.id, { parentId: c.id, index: 0 })).toBe(
      'Une entrée qui a des sous-entrées reste au premier niveau.',
    );
    const menus = readMenus(doc);
    expect(menus.main.map((e) => [e.id, e.children.map((x) => x.id)])).toEqual([
      [a.id, [b.id]],
      [c.id, []],
    ]);
  });

  it('[MENU-2] a hostile menus map is read leniently and bounded', () => {
    const doc = new Y.Doc();
    const map = menusMap(doc);
    doc.transact(() => {
      map.set('str', 'not an entry');
      const bad = new Y.Map<unknown>();
      bad.set('menu', 'main');
      bad.set('kind', 'script');
      bad.set('target', 'x');
      map.set('bad', bad);
      const entry = (id: string, parentId: string, order: string) => {
        const m = new Y.Map<unknown>();
        for (const [k, v] of Object.entries({
          menu: 'main',
          kind: 'page',
          target: 'p',
          label: 'L'.repeat(500),
          parentId,
          order,
        }))
          m.set(k, v);
        map.set(id, m);
      };
      entry('top', '', 'a0');
      entry('child', 'top', 'a1');
      entry('grandchild', 'child', 'a2'); // two levels deep (concurrent nesting): stands at the top
      for (let i = 0; i < 1000; i++) entry(`x${i}`, '', `b${String(i).padStart(4, '0')}`);
    });
    const menus = readMenus(doc);
    expect(menus.main).toHaveLength(MENU_MAX_TOP);
    expect(menus.main.map((e) => e.id).slice(0, 2)).toEqual(['top', 'grandchild']);
    expect(menus.main[0]!.children.map((e) => e.id)).toEqual(['child']);
    expect(menus.main[0]!.label).toHaveLength(80);
  });

  it('[MENU-3] actualités, événements and actes never enter the default main menu', () => {
    const home = renderSite(withMenus(undefined)).files.get('index.html')!;
    const labels = mainMenu(home).map(([label]) => label);
    expect(labels).toContain('Horaires &amp; contact &lt;mairie&gt;');
    for (const title of [
      'Fête du village',
      'Concert de l’harmonie',
      'Arrêté de circulation n° 2025-042',
      'Accueil',
    ])
      expect(labels).not.toContain(title);
    expect(
      defaultMainMenu([
        { id: 'n', type: 'actualite' },
        { id: 'p', type: 'page' },
      ]).map((e) => e.target),
    ).toEqual(['p']);
  });

  it('[MENU-3] a chosen menu is only its entries — never « every page »; an empty one renders no menu', () => {
    const { doc, ecole, snapshot } = site();
    addMenuEntry(doc, { menu: 'main', kind: 'page', target: ecole.id });
    expect(mainMenu(renderSite(snapshot()).files.get('index.html')!)).toEqual([
      ['École', './ecole/index.html'],
    ]);
    removeMenuEntry(doc, readMenus(doc).main[0]!.id);
    expect(readMenus(doc).mainChosen).toBe(true);
    const home = renderSite(snapshot()).files.get('index.html')!;
    expect(home).not.toContain('aria-label="Menu principal"');
    expect(home).not.toContain('Toutes les pages');
  });

  it('[MENU-4] never chosen: the published top-level pages; the first change starts from them', () => {
    const { doc, mairie, elus, ecole, snapshot } = site();
    updatePage(doc, elus.id, { parentId: mairie.id }, 'a');
    const before = renderSite(snapshot()).files.get('index.html')!;
    expect(mainMenu(before)).toEqual([
      ['La mairie', './la-mairie/index.html'],
      ['École', './ecole/index.html'],
    ]);
    // The editor passes what the site shows; the référent moves « École » first.
    const defaults = defaultMainMenu(readPages(doc).filter((p) => p.parentId === null));
    expect(moveMenuEntry(doc, `d-${ecole.id}`, { parentId: null, index: 0 }, defaults)).toBe('');
    expect(menusMap(doc).get(MAIN_CHOSEN)).toBe(true);
    expect(mainMenu(renderSite(snapshot()).files.get('index.html')!)).toEqual([
      ['École', './ecole/index.html'],
      ['La mairie', './la-mairie/index.html'],
    ]);
    renameMenuEntry(doc, `d-${ecole.id}`, 'Nos écoles', defaults);
    expect(mainMenu(renderSite(snapshot()).files.get('index.html')!)[0]![0]).toBe('Nos écoles');
  });

  it('[MENU-5] sub-menus are <details> with the entry’s own page first; in order; aria-current; no script', () => {
    const files = renderSite(withMenus(SAMPLE_MENUS)).files;
    const page = files.get('conseil-municipal/index.html')!;
    expect(mainMenu(page)).toEqual([
      ['La mairie', '(sous-menu)'],
      ['La mairie', '../horaires-et-contact/index.html'],
      ['Le conseil municipal', '../conseil-municipal/index.html'],
      ['Registre des actes', '../registre-des-actes/index.html'],
      ['Démarches', '../carte-d-identite/index.html'],
      ['Actualités', '../actualites/index.html'],
      ['Agenda', '../agenda/index.html'],
      ['Vie locale', '(sous-menu)'],
      ['Vie locale', '../associations/index.html'],
      ['Menus de la cantine', '../cantine/index.html'],
      ['Histoire de la commune', '../histoire/index.html'],
      ['Risques et alertes', '../risques/index.html'],
      ['La Métropole', 'https://www.ampmetropole.fr/'],
    ]);
    expect(page).toContain(
      '<li class="has-sub"><details><summary class="current">La mairie</summary><ul><li><a href="../horaires-et-contact/index.html">La mairie</a></li><li><a href="../conseil-municipal/index.html" aria-current="page">Le conseil municipal</a></li>',
    );
    expect(files.get('index.html')).toContain('<details><summary>La mairie</summary>');
    for (const html of files.values()) expect(html).not.toMatch(/<script/i);
  });

  it('[MENU-5] a list page’s entry is current on the list page and on each of its further pages', () => {
    const snapshot = withMenus(SAMPLE_MENUS);
    const base = snapshot.pages[1]!;
    const extra = (id: string, type: 'actualite' | 'acte', fields: Record<string, string>) => ({
      meta: { ...base.meta, id, type, slug: `p-${id}`, title: `Titre ${id}`, order: `z${id}`, fields },
      body: paragraphsBody(['x']),
    });
    snapshot.pages.push(
      ...Array.from({ length: NEWS_PER_PAGE + 1 }, (_, i) =>
        extra(`n${i}`, 'actualite', { date: `2024-01-${String(i + 1).padStart(2, '0')}` }),
      ),
      extra('a1', 'acte', { kind: 'deliberation', number: '2023-1', date: '2023-03-01', subject: 'Vote' }),
    );
    const files = renderSite(snapshot).files;
    const nav = (path: string) => {
      const html = files.get(path);
      if (!html) throw new Error(`${path} not rendered`);
      return /<nav class="site-nav" aria-label="Menu principal">[^]*?<\/nav>/.exec(html)![0];
    };
    const current = (path: string) =>
      [...nav(path).matchAll(/<a href="([^"]*)" aria-current="page">([^<]*)<\/a>/g)].map((m) => [m[2], m[1]]);
    for (const path of ['actualites/index.html', 'actualites/page-2.html'])
      expect(current(path), path).toEqual([['Actualités', '../actualites/index.html']]);
    expect(current('agenda/index.html')).toEqual([['Agenda', '../agenda/index.html']]);
    // The registre is a sub-entry of « La mairie »: its group is marked too, on every year's page.
    const years = [...files.keys()].filter((p) => p.startsWith('registre-des-actes/'));
    expect(years.length).toBeGreaterThan(1);
    for (const path of years) {
      expect(current(path), path).toEqual([['Registre des actes', '../registre-des-actes/index.html']]);
      expect(nav(path)).toContain('<summary class="current">La mairie</summary>');
    }
    // Elsewhere, none of them is current.
    for (const path of ['histoire/index.html', 'p-n0/index.html', 'donnees-ouvertes/index.html'])
      expect(current(path), path).toEqual(
        path === 'histoire/index.html' ? [['Histoire de la commune', '../histoire/index.html']] : [],
      );
  });

  it('[MENU-5] an entry to an unpublished or deleted page, or a link without label or safe address, is not rendered', () => {
    const html = renderSite(
      withMenus({
        mainChosen: true,
        main: [
          { id: '1', kind: 'page', target: 'brouillon', label: '', children: [] },
          { id: '2', kind: 'page', target: 'gone', label: 'Disparue', children: [] },
          { id: '3', kind: 'link', target: 'javascript:alert(1)', label: 'Piège', children: [] },
          { id: '4', kind: 'link', target: 'https://a.fr/', label: '', children: [] },
          { id: '5', kind: 'page', target: 'libre001', label: '<b>Histoire</b>', children: [] },
        ],
        footer: [],
      }),
    ).files.get('index.html')!;
    expect(mainMenu(html)).toEqual([['&lt;b&gt;Histoire&lt;/b&gt;', './histoire/index.html']]);
    expect(html).not.toContain('Brouillon secret');
  });

  it('[MENU-6] the footer: the référent’s links, then the list pages and the legal pages, always', () => {
    const chosen = footer(renderSite(withMenus(SAMPLE_MENUS)).files.get('index.html')!);
    expect(chosen).toMatch(
      /^<nav aria-label="Liens utiles"><ul><li><a href="https:\/\/www.service-public.fr\/">Service-public.fr<\/a><\/li>/,
    );
    const none = footer(renderSite(withMenus(undefined)).files.get('index.html')!);
    for (const f of [chosen, none])
      for (const slug of [
        'mentions-legales',
        'accessibilite',
        'donnees-personnelles',
        'plan-du-site',
        'actualites',
      ])
        expect(f).toContain(`./${slug}/index.html`);
    expect(none).not.toContain('service-public');
  });
});
