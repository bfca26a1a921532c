// The SCDL « Délibérations » 2.1.5 file (SPEC [DATA-*]): every rule of the schema, checked on
// the sample site, on hostile values and on randomly generated délibérations (seed printed).
import { describe, expect, it } from 'vitest';
import { ACTES_MATIERES, findMatiere, MATIERE_OPTIONS, scdlMatiereName } from './actesNomenclature';
import { checkSite } from './checks';
import { csvField, DELIBERATION_COLUMNS, isoDate } from './deliberations';
import { validatePageFields } from './pageTypes';
import { renderSite, type SiteSnapshot } from './renderSite';
import { paragraphsBody, SAMPLE_MEDIA, sampleSnapshot } from './sampleSite';
import { isSiret, normalizeSettings, validateSettings } from './settings';

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records; throws on anything else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`stray quote at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`bad separator at ${i}: ${JSON.stringify(text[i])}`);
  }
  if (row.length) throw new Error('last record without CRLF');
  return rows;
}

/** Every rule of the schema on one row (as read back from the file). */
function schemaProblems(row: Record<string, string>): string[] {
  const p: string[] = [];
  for (const c of DELIBERATION_COLUMNS.slice(0, 7)) if (!row[c]) p.push(`${c} requis`);
  if (!/^\d{14}$/.test(row.COLL_SIRET!) || !isSiret(row.COLL_SIRET!)) p.push('COLL_SIRET');
  if (isoDate(row.DELIB_DATE) !== row.DELIB_DATE) p.push('DELIB_DATE');
  if (!/^\d\.\d{1,2}$/.test(row.DELIB_MATIERE_CODE!)) p.push('DELIB_MATIERE_CODE motif');
  const m = findMatiere(row.DELIB_MATIERE_CODE!);
  if (!m || scdlMatiereName(m) !== row.DELIB_MATIERE_NOM) p.push('DELIB_MATIERE_NOM');
  if (row.BUDGET_ANNEE && !/^[0-9]{4}(\/[0-9]{4})?$/.test(row.BUDGET_ANNEE)) p.push('BUDGET_ANNEE');
  if (row.PREF_DATE && isoDate(row.PREF_DATE) !== row.PREF_DATE) p.push('PREF_DATE');
  for (const c of ['VOTE_EFFECTIF', 'VOTE_REEL', 'VOTE_POUR', 'VOTE_CONTRE', 'VOTE_ABSTENTION'])
    if (row[c] && !/^(0|[1-9]\d*)$/.test(row[c]!)) p.push(c);
  if (row.DELIB_URL) {
    try {
      if (!/^https?:$/.test(new URL(row.DELIB_URL).protocol)) p.push('DELIB_URL');
    } catch {
      p.push('DELIB_URL');
    }
  }
  for (const [k, v] of Object.entries(row)) {
    if (/[\u0000-\u001F\u007F]/.test(v)) p.push(`${k} contrôle`);
    if (/^[=+\-@]/.test(v)) p.push(`${k} formule`);
  }
  return p;
}

function read(csv: string): Array<Record<string, string>> {
  expect(csv.charCodeAt(0)).not.toBe(0xfeff);
  const [header, ...rows] = parseCsv(csv);
  expect(header).toEqual([...DELIBERATION_COLUMNS]);
  return rows.map((cells) => {
    expect(cells).toHaveLength(17);
    return Object.fromEntries(DELIBERATION_COLUMNS.map((c, i) => [c, cells[i]!]));
  });
}

function delib(id: string, fields: Record<string, unknown>): SiteSnapshot['pages'][number] {
  const base = sampleSnapshot().pages.find((p) => p.meta.id === 'delib001')!;
  return {
    meta: { ...base.meta, id, slug: `d-${id}`, title: `Délibération ${id}`, order: `z${id}`, fields },
    body: paragraphsBody([]),
  };
}

const VALID = {
  kind: 'deliberation',
  number: '2025-001',
  date: '2025-03-01',
  subject: 'Objet',
  pdf: SAMPLE_MEDIA.pdf,
  onlineAt: '2025-03-02T09:00',
  matiere: '8.4',
};

describe('deliberations.csv (SCDL Délibérations 2.1.5)', () => {
  it('[DATA-1] the 17 columns in the schema order; UTF-8 without BOM, commas, CRLF, RFC 4180', () => {
    const csv = renderSite(sampleSnapshot()).files.get('deliberations.csv')!;
    expect(csv.split('\r\n')[0]).toBe(
      'COLL_NOM,COLL_SIRET,DELIB_ID,DELIB_DATE,DELIB_MATIERE_CODE,DELIB_MATIERE_NOM,DELIB_OBJET,BUDGET_ANNEE,BUDGET_NOM,PREF_ID,PREF_DATE,VOTE_EFFECTIF,VOTE_REEL,VOTE_POUR,VOTE_CONTRE,VOTE_ABSTENTION,DELIB_URL',
    );
    const rows = read(csv);
    expect(rows).toEqual([
      {
        COLL_NOM: 'Commune d’Aix-en-Provence',
        COLL_SIRET: '21130001700012',
        DELIB_ID: '2025-017',
        DELIB_DATE: '2025-04-08',
        DELIB_MATIERE_CODE: '7.1',
        DELIB_MATIERE_NOM: 'finances locales/décisions budgétaires',
        DELIB_OBJET: 'Adoption du budget primitif 2025, budget principal',
        BUDGET_ANNEE: '2025',
        BUDGET_NOM: 'Budget principal',
        PREF_ID: 'PREF013',
        PREF_DATE: '2025-04-09',
        VOTE_EFFECTIF: '29',
        VOTE_REEL: '27',
        VOTE_POUR: '23',
        VOTE_CONTRE: '3',
        VOTE_ABSTENTION: '1',
        DELIB_URL: `https://aix-en-provence.example/media/${SAMPLE_MEDIA.pdf}.pdf`,
      },
    ]);
    for (const row of rows) expect(schemaProblems(row)).toEqual([]);
    // Arrêtés are not délibérations.
    expect(csv).not.toContain('2025-042');
  });

  it('[DATA-2] the ACTES nomenclature, levels 1 and 2, as the schema lists its codes', () => {
    const codes = ACTES_MATIERES.map((m) => m.code);
    const expected = [
      [1, 7],
      [2, 3],
      [3, 6],
      [4, 5],
      [5, 8],
      [6, 5],
      [7, 10],
      [8, 9],
      [9, 4],
    ].flatMap(([n, last]) => Array.from({ length: last! }, (_, i) => `${n}.${i + 1}`));
    expect(codes).toEqual(expected);
    for (const m of ACTES_MATIERES) {
      expect(m.code).toMatch(/^\d\.\d{1,2}$/);
      const name = scdlMatiereName(m);
      expect(name).toBe(name.toLocaleLowerCase('fr'));
      expect(name).not.toMatch(/[,()]/);
      expect(name.split('/')).toHaveLength(2);
    }
    expect(scdlMatiereName(findMatiere('8.4')!)).toBe(
      'domaines de compétences par thèmes/aménagement du territoire',
    );
    expect(scdlMatiereName(findMatiere('7.9')!)).toBe('finances locales/prise de participation sem etc.');
    expect(MATIERE_OPTIONS).toHaveLength(57);
    expect(MATIERE_OPTIONS[0]).toEqual({ value: '1.1', label: '1.1 – Commande publique › Marchés publics' });
  });

  it('[DATA-3] SIRET: 14 digits and the Luhn key; anything else is refused with a French message', () => {
    for (const ok of ['21860194600013', '21130001700012']) expect(isSiret(ok)).toBe(true);
    for (const bad of [
      '21860194600014',
      '2186019460001',
      '218601946000130',
      '2186 0194600013',
      'A1860194600013',
      '',
    ])
      expect(isSiret(bad), bad).toBe(false);
    const settings = normalizeSettings({ ...sampleSnapshot().settings, siret: '21860194600014' }, 'Aix');
    expect(validateSettings(settings)).toEqual([
      { field: 'siret', message: expect.stringMatching(/^SIRET invalide/) as unknown as string },
    ]);
    expect(validateSettings({ ...settings, siret: '' })).toEqual([]);
  });

  it('[DATA-4] the acte form asks a délibération its matière, budget, prefecture receipt and votes, and checks them', () => {
    const issues = (fields: Record<string, unknown>) =>
      validatePageFields('acte', { ...VALID, ...fields }).map((i) => `${i.field}: ${i.message}`);
    expect(issues({})).toEqual([]);
    expect(issues({ matiere: '7.11' })).toEqual([
      'matiere: « Matière (nomenclature ACTES) » : choix invalide.',
    ]);
    expect(issues({ votePour: 'douze' })).toEqual([
      'votePour: « Voix pour » : nombre entier attendu (par exemple 23).',
    ]);
    expect(issues({ budgetYear: '25' })[0]).toMatch(/^budgetYear: « Année du budget » : année attendue/);
    expect(issues({ prefId: 'PRÉFECTURE' })[0]).toMatch(/^prefId:/);
    expect(issues({ prefId: 'SPREF0132' })).toEqual([]);
    expect(issues({ voteEffectif: '29', voteReel: '30' })).toEqual([
      'voteReel: Le nombre de votants dépasse le nombre de membres en exercice.',
    ]);
    expect(issues({ voteReel: '20', votePour: '15', voteContre: '5', voteAbstention: '1' })).toEqual([
      'votePour: Les voix pour, contre et les abstentions dépassent le nombre de votants.',
    ]);
    // An arrêté is asked none of it.
    expect(
      validatePageFields('acte', {
        ...VALID,
        kind: 'arrete',
        author: 'X',
        authorCapacity: 'maire',
        matiere: '',
      }),
    ).toEqual([]);
  });

  it('[DATA-5] hostile values: no formula, no control character, no broken record; invalid rows left out and reported', () => {
    const snapshot = sampleSnapshot();
    snapshot.pages.push(
      delib('h1', {
        ...VALID,
        number: '=HYPERLINK("http://evil")',
        subject: '+cmd|" /C calc"!A0, "quoted"\r\nsecond line\u0000\uD800',
      }),
      delib('h2', {
        ...VALID,
        number: '-2',
        subject: '@SUM(1+1)',
        budgetName: ' espaces ',
        votePour: '-1',
        voteContre: '1e3',
        voteAbstention: '12345',
        budgetYear: '2025/26',
        prefId: 'PREF013\n',
        prefDate: '2025-02-30',
      }),
      delib('h3', { ...VALID, matiere: '10.1' }),
      delib('h4', { ...VALID, date: '2025-02-30' }),
      delib('h5', { ...VALID, subject: '   ' }),
      delib('h6', { ...VALID, matiere: ['7.1'], number: { toString: () => 'x' } }),
    );
    const site = renderSite(snapshot);
    const rows = read(site.files.get('deliberations.csv')!);
    for (const row of rows) expect(schemaProblems(row), JSON.stringify(row)).toEqual([]);
    const ids = rows.map((r) => r.DELIB_ID);
    expect(ids).toContain(`'=HYPERLINK("http://evil")`);
    expect(ids).toContain(`'-2`);
    const h1 = rows.find((r) => r.DELIB_ID!.startsWith(`'=`))!;
    expect(h1.DELIB_OBJET).toBe(`'+cmd|" /C calc"!A0, "quoted" second line`);
    const h2 = rows.find((r) => r.DELIB_ID === `'-2`)!;
    expect([h2.VOTE_POUR, h2.VOTE_CONTRE, h2.VOTE_ABSTENTION, h2.BUDGET_ANNEE, h2.PREF_DATE]).toEqual([
      '',
      '',
      '',
      '',
      '',
    ]);
    expect(h2.DELIB_OBJET).toBe(`'@SUM(1+1)`);
    expect(rows).toHaveLength(3);
    // [CHK-13] the ones left out are named to the agent, with what is missing.
    const warnings = checkSite(snapshot, site).warnings.filter((w) => w.rule === 'open-data');
    expect(warnings.map((w) => w.pageId).sort()).toEqual(['h3', 'h4', 'h5', 'h6']);
    expect(warnings.find((w) => w.pageId === 'h3')!.message).toContain('sa matière (nomenclature ACTES)');
    expect(warnings.find((w) => w.pageId === 'h4')!.message).toContain('sa date');
    // Without a valid SIRET no row can be valid: the file holds its header only, and says why.
    const noSiret = sampleSnapshot();
    noSiret.settings.siret = '12345678901234';
    const empty = renderSite(noSiret);
    expect(read(empty.files.get('deliberations.csv')!)).toEqual([]);
    expect(checkSite(noSiret, empty).warnings.find((w) => w.rule === 'open-data')!.message).toContain(
      'le numéro SIRET de la commune',
    );
  });

  it('[DATA-5] random délibérations: every written row passes every rule of the schema', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`[DATA-5] seed ${seed}`);
    let state = seed;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const texts = [
      'Objet',
      '',
      ' ',
      '=1+1',
      '-x',
      '@a',
      '+b',
      '"q"',
      'a,b',
      'a\r\nb',
      '\t',
      'é€😀',
      '\u0001',
      '\uDC00x',
      'x'.repeat(3000),
    ];
    const snapshot = sampleSnapshot();
    for (let i = 0; i < 300; i++)
      snapshot.pages.push(
        delib(`r${i}`, {
          kind: pick(['deliberation', 'deliberation', 'arrete', 'x']),
          number: pick(texts),
          date: pick(['2025-01-31', '2024-02-29', '2025-02-29', '2025-13-01', '', '2025-1-1']),
          subject: pick(texts),
          matiere: pick([...ACTES_MATIERES.map((m) => m.code), '0.1', '7.11', '', ' 7.1']),
          budgetYear: pick(['2025', '2025/2026', '25', '', '2025-2026']),
          budgetName: pick(texts),
          prefId: pick(['PREF013', 'SPREF0132', 'PREF02A', 'x', '']),
          prefDate: pick(['2025-03-01', '2025-02-30', '']),
          voteEffectif: pick(['29', '0', '007', '-1', '', '1.5']),
          voteReel: pick(['27', '', 'x']),
          votePour: pick(['1', '', '99999']),
          voteContre: pick(['0', '']),
          voteAbstention: pick(['3', ' 3', '']),
          pdf: pick([SAMPLE_MEDIA.pdf, '', 'f'.repeat(64)]),
        }),
      );
    const rows = read(renderSite(snapshot).files.get('deliberations.csv')!);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(schemaProblems(row), `seed ${seed}: ${JSON.stringify(row)}`).toEqual([]);
  });

  it('[DATA-1] a field is quoted only when it must be, quotes doubled', () => {
    expect(csvField('simple')).toBe('simple');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('dit "oui"')).toBe('"dit ""oui"""');
    expect(csvField(' bord')).toBe('" bord"');
    expect(csvField('=1')).toBe(`'=1`);
  });
});
