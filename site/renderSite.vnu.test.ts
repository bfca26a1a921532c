// Runs the Nu HTML Checker (vnu.jar, Java 17) on a rendered sample site: zero errors.
// Uses node:* and the file system, which only site/ tests may do (see eslint.config.js).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileSnapshot } from './hostileCorpus';
import { withoutThemeMarkup } from './icons';
import { renderSite } from './renderSite';
import { sampleSnapshot } from './sampleSite';

const repo = resolve(__dirname, '..');
const vnu = join(repo, 'node_modules/vnu-jar/build/dist/vnu.jar');
const hasJava = spawnSync('java', ['-version']).status === 0;
const stylesheet = readFileSync(join(repo, 'assets/site.css'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'usine-vnu-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Editor-state JSON nobody's editor would produce: the output must still be valid HTML. */
function hostileBody(): never {
  const t = (text: unknown, format = 0) => ({ type: 'text', text, format });
  let deep: unknown = t('fond');
  for (let i = 0; i < 200; i++)
    deep = {
      type: ['link', 'paragraph', 'list', 'quote', 'x'][i % 5],
      url: 'https://a.fr',
      children: [deep],
    };
  const children = [
    {
      type: 'paragraph',
      children: [
        {
          type: 'link',
          url: 'https://a.fr',
          children: [{ type: 'link', url: 'https://b.fr', children: [t('lien dans lien')] }],
        },
      ],
    },
    {
      type: 'paragraph',
      children: [
        { type: 'paragraph', children: [t('p dans p')] },
        { type: 'list', children: [t('liste dans p')] },
      ],
    },
    {
      type: 'heading',
      tag: 'h1',
      children: [{ type: 'heading', tag: 'h2', children: [t('titre \u0001\uFFFF\uD800 contrôle')] }],
    },
    {
      type: 'quote',
      children: [{ type: 'list', listType: 'number', children: [{ type: 'listitem', children: [t('x')] }] }],
    },
    {
      type: 'list',
      listType: 'number',
      start: -5,
      children: [
        t('nu'),
        { type: 'list', children: [] },
        { type: 'listitem', children: [{ type: 'paragraph', children: [t('p dans li')] }] },
      ],
    },
    { type: 'listitem', children: [t('li seul')] },
    t('texte à la racine', 255),
    { type: 'linebreak' },
    { type: 'table', children: [{ type: 'tablerow', children: [t('cellule')] }] },
    deep,
  ];
  return { root: { type: 'root', children } } as never;
}

/** Writes the HTML and CSS files under `dir/<name>/` and returns vnu's errors on them. */
function vnuErrors(rendered: Map<string, string>, name: string): string[] {
  const files: string[] = [];
  for (const [path, content] of rendered) {
    if (!/\.(html|css)$/.test(path)) continue;
    const target = join(dir, name, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    files.push(target);
  }
  let output = '';
  try {
    output = execFileSync(
      'java',
      ['-jar', vnu, '--errors-only', '--format', 'json', '--also-check-css', ...files],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    // vnu exits non-zero when it finds errors and writes its report to stderr.
    output = String((error as { stderr?: string }).stderr ?? error);
  }
  const report = output.trim()
    ? (JSON.parse(output) as {
        messages: Array<{ type: string; url?: string; message: string; extract?: string }>;
      })
    : { messages: [] };
  return report.messages
    .filter((m) => m.type === 'error' || m.type === 'non-document-error')
    .map((m) => `${(m.url ?? '').replace(/^.*usine-vnu-[^/]+\//, '')}: ${m.message} ${m.extract ?? ''}`);
}

describe.skipIf(!hasJava || !existsSync(vnu))('Nu HTML Checker', () => {
  it('[HTML-4][HTML-5][TYPE-3][TYPE-8] hostile values in every structured field, list and setting: zero errors, no active content', () => {
    const files = renderSite(hostileSnapshot()).files;
    expect(vnuErrors(files, 'hostile')).toEqual([]);
    for (const [path, content] of files) {
      if (!path.endsWith('.html')) continue;
      // The theme's icons and search form are its own markup, never the content's.
      const markup = withoutThemeMarkup(content).replace(/"[^"]*"/g, '""');
      expect(markup, path).not.toMatch(/<(script|iframe|object|embed|form|svg|math|base|meta http-equiv)\b/i);
      expect(markup, path).not.toMatch(/<[^>]*\son[a-z]+=/i);
      expect(content, path).not.toMatch(/(href|src|srcset|action)="\s*(javascript|vbscript|data):/i);
    }
  }, 120_000);

  it('[PUB-12][TYPE-7] the rendered sample site — every page type, generated pages, hostile body — has zero errors', () => {
    const snapshot = sampleSnapshot(stylesheet);
    snapshot.pages.push({
      meta: {
        ...snapshot.pages[1]!.meta,
        id: 'hostile1',
        slug: 'hostile',
        title: 'Hostile\u0000 <b>',
        order: 'z',
      },
      body: hostileBody(),
    });
    expect(vnuErrors(renderSite(snapshot).files, 'sample')).toEqual([]);
  }, 60_000);
});
