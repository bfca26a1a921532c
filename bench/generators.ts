/**
 * The other static generators of the publish bench (bench/publish.ts): Eleventy 3 and Hugo
 * (Debian's `hugo` package) build the same pages from the same Markdown files, with the same
 * layout (header, main menu with the same entries as ours, breadcrumb, footer). Each build runs in a new
 * process (its start-up included, as when one types the command), several times; the median
 * is kept. Only the pages are produced: no sitemap, feed, list page or search index.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** One page of the generated site: its address, title and whether the main menu lists it. */
export interface BenchPage {
  slug: string;
  title: string;
  inMenu: boolean;
  /** Markdown body (the same paragraphs as the page's body in our store). */
  markdown: string;
}

export interface GeneratorRuns {
  /** Wall clock of each process, spawn to exit (ms). */
  runs: number[];
  median: number;
  version: string;
}

export type GeneratorResult = { ok: true; value: GeneratorRuns } | { ok: false; message: string };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const frontMatter = (page: BenchPage, extra: string) =>
  `---\ntitle: ${JSON.stringify(page.title)}\n${extra}---\n\n${page.markdown}\n`;

const HEAD = (title: string, css: string) =>
  `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Aix-en-Provence</title><link rel="stylesheet" href="${css}"></head>
<body><a class="skip-link" href="#contenu">Aller au contenu</a>
<header class="site-header"><p class="site-name"><a href="../index.html">Aix-en-Provence</a></p>`;

const FOOT = `<footer><ul><li><a href="../mentions-legales/index.html">Mentions légales</a></li></ul></footer></body></html>\n`;

/** Eleventy's project: Nunjucks layout, pages tagged `nav` form the menu. */
async function writeEleventy(dir: string, pages: readonly BenchPage[]): Promise<void> {
  await mkdir(path.join(dir, '_includes'), { recursive: true });
  await writeFile(
    path.join(dir, '_includes', 'page.njk'),
    `${HEAD('{{ title }}', '../theme.css')}
<nav aria-label="Menu principal"><ul>{% for p in collections.nav %}<li><a href="../{{ p.fileSlug }}/index.html">{{ p.data.title }}</a></li>{% endfor %}</ul></nav></header>
<main id="contenu"><nav aria-label="Fil d’Ariane"><ol><li><a href="../index.html">Accueil</a></li><li>{{ title }}</li></ol></nav>
<h1>{{ title }}</h1>{{ content | safe }}</main>
${FOOT}`,
  );
  // A configuration file of its own, so Eleventy does not pick up one of the repo.
  await writeFile(path.join(dir, '.eleventy.mjs'), 'export default function () {}\n');
  for (const page of pages)
    await writeFile(
      path.join(dir, `${page.slug}.md`),
      frontMatter(page, `layout: page.njk\ntags: ${page.inMenu ? 'nav' : 'other'}\n`),
    );
}

/** Hugo's project: one `single` layout, pages with `nav: true` form the menu; pages only. */
async function writeHugo(dir: string, pages: readonly BenchPage[]): Promise<void> {
  await mkdir(path.join(dir, 'content'), { recursive: true });
  await mkdir(path.join(dir, 'layouts', '_default'), { recursive: true });
  await writeFile(
    path.join(dir, 'config.toml'),
    `baseURL = "http://localhost/"\nlanguageCode = "fr"\ntitle = "Aix-en-Provence"\n` +
      `disableKinds = ["home", "section", "taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n` +
      `[markup.goldmark.renderer]\nunsafe = false\n`,
  );
  await writeFile(
    path.join(dir, 'layouts', '_default', 'single.html'),
    `${HEAD('{{ .Title }}', '../theme.css')}
<nav aria-label="Menu principal"><ul>{{ range where site.RegularPages "Params.nav" true }}<li><a href="../{{ .File.ContentBaseName }}/index.html">{{ .Title }}</a></li>{{ end }}</ul></nav></header>
<main id="contenu"><nav aria-label="Fil d’Ariane"><ol><li><a href="../index.html">Accueil</a></li><li>{{ .Title }}</li></ol></nav>
<h1>{{ .Title }}</h1>{{ .Content }}</main>
${FOOT}`,
  );
  for (const page of pages)
    await writeFile(path.join(dir, 'content', `${page.slug}.md`), frontMatter(page, `nav: ${page.inMenu}\n`));
}

/** Runs a command to its end; resolves with its wall clock (ms), rejects on a non-zero exit. */
function timed(command: string, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve(ms);
      else reject(new Error(`${path.basename(command)} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** Counts the `index.html` pages under `dir` (one folder per page). */
async function countPages(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e === 'index.html' || e.endsWith(`${path.sep}index.html`)).length;
}

async function buildRuns(
  pages: readonly BenchPage[],
  runs: number,
  output: string,
  build: () => Promise<number>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await rm(output, { recursive: true, force: true });
    times.push(await build());
    const written = await countPages(output);
    if (written !== pages.length) throw new Error(`${written} pages written instead of ${pages.length}`);
  }
  return times;
}

/** Eleventy's folder (its package exports neither `cmd.cjs` nor `package.json`). */
const eleventyDir = () =>
  path.resolve(path.dirname(createRequire(import.meta.url).resolve('@11ty/eleventy')), '..');

/** Eleventy 3 from its command line, in a new Node process each run. */
export async function benchEleventy(pages: readonly BenchPage[], runs: number): Promise<GeneratorResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usine-eleventy-'));
  try {
    const input = path.join(dir, 'src');
    const output = path.join(dir, '_site');
    await writeEleventy(input, pages);
    const cli = path.join(eleventyDir(), 'cmd.cjs');
    const { version } = JSON.parse(await readFile(path.join(eleventyDir(), 'package.json'), 'utf8')) as {
      version: string;
    };
    const times = await buildRuns(pages, runs, output, () =>
      timed(
        process.execPath,
        [
          cli,
          `--input=${input}`,
          `--output=${output}`,
          `--config=${path.join(input, '.eleventy.mjs')}`,
          '--quiet',
        ],
        dir,
      ),
    );
    return { ok: true, value: { runs: times, median: median(times), version } };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The installed Hugo's version (`v0.111.3`), or null when there is no `hugo` on the PATH. */
function hugoVersion(): Promise<string | null> {
  return new Promise((resolve) =>
    execFile('hugo', ['version'], (error, stdout) =>
      resolve(error ? null : (/v\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? stdout.trim())),
    ),
  );
}

export const HUGO_MISSING =
  'Hugo absent : installez-le pour le comparer (Debian : sudo apt-get install hugo) / Hugo not installed: ' +
  'sudo apt-get install hugo to compare — comparison skipped.';

/** Hugo from its command line, a new process each run; `null` when Hugo is not installed. */
export async function benchHugo(pages: readonly BenchPage[], runs: number): Promise<GeneratorResult | null> {
  const version = await hugoVersion();
  if (version === null) return null;
  const dir = await mkdtemp(path.join(tmpdir(), 'usine-hugo-'));
  try {
    await writeHugo(dir, pages);
    const output = path.join(dir, 'public');
    const times = await buildRuns(pages, runs, output, async () => {
      await rm(path.join(dir, 'resources'), { recursive: true, force: true });
      return timed('hugo', ['--source', dir, '--destination', output, '--quiet'], dir);
    });
    return { ok: true, value: { runs: times, median: median(times), version } };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
