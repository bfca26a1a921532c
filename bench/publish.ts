/**
 * Publishing (DESIGN.md budgets: full publish of a 1,000-page site ≤ 2 s; republish after one
 * page changed ≤ 100 ms): a generated site with a realistic mix of page types, structured
 * fields and media is written into a real SQLite store, then the real server publishes it
 * through its HTTP API — in full, again after one page body changed, and with no change.
 * Side by side, in the same run, Eleventy 3 and Hugo build the same 1,000 pages from the same
 * Markdown with a comparable layout (bench/generators.ts); each of the three builds runs in a
 * new process several times (BENCH_RUNS, default 5) and the median gives pages per second.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { PublishResponse } from '../site/apiContract';
import { MENU_EXCLUDED_TYPES, MENU_MAX_TOP } from '../site/menus';
import { writeParagraphs } from '../site/pageBody';
import type { PageType } from '../site/pageTypes';
import { createPage, mediaMap, updatePage, updatePageFields, updateSettings } from '../site/siteDoc';
import { pageRoom, siteRoom } from '../site/syncProtocol';
import { openDatabase } from '../sync-server/storage/database';
import { SqliteDocStore } from '../sync-server/storage/SqliteDocStore';
import { login, startTestServer, tempDataDir } from '../sync-server/app/testHarness';
import {
  type BenchPage,
  benchEleventy,
  benchHugo,
  type GeneratorResult,
  HUGO_MISSING,
  median,
} from './generators';

export interface PublishResult {
  pages: number;
  mix: string;
  seedMs: number;
  fullMs: number;
  /** As measured by the client (HTTP round trip), median of the runs. */
  republishOneMs: number;
  republishOneRuns: number[];
  /** As measured inside the publisher (PublishResponse.ms). */
  republishOneServerMs: number;
  republishOneWritten: number;
  fullServerMs: number;
  republishNoneMs: number;
  /** Full publication in a new server process, each run (HTTP round trip, ms). */
  coldRuns: number[];
  coldMs: number;
  eleventy: GeneratorResult;
  /** null: Hugo is not installed. */
  hugo: GeneratorResult | null;
}

const INSEE = '13001';
const PARAGRAPH =
  'Le conseil municipal s’est réuni pour examiner les projets de la commune, les travaux de voirie, ' +
  'la rentrée scolaire et le calendrier des manifestations culturelles de la saison.';

/** Share of each type in the generated site (sums to 1,000 with the home page). */
const MIX: Array<[PageType, number]> = [
  ['actualite', 300],
  ['evenement', 150],
  ['acte', 200],
  ['demarche', 100],
  ['page', 219],
  ['elus', 5],
  ['contact', 5],
  ['associations', 5],
  ['cantine', 10],
  ['risques', 5],
];

const hex = (n: number, salt: string) => {
  let out = '';
  for (let i = 0; out.length < 64; i++)
    out += ((n * 2654435761 + i * 40503 + salt.charCodeAt(0)) >>> 0).toString(16);
  return out.slice(0, 64);
};

function fieldsFor(type: PageType, i: number): Record<string, string> {
  const day = `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
  switch (type) {
    case 'actualite':
      return {
        date: day,
        summary: `Résumé de l’actualité ${i}.`,
        image: i % 3 === 0 ? hex(i % 100, 'i') : '',
        imageAlt: i % 3 === 0 ? `Photo de l’actualité ${i}` : '',
      };
    case 'evenement':
      return {
        startsAt: `${day}T18:00`,
        endsAt: `${day}T22:00`,
        place: 'Salle des fêtes',
        summary: 'Entrée libre.',
      };
    case 'acte':
      return {
        kind: i % 2 ? 'deliberation' : 'arrete',
        number: `2026-${i}`,
        date: day,
        subject: `Objet de l’acte ${i}`,
        author: 'Sophie Martin',
        authorCapacity: 'maire',
        pdf: hex(i, 'p'),
        onlineAt: `${day}T09:00`,
      };
    case 'demarche':
      return {
        audience: 'Tout public.',
        howTo: 'En mairie, sur rendez-vous.',
        documents: 'Pièce d’identité\nJustificatif de domicile',
      };
    case 'contact':
      return { address: 'Place de la Mairie', phone: '04 42 00 00 00', hours: 'Lundi ; 8 h 30 – 12 h' };
    case 'cantine':
      return { weekOf: day, menu: 'Lundi ; carottes, poisson, fruit\nMardi ; salade, pâtes, yaourt' };
    case 'risques':
      return { alertActive: 'non', alertLevel: '', alertMessage: '' };
    default:
      return {};
  }
}

/** Writes the generated site into a SQLite store; returns one page id whose body we change. */
async function seed(
  dataDir: string,
): Promise<{ changeRoom: string; titles: Array<[string, string, PageType]>; pages: BenchPage[] }> {
  const db = openDatabase(dataDir);
  const store = new SqliteDocStore(db);
  const manifest = new Y.Doc();
  updateSettings(manifest, {
    name: 'Aix-en-Provence',
    address: 'Place de l’Hôtel de Ville, 13100 Aix-en-Provence',
    phone: '04 42 00 00 00',
    email: 'mairie@example.fr',
    mayorName: 'Sophie Martin',
    accentColor: '#18753c',
    accessibilityStatus: 'partielle',
  });
  const media = path.join(dataDir, 'media', INSEE);
  await mkdir(media, { recursive: true });
  const titles: Array<[string, string, PageType]> = [];
  const pages: BenchPage[] = [];
  const types: PageType[] = ['accueil', ...MIX.flatMap(([type, n]) => Array<PageType>(n).fill(type))];
  let parents: string[] = [];
  let changeRoom = '';
  for (let i = 0; i < types.length; i++) {
    const type = types[i]!;
    const title = `${type === 'accueil' ? 'Accueil' : `Page ${i} (${type})`}`;
    // Pages libres form a tree under a few sections.
    const parentId =
      type === 'page' && parents.length > 0 && i % 4 !== 0 ? parents[i % parents.length]! : null;
    const page = createPage(manifest, { title, type, parentId, updatedBy: 'Banc de mesure' });
    if (type === 'page' && parentId === null) parents = [...parents, page.id].slice(-10);
    updatePage(manifest, page.id, { status: 'published' }, 'Banc de mesure');
    const fields = fieldsFor(type, i);
    updatePageFields(manifest, page.id, fields, 'Banc de mesure');
    if (fields.image) {
      const sha = fields.image;
      mediaMap(manifest).set(sha, {
        mime: 'image/webp',
        width: 1600,
        height: 900,
        widths: [480, 960, 1440],
        bytes: 90_000,
      });
      for (const w of [480, 960, 1440])
        await writeFile(path.join(media, `${sha}-${w}.webp`), Buffer.alloc(w * 20));
    }
    if (fields.pdf) {
      mediaMap(manifest).set(fields.pdf, { mime: 'application/pdf', width: 0, height: 0, bytes: 120_000 });
      await writeFile(path.join(media, `${fields.pdf}.pdf`), Buffer.alloc(2_000));
    }
    const paragraphs = [PARAGRAPH, `Paragraphe propre à la page ${i + 1}.`, PARAGRAPH];
    const body = new Y.Doc();
    writeParagraphs(body, paragraphs);
    await store.appendUpdates(pageRoom(INSEE, page.id), [Y.encodeStateAsUpdate(body)]);
    body.destroy();
    titles.push([page.slug, title, type]);
    // The other generators' menu: ours by default, the first top-level pages of the kinds a
    // menu may hold, at most 8 (site/menus.ts defaultMainMenu, in creation order here).
    const inMenu =
      parentId === null &&
      !MENU_EXCLUDED_TYPES.has(type) &&
      pages.filter((p) => p.inMenu).length < MENU_MAX_TOP;
    pages.push({ slug: page.slug, title, inMenu, markdown: paragraphs.join('\n\n') });
    if (i === 500) changeRoom = pageRoom(INSEE, page.id);
  }
  await store.appendUpdates(siteRoom(INSEE), [Y.encodeStateAsUpdate(manifest)]);
  await store.close();
  db.close();
  return { changeRoom, titles, pages };
}

/** Full publications, each by a new server process on its own copy of the seeded store. */
async function benchColdPublish(seeded: string, pages: number, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const copy = `${seeded}-cold-${i}`;
    await cp(seeded, copy, { recursive: true });
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', path.join(import.meta.dirname, 'publishCold.ts'), copy, INSEE],
          { maxBuffer: 1 << 20 },
          (error, out) => (error ? reject(error) : resolve(out)),
        ),
      );
      const line = stdout.trim().split('\n').pop() ?? '';
      const result = JSON.parse(line) as { ms: number; pages: number };
      if (result.pages !== pages) throw new Error(`published ${result.pages} pages`);
      times.push(result.ms);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }
  return times;
}

/** `dir`: where the server's DATA_DIR goes (default: the OS temporary directory). */
export async function benchPublish(options: { dir?: string } = {}): Promise<PublishResult> {
  const data = options.dir
    ? await (async () => {
        const dir = await mkdtemp(path.join(options.dir!, 'usine-bench-'));
        return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
      })()
    : await tempDataDir();
  try {
    const seedStart = performance.now();
    const { changeRoom, titles, pages } = await seed(data.dir);
    const seedMs = performance.now() - seedStart;
    const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
    // Before the long-running server below touches the store: it is copied for each run.
    const coldRuns = await benchColdPublish(data.dir, titles.length, runs);

    const server = await startTestServer(data.dir, { createDemoAccount: false });
    let fullMs: number;
    let republishOneMs: number;
    let republishOneWritten: number;
    let republishOneServerMs: number;
    let fullServerMs: number;
    let republishNoneMs: number;
    let republishOneRuns: number[];
    try {
      await server.admin.addAgent({
        commune: INSEE,
        email: 'referent@bench.fr',
        password: 'Banc-de-mesure-2026!',
        role: 'referent',
        displayName: 'Banc de mesure',
      });
      const { accessToken } = await login(server, 'referent@bench.fr', 'Banc-de-mesure-2026!');
      const publish = async (): Promise<{ ms: number; body: PublishResponse }> => {
        const start = performance.now();
        const response = await fetch(`${server.url}/api/communes/${INSEE}/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}` },
        });
        const ms = performance.now() - start;
        if (response.status !== 200)
          throw new Error(`publish failed: ${response.status} ${await response.text()}`);
        return { ms, body: (await response.json()) as PublishResponse };
      };
      const full = await publish();
      if (full.body.pages !== titles.length) throw new Error(`published ${full.body.pages} pages`);
      fullMs = full.ms;

      // One page body changes (as a client's update would be stored), then republish; again
      // with no change. Each `runs` times, the median kept.
      const ones: Array<{ ms: number; body: PublishResponse }> = [];
      const nones: number[] = [];
      for (let i = 0; i < runs; i++) {
        const db = openDatabase(data.dir);
        const store = new SqliteDocStore(db);
        const stored = await store.loadDoc(changeRoom);
        const doc = new Y.Doc();
        for (const u of stored.updates) Y.applyUpdate(doc, u);
        const before = Y.encodeStateVector(doc);
        writeParagraphs(doc, [`Paragraphe ajouté après la publication ${i + 1}.`]);
        await store.appendUpdates(changeRoom, [Y.encodeStateAsUpdate(doc, before)]);
        await store.close();
        db.close();
        // An agent edits for a while before publishing again: let the background preparation of
        // the previous version (hard-linked copy, see Publisher.prepareNext; about 1 s here) finish first.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const one = await publish();
        if (one.body.changedPages?.length !== 1)
          throw new Error(`changed ${one.body.changedPages?.length} pages`);
        ones.push(one);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        nones.push((await publish()).ms);
      }
      const one = [...ones].sort((x, y) => x.ms - y.ms)[Math.floor((ones.length - 1) / 2)]!;
      republishOneRuns = ones.map((o) => o.ms);
      republishOneMs = median(republishOneRuns);
      republishOneServerMs = median(ones.map((o) => o.body.ms ?? -1));
      republishOneWritten = one.body.filesWritten ?? -1;
      republishNoneMs = median(nones);
      fullServerMs = full.body.ms ?? -1;
    } finally {
      await server.close();
    }

    const eleventy = await benchEleventy(pages, runs);
    const hugo = await benchHugo(pages, runs);
    return {
      pages: titles.length,
      mix: ['accueil 1', ...MIX.map(([t, n]) => `${t} ${n}`)].join(', '),
      seedMs,
      fullMs,
      fullServerMs,
      republishOneMs,
      republishOneRuns,
      republishOneServerMs,
      republishOneWritten,
      republishNoneMs,
      coldRuns,
      coldMs: median(coldRuns),
      eleventy,
      hugo,
    };
  } finally {
    await data.remove();
  }
}

const perSecond = (pages: number, ms: number) => Math.round((pages * 1000) / ms).toLocaleString('en-US');
const spread = (runs: readonly number[]) =>
  `${Math.round(Math.min(...runs))}–${Math.round(Math.max(...runs))} ms`;

function generatorLine(name: string, pages: number, r: GeneratorResult): string {
  if (!r.ok) return `  ${name} failed: ${r.message}`;
  const { median: ms, runs, version } = r.value;
  return (
    `  ${name} ${version}, same pages from the same Markdown, new process: ${perSecond(pages, ms)} pages/s ` +
    `(median ${Math.round(ms)} ms of ${runs.length}, ${spread(runs)})`
  );
}

export function formatPublishBench(r: PublishResult): string[] {
  return [
    `publish, ${r.pages} pages (${r.mix}), through the HTTP API:`,
    `  full publication (checks, history snapshots, search index, feeds, sitemap…), new server process: ` +
      `${perSecond(r.pages, r.coldMs)} pages/s (median ${Math.round(r.coldMs)} ms of ${r.coldRuns.length}, ${spread(r.coldRuns)})`,
    generatorLine('Eleventy', r.pages, r.eleventy),
    r.hugo === null ? `  ${HUGO_MISSING}` : generatorLine('Hugo', r.pages, r.hugo),
    `  then one server for the rest: full ${r.fullMs.toFixed(0)} ms (publisher ${r.fullServerMs} ms; budget ≤ 2000 ms)`,
    `  republish after one page changed, median of ${r.republishOneRuns.length}: ${r.republishOneMs.toFixed(0)} ms ` +
      `(${spread(r.republishOneRuns)}; publisher ${r.republishOneServerMs} ms, ${r.republishOneWritten} file written; ` +
      `budget ≤ 100 ms, goal ≤ 50 ms); with no change ${r.republishNoneMs.toFixed(0)} ms`,
  ];
}
