import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  acteUnpublishRefusal,
  isAlertActive,
  PAGE_FIELD_SCHEMAS,
  PAGE_FIELDS,
  PageFieldsSchema,
  parisTime,
  readPageFields,
  readPageLists,
  validatePageFields,
} from './pageTypes';
import { ACCENT_PALETTE, readSiteSettings, validateSettings } from './settings';
import { contrastRatio } from './checks';
import {
  createPage,
  editPageList,
  pagesMap,
  PAGE_LIST_FIELDS,
  PAGE_TYPES,
  readPages,
  settingsMap,
  updatePageFields,
} from './siteDoc';

const SHA = 'a'.repeat(64);

describe('page types', () => {
  it('[TYPE-1] every page type has descriptors and a schema; descriptors name their schema keys', () => {
    for (const type of PAGE_TYPES) {
      expect(PAGE_FIELDS[type].length).toBeGreaterThan(0);
      const keys = Object.keys(PAGE_FIELD_SCHEMAS[type].shape);
      expect(keys).toEqual(PAGE_FIELDS[type].map((d) => d.name));
      for (const d of PAGE_FIELDS[type])
        if (d.kind === 'select') expect(d.options?.length).toBeGreaterThan(0);
    }
  });

  it('[TYPE-2] an arrêté requires its author and capacity; a délibération does not', () => {
    const base = {
      kind: 'arrete',
      number: '2026-1',
      date: '2026-01-10',
      subject: 'Voirie',
      pdf: SHA,
      onlineAt: '2026-01-11T09:00',
    };
    expect(validatePageFields('acte', base).map((i) => i.field)).toEqual(['author', 'authorCapacity']);
    expect(validatePageFields('acte', { ...base, author: 'M. Dupont', authorCapacity: 'le maire' })).toEqual(
      [],
    );
    expect(validatePageFields('acte', { ...base, kind: 'deliberation' })).toEqual([]);
    expect(validatePageFields('acte', { ...base, pdf: 'pas-un-hash' })[0]?.message).toMatch(/Acte signé/);
    expect(
      PageFieldsSchema.safeParse({ type: 'acte', fields: { ...base, kind: 'deliberation' } }).success,
    ).toBe(true);
  });

  it('[TYPE-3] fields are read leniently: wrong types, unknown keys and __proto__ are ignored', () => {
    const raw = JSON.parse('{"__proto__":{"x":1},"date":42,"summary":"ok","evil":"x"}');
    expect(readPageFields('actualite', raw)).toEqual({ date: '', summary: 'ok', image: '', imageAlt: '' });
    expect(readPageFields('page', null)).toEqual({ summary: '' });
  });

  it('[TYPE-4] an acte stays online two months after its date put online', () => {
    const page = { type: 'acte', title: 'Arrêté 12', fields: { onlineAt: '2026-01-15T10:00' } };
    expect(acteUnpublishRefusal(page, Date.UTC(2026, 2, 1))).toMatch(/deux mois.*15 mars 2026/);
    expect(acteUnpublishRefusal(page, Date.UTC(2026, 2, 16))).toBeNull();
    expect(acteUnpublishRefusal({ ...page, type: 'page' }, 0)).toBeNull();
  });

  it('[TYPE-5] Paris wall-clock dates handle summer and winter time', () => {
    expect(parisTime('2026-01-15T10:00')).toBe(Date.UTC(2026, 0, 15, 9, 0));
    expect(parisTime('2026-07-15T10:00')).toBe(Date.UTC(2026, 6, 15, 8, 0));
    expect(parisTime('n’importe quoi')).toBeNull();
  });

  it('[TYPE-6] the alert banner is active while « oui », with a message, before its end', () => {
    const fields = {
      alertActive: 'oui',
      alertLevel: 'alerte',
      alertMessage: 'Crue',
      alertUntil: '2026-03-01T12:00',
    };
    expect(isAlertActive(fields, Date.UTC(2026, 1, 1))).toBe(true);
    expect(isAlertActive(fields, Date.UTC(2026, 2, 2))).toBe(false);
    expect(isAlertActive({ ...fields, alertActive: 'non' }, 0)).toBe(false);
  });
});

describe('settings', () => {
  it('[SET-1] every palette colour passes 4.5:1 on the light and dark themes', () => {
    for (const c of ACCENT_PALETTE) {
      for (const bg of ['#ffffff', '#f6f6f6']) expect(contrastRatio(c.value, bg)).toBeGreaterThanOrEqual(4.5);
      for (const bg of ['#161616', '#242424']) expect(contrastRatio(c.dark, bg)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('[SET-2] settings are read from the manifest with defaults and validated in French', () => {
    const doc = new Y.Doc();
    settingsMap(doc).set('name', 'Allauch');
    settingsMap(doc).set('phone', 42);
    const settings = readSiteSettings(doc, 'Commune');
    expect(settings).toMatchObject({
      name: 'Allauch',
      phone: '',
      accentColor: '#000091',
      accessibilityStatus: 'non-conforme',
    });
    const issues = validateSettings(settings).map((i) => i.field);
    expect(issues).toEqual(expect.arrayContaining(['address', 'phone', 'email', 'mayorName']));
    expect(
      validateSettings({ ...settings, accentColor: '#ffff00' }).some((i) => i.field === 'accentColor'),
    ).toBe(true);
  });
});

describe('conditional selects', () => {
  it('[TYPE-2] a risk page without an alert needs no alert level', () => {
    expect(validatePageFields('risques', { alertActive: 'non', alertLevel: '', alertMessage: '' })).toEqual(
      [],
    );
    expect(validatePageFields('risques', { alertActive: 'oui', alertLevel: '', alertMessage: 'x' })).toEqual([
      { field: 'alertLevel', message: '« Niveau de l’alerte » est obligatoire.' },
    ]);
  });
});

describe('structured lists', () => {
  it('[TYPE-8] older « a ; b » textarea values are converted on read, nothing lost', () => {
    expect(
      readPageLists('elus', { members: 'Sophie Martin ; maire\nPaul Durand ; adjoint ; écoles' }).members,
    ).toEqual([
      { name: 'Sophie Martin', role: 'maire', delegation: '', photo: '' },
      { name: 'Paul Durand', role: 'adjoint', delegation: 'écoles', photo: '' },
    ]);
    expect(
      readPageLists('associations', {
        entries: 'Club ; sport ; club@a.fr ; https://club.fr ; 04 42 00 00 00 ; au stade',
      }).entries,
    ).toEqual([
      {
        name: 'Club',
        description: 'sport – au stade',
        email: 'club@a.fr',
        phone: '04 42 00 00 00',
        website: 'https://club.fr',
      },
    ]);
    const hours = readPageLists('contact', {
      hours:
        'Lundi ; 8 h 30 – 12 h\nMardi ; 8h30-12h et 13 h 30 – 17 h\nSamedi ; sur rendez-vous\nJours fériés ; fermé',
    }).hours!;
    expect(hours[0]).toMatchObject({ day: 'lundi', opens: '08:30', closes: '12:00', note: '' });
    expect(hours[1]).toMatchObject({ day: 'mardi', reopens: '13:30', recloses: '17:00', note: '' });
    expect(hours[2]).toMatchObject({ day: 'samedi', opens: '', note: 'sur rendez-vous' });
    expect(hours[3]).toMatchObject({ day: '', note: 'Jours fériés ; fermé' });
    const menu = readPageLists('cantine', {
      weekOf: '2025-06-02',
      menu: 'Lundi ; carottes, poisson, riz, yaourt\nMardi ; lasagnes, fruit\nFête ; gâteau',
    }).menu!;
    expect(menu[0]).toMatchObject({
      date: '2025-06-02',
      starter: 'carottes',
      main: 'poisson, riz',
      dessert: 'yaourt',
    });
    expect(menu[1]).toMatchObject({ date: '2025-06-03', main: 'lasagnes', dessert: 'fruit' });
    expect(menu[2]).toMatchObject({ date: '', main: 'Fête : gâteau' });
  });

  it('[TYPE-8] lists are read leniently: unknown keys, wrong types, __proto__, at most maxItems', () => {
    const raw = JSON.parse(
      '{"members":[{"__proto__":{"x":1},"name":"A","role":7,"evil":"x"},"texte",null],"extra":1}',
    );
    expect(readPageLists('elus', raw).members).toEqual([
      { name: 'A', role: '', delegation: '', photo: '' },
      { name: '', role: '', delegation: '', photo: '' },
      { name: '', role: '', delegation: '', photo: '' },
    ]);
    const many = { members: Array.from({ length: 500 }, (_, i) => ({ name: `É${i}`, role: 'x' })) };
    expect(readPageLists('elus', many).members).toHaveLength(69);
    expect(readPageFields('elus', many)).toEqual({ councilInstalledOn: '' });
  });

  it('[TYPE-9] entries are validated with French messages naming the entry and its field', () => {
    const issues = validatePageFields('elus', {
      members: [
        { name: 'A', role: 'maire' },
        { name: '', role: '' },
      ],
    });
    expect(issues).toEqual([
      {
        field: 'members',
        item: { index: 1, field: 'name' },
        message: 'Élu n° 2 : « Nom et prénom » est obligatoire.',
      },
      {
        field: 'members',
        item: { index: 1, field: 'role' },
        message: 'Élu n° 2 : « Fonction » est obligatoire.',
      },
    ]);
    expect(validatePageFields('contact', { address: 'x', phone: '1', hours: [] })).toEqual([
      { field: 'hours', message: '« Horaires d’ouverture » : ajoutez au moins une ligne.' },
    ]);
    const hours = [
      { day: 'lundi', opens: '12:00', closes: '08:30' },
      { day: 'mardi', opens: '9h', closes: '' },
    ];
    expect(validatePageFields('contact', { address: 'x', phone: '1', hours }).map((i) => i.message)).toEqual([
      'Jour n° 1 : « Fermeture » doit être après « Ouverture ».',
      'Jour n° 2 : « Ouverture » : heure attendue (HH:MM).',
      'Jour n° 2 : Indiquez l’heure d’ouverture et l’heure de fermeture.',
    ]);
    const menu = [{ date: '2026-01-05', main: 'Soupe', labels: 'bio,inconnu' }];
    expect(validatePageFields('cantine', { weekOf: '2026-01-05', menu })).toEqual([
      {
        field: 'menu',
        item: { index: 0, field: 'labels' },
        message: 'Jour n° 1 : « Mentions » : choix invalide.',
      },
    ]);
    expect(
      validatePageFields('associations', { entries: [{ name: 'Club', website: 'javascript:alert(1)' }] })[0]
        ?.message,
    ).toBe('Association n° 1 : « Site web » : adresse web attendue (https://…).');
  });

  it('[TYPE-8] list edits are Y.Arrays of Y.Maps: concurrent edits of two entries both survive', () => {
    const a = new Y.Doc();
    const page = createPage(a, { title: 'Conseil', type: 'elus', updatedBy: 'A' });
    updatePageFields(a, page.id, { members: 'Sophie Martin ; maire\nPaul Durand ; adjoint' } as never, 'A');
    const current = () => readPageLists('elus', readPages(a)[0]!.fields).members!;
    // The first edit writes the converted legacy value as a list.
    editPageList(
      a,
      page.id,
      'members',
      current(),
      { op: 'set', index: 1, field: 'delegation', value: 'Écoles' },
      'A',
    );
    expect(current().map((m) => [m.name, m.delegation])).toEqual([
      ['Sophie Martin', ''],
      ['Paul Durand', 'Écoles'],
    ]);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    editPageList(
      a,
      page.id,
      'members',
      [],
      { op: 'set', index: 0, field: 'role', value: 'maire honoraire' },
      'A',
    );
    editPageList(
      b,
      page.id,
      'members',
      [],
      { op: 'set', index: 1, field: 'role', value: 'premier adjoint' },
      'B',
    );
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(current().map((m) => m.role)).toEqual(['maire honoraire', 'premier adjoint']);
    editPageList(a, page.id, 'members', [], { op: 'move', from: 1, to: 0 }, 'A');
    expect(current().map((m) => m.name)).toEqual(['Paul Durand', 'Sophie Martin']);
    editPageList(a, page.id, 'members', [], { op: 'remove', index: 0 }, 'A');
    editPageList(a, page.id, 'members', [], { op: 'remove', index: 5 }, 'A');
    editPageList(
      a,
      page.id,
      'members',
      [],
      { op: 'insert', index: 9, item: { name: 'Léa', role: 'conseillère' } },
      'A',
    );
    expect(current().map((m) => m.name)).toEqual(['Sophie Martin', 'Léa']);
  });

  it('[TYPE-8] moving an entry while another agent edits it keeps their edit: a move changes its order key, never re-creates it', () => {
    const a = new Y.Doc();
    const page = createPage(a, { title: 'Conseil', type: 'elus', updatedBy: 'A' });
    const members = (doc: Y.Doc) => readPageLists('elus', readPages(doc)[0]!.fields).members!;
    for (const [i, name] of ['Sophie Martin', 'Paul Durand', 'Léa Blanc'].entries())
      editPageList(
        a,
        page.id,
        'members',
        [],
        { op: 'insert', index: i, item: { name, role: 'adjoint' } },
        'A',
      );
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    // Offline at the same time: A moves Léa to the top, B gives Léa her délégation and moves Sophie down.
    editPageList(a, page.id, 'members', [], { op: 'move', from: 2, to: 0 }, 'A');
    editPageList(
      b,
      page.id,
      'members',
      [],
      { op: 'set', index: 2, field: 'delegation', value: 'Écoles' },
      'B',
    );
    editPageList(b, page.id, 'members', [], { op: 'move', from: 0, to: 1 }, 'B');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(members(a)).toEqual(members(b));
    expect(members(a).map((m) => m.name)).toEqual(['Léa Blanc', 'Paul Durand', 'Sophie Martin']);
    expect(members(a).find((m) => m.name === 'Léa Blanc')!.delegation).toBe('Écoles');
  });

  it('[TYPE-8] a new page holds its lists from the start: first entries added offline by two agents both survive', () => {
    for (const type of PAGE_TYPES)
      expect(PAGE_LIST_FIELDS[type], type).toEqual(
        PAGE_FIELDS[type].filter((d) => d.kind === 'list').map((d) => d.name),
      );
    const a = new Y.Doc();
    const page = createPage(a, { title: 'Associations', type: 'associations', updatedBy: 'A' });
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    editPageList(a, page.id, 'entries', [], { op: 'insert', index: 0, item: { name: 'Chorale' } }, 'A');
    editPageList(b, page.id, 'entries', [], { op: 'insert', index: 0, item: { name: 'Pétanque' } }, 'B');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const names = (doc: Y.Doc) =>
      readPageLists('associations', readPages(doc)[0]!.fields)
        .entries!.map((e) => e.name)
        .sort();
    expect(names(a)).toEqual(['Chorale', 'Pétanque']);
    expect(names(b)).toEqual(names(a));
    // Both got the same order key (same neighbours): shown in one order everywhere, and the
    // next insert or move between them still works (the list is re-keyed).
    const shown = (doc: Y.Doc) =>
      readPageLists('associations', readPages(doc)[0]!.fields).entries!.map((e) => e.name);
    expect(shown(a)).toEqual(shown(b));
    const [first, second] = shown(a);
    editPageList(a, page.id, 'entries', [], { op: 'insert', index: 1, item: { name: 'Tennis' } }, 'A');
    expect(shown(a)).toEqual([first, 'Tennis', second]);
    editPageList(a, page.id, 'entries', [], { op: 'move', from: 0, to: 2 }, 'A');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(shown(a)).toEqual(['Tennis', second, first]);
    expect(shown(b)).toEqual(shown(a));
  });

  it('[TYPE-8] hostile order keys and broken entries: shown in array order, every edit still works, no text lost', () => {
    const a = new Y.Doc();
    const page = createPage(a, { title: 'Associations', type: 'associations', updatedBy: 'A' });
    const list = (pagesMap(a).get(page.id)!.get('fields') as Y.Map<unknown>).get(
      'entries',
    ) as Y.Array<unknown>;
    a.transact(() => {
      list.push([
        new Y.Map<unknown>([
          ['name', 'Chorale'],
          ['__order', 'zz'],
        ]),
      ]);
      list.push([
        new Y.Map<unknown>([
          ['name', 'Pétanque'],
          ['__order', '!'],
        ]),
      ]);
      list.push([{ name: 'Échecs', email: 'echecs@example.fr' }]);
    });
    const shown = () => readPageLists('associations', readPages(a)[0]!.fields).entries!;
    expect(shown().map((e) => e.name)).toEqual(['Chorale', 'Pétanque', 'Échecs']);
    editPageList(a, page.id, 'entries', [], { op: 'move', from: 2, to: 0 }, 'A');
    editPageList(a, page.id, 'entries', [], { op: 'insert', index: 1, item: { name: 'Tennis' } }, 'A');
    expect(shown().map((e) => e.name)).toEqual(['Échecs', 'Tennis', 'Chorale', 'Pétanque']);
    expect(shown()[0]!.email).toBe('echecs@example.fr');
  });
});
