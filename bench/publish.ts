/**
 * Publishing (DESIGN.md budgets: full publish of a 1,000-page site ≤ 2 s; republish after one
 * page changed ≤ 100 ms): a generated site with a realistic mix of page types, structured
 * fields and media is written into a real SQLite store, then the real server publishes it
 * through its HTTP API — in full, again after one page body changed, and with no change.
 * Side by side, Eleventy 3 (`@11ty/eleventy`, programmatic API) builds the same 1,000 pages
 * from Markdown with a comparable layout.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { PublishResponse } from '../site/apiContract';
import { writeParagraphs } from '../site/pageBody';
import type { PageType } from '../site/pageTypes';
import { createPage, mediaMap, updatePage, updatePageFields, updateSettings } from '../site/siteDoc';
import { pageRoom, siteRoom } from '../site/syncProtocol';
import { openDatabase } from '../sync-server/database';
import { SqliteDocStore } from '../sync-server/SqliteDocStore';
import { login, startTestServer, tempDataDir } from '../sync-server/testHarness';

export interface PublishResult {
  pages: number;
  mix: string;
  seedMs: number;
  fullMs: number;
  /** As measured by the client (HTTP round trip). */
  republishOneMs: number;
  /** As measured inside the publisher (PublishResponse.ms). */
  republishOneServerMs: number;
  republishOneWritten: number;
  fullServerMs: number;
  republishNoneMs: number;
  eleventyMs: number | null;
  eleventyError: string | null;
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
): Promise<{ changeRoom: string; titles: Array<[string, string, PageType]> }> {
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
    const body = new Y.Doc();
    writeParagraphs(body, [PARAGRAPH, `Paragraphe propre à la page ${i + 1}.`, PARAGRAPH]);
    await store.appendUpdates(pageRoom(INSEE, page.id), [Y.encodeStateAsUpdate(body)]);
    body.destroy();
    titles.push([page.slug, title, type]);
    if (i === 500) changeRoom = pageRoom(INSEE, page.id);
  }
  await store.appendUpdates(siteRoom(INSEE), [Y.encodeStateAsUpdate(manifest)]);
  await store.close();
  db.close();
  return { changeRoom, titles };
}

/** Eleventy 3 builds the same pages from Markdown, with a layout like ours (header, nav, footer). */
async function benchEleventy(titles: Array<[string, string, PageType]>): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usine-eleventy-'));
  try {
    const input = path.join(dir, 'src');
    await mkdir(path.join(input, '_includes'), { recursive: true });
    await writeFile(
      path.join(input, '_includes', 'page.njk'),
      `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – Aix-en-Provence</title><link rel="stylesheet" href="../theme.css"></head>
<body><a class="skip-link" href="#contenu">Aller au contenu</a>
<header class="site-header"><p class="site-name"><a href="../index.html">Aix-en-Provence</a></p>
<nav aria-label="Menu principal"><ul>{% for p in collections.nav %}<li><a href="../{{ p.fileSlug }}/index.html">{{ p.data.title }}</a></li>{% endfor %}</ul></nav></header>
<main id="contenu"><nav aria-label="Fil d’Ariane"><ol><li><a href="../index.html">Accueil</a></li><li>{{ title }}</li></ol></nav>
<h1>{{ title }}</h1>{{ content | safe }}</main>
<footer><ul><li><a href="../mentions-legales/index.html">Mentions légales</a></li></ul></footer></body></html>
`,
    );
    // An empty configuration file of its own, so Eleventy does not pick up one of the repo.
    await writeFile(path.join(input, '.eleventy.mjs'), 'export default function () {}\n');
    for (const [slug, title, type] of titles) {
      await writeFile(
        path.join(input, `${slug}.md`),
        `---\ntitle: "${title}"\nlayout: page.njk\ntags: ${type === 'page' ? 'nav' : 'other'}\n---\n\n${PARAGRAPH}\n\nParagraphe propre à la page ${slug}.\n\n${PARAGRAPH}\n`,
      );
    }
    // @ts-expect-error Eleventy ships no type declarations.
    const { default: Eleventy } = (await import('@11ty/eleventy')) as {
      default: new (
        input: string,
        output: string,
        options: Record<string, unknown>,
      ) => { write(): Promise<unknown> };
    };
    const start = performance.now();
    const elev = new Eleventy(input, path.join(dir, '_site'), {
      quietMode: true,
      configPath: path.join(input, '.eleventy.mjs'),
    });
    await elev.write();
    const ms = performance.now() - start;
    const out = await readdir(path.join(dir, '_site'));
    if (out.length < titles.length * 0.9) throw new Error(`Eleventy wrote ${out.length} entries`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
    const { changeRoom, titles } = await seed(data.dir);
    const seedMs = performance.now() - seedStart;

    const server = await startTestServer(data.dir, { createDemoAccount: false });
    let fullMs: number;
    let republishOneMs: number;
    let republishOneWritten: number;
    let republishOneServerMs: number;
    let fullServerMs: number;
    let republishNoneMs: number;
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

      // One page body changes (as a client's update would be stored), then republish.
      const db = openDatabase(data.dir);
      const store = new SqliteDocStore(db);
      const stored = await store.loadDoc(changeRoom);
      const doc = new Y.Doc();
      for (const u of stored.updates) Y.applyUpdate(doc, u);
      const before = Y.encodeStateVector(doc);
      writeParagraphs(doc, ['Paragraphe ajouté après la première publication.']);
      await store.appendUpdates(changeRoom, [Y.encodeStateAsUpdate(doc, before)]);
      await store.close();
      db.close();
      // An agent edits for a while before publishing again: let the background preparation of
      // the previous version (hard-linked copy, see Publisher.prepareNext; about 1 s here) finish first.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const one = await publish();
      if (one.body.changedPages?.length !== 1)
        throw new Error(`changed ${one.body.changedPages?.length} pages`);
      republishOneMs = one.ms;
      republishOneServerMs = one.body.ms ?? -1;
      republishOneWritten = one.body.filesWritten ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const none = await publish();
      republishNoneMs = none.ms;
      fullServerMs = full.body.ms ?? -1;
    } finally {
      await server.close();
    }

    let eleventyMs: number | null = null;
    let eleventyError: string | null = null;
    try {
      eleventyMs = await benchEleventy(titles);
    } catch (error) {
      eleventyError = error instanceof Error ? error.message : String(error);
    }
    return {
      pages: titles.length,
      mix: ['accueil 1', ...MIX.map(([t, n]) => `${t} ${n}`)].join(', '),
      seedMs,
      fullMs,
      fullServerMs,
      republishOneMs,
      republishOneServerMs,
      republishOneWritten,
      republishNoneMs,
      eleventyMs,
      eleventyError,
    };
  } finally {
    await data.remove();
  }
}

export function formatPublishBench(r: PublishResult): string[] {
  return [
    `publish, ${r.pages} pages (${r.mix}), through the HTTP API:`,
    `  full ${r.fullMs.toFixed(0)} ms (publisher ${r.fullServerMs} ms; budget ≤ 2000 ms)` +
      (r.eleventyMs !== null
        ? ` — Eleventy 3.1.8, same 1,000 pages from Markdown: ${r.eleventyMs.toFixed(0)} ms`
        : ` — Eleventy failed: ${r.eleventyError}`),
    `  republish after one page changed ${r.republishOneMs.toFixed(0)} ms (publisher ${r.republishOneServerMs} ms, ` +
      `${r.republishOneWritten} file written; budget ≤ 100 ms); with no change ${r.republishNoneMs.toFixed(0)} ms`,
  ];
}
