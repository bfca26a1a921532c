/**
 * Renders a commune's site snapshot to the files of its static published site: one
 * stylesheet with a content-hashed name, `index.html`, and `<slug>/index.html` per
 * published page. No JavaScript, relative links only (SPEC.md [PUB-*]).
 */
import type { SerializedEditorState } from 'lexical';
import { escapeHtml, renderHtml } from './renderHtml';
import { type PageMeta, type SiteSettings, slugify } from './siteDoc';

export interface SiteSnapshot {
  commune: { insee: string; name: string; slug: string };
  settings: SiteSettings;
  pages: Array<{ meta: PageMeta; body: SerializedEditorState }>;
  /** CSS text of the theme (assets/site.css). */
  stylesheet: string;
  publishedAt: number;
}

export interface RenderedSite {
  /** Relative path → content: 'index.html', '<page-slug>/index.html', 'theme.<hash8>.css'. */
  files: Map<string, string>;
}

export const DEFAULT_ACCENT = '#000091';

/**
 * Footer links, by page slug: shown only when such a page is published, so the footer
 * never holds a dead link.
 */
export const FOOTER_PAGES: ReadonlyArray<{ slugs: readonly string[]; label: string }> = [
  { slugs: ['mentions-legales'], label: 'Mentions légales' },
  {
    slugs: ['accessibilite', 'declaration-d-accessibilite', 'declaration-accessibilite'],
    label: 'Accessibilité',
  },
  { slugs: ['donnees-personnelles'], label: 'Données personnelles' },
  { slugs: ['plan-du-site'], label: 'Plan du site' },
];

/** Entries of the main menu; beyond, « Toutes les pages » leads to the home page's list. */
export const NAV_MAX = 8;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** cyrb53: a small, fast, pure 53-bit string hash (public domain, bryc). */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Eight hex digits naming a file after its content. */
export function contentHash8(text: string): string {
  return cyrb53(text).toString(16).padStart(14, '0').slice(-8);
}

function channel(hex: string): number {
  const c = parseInt(hex, 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG contrast ratio of a `#rrggbb` colour against white. */
export function contrastWithWhite(hex: string): number {
  const l =
    0.2126 * channel(hex.slice(1, 3)) + 0.7152 * channel(hex.slice(3, 5)) + 0.0722 * channel(hex.slice(5, 7));
  return 1.05 / (l + 0.05);
}

/** The accent colour to publish: the chosen one if it is `#rrggbb` and reaches 4.5:1 on white. */
export function publishableAccent(color: unknown): string {
  if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) return DEFAULT_ACCENT;
  return contrastWithWhite(color) >= 4.5 ? color.toLowerCase() : DEFAULT_ACCENT;
}

interface SitePage {
  meta: PageMeta;
  body: SerializedEditorState;
  slug: string;
  title: string;
}

function byOrder(a: PageMeta, b: PageMeta): number {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Published pages with safe, unique directory names. */
function publishedPages(snapshot: SiteSnapshot): SitePage[] {
  const taken = new Set<string>();
  const pages: SitePage[] = [];
  const sorted = snapshot.pages
    .filter((p) => p.meta.status === 'published')
    .sort((a, b) => byOrder(a.meta, b.meta));
  for (const { meta, body } of sorted) {
    const base =
      SLUG.test(meta.slug) && meta.slug.length <= 80 ? meta.slug : slugify(meta.slug || meta.title);
    let slug = base;
    for (let i = 2; taken.has(slug); i++) slug = `${base}-${i}`;
    taken.add(slug);
    pages.push({ meta, body, slug, title: meta.title.trim() || 'Page sans titre' });
  }
  return pages;
}

interface Tree {
  home: SitePage | undefined;
  pages: SitePage[];
  byId: Map<string, SitePage>;
  childrenOf: Map<string | null, SitePage[]>;
  /** Published ancestors, outermost first. */
  ancestors(page: SitePage): SitePage[];
}

function buildTree(all: SitePage[]): Tree {
  const home = all.find((p) => p.meta.type === 'accueil');
  const pages = all.filter((p) => p !== home);
  const byId = new Map(pages.map((p) => [p.meta.id, p]));
  const parentOf = (p: SitePage): SitePage | undefined =>
    p.meta.parentId !== null && p.meta.parentId !== p.meta.id ? byId.get(p.meta.parentId) : undefined;
  const ancestors = (page: SitePage): SitePage[] => {
    const chain: SitePage[] = [];
    const seen = new Set([page.meta.id]);
    for (let p = parentOf(page); p && !seen.has(p.meta.id); p = parentOf(p)) {
      seen.add(p.meta.id);
      chain.unshift(p);
    }
    return chain;
  };
  // A page whose parent is unpublished, missing, or part of a cycle hangs at the top.
  const childrenOf = new Map<string | null, SitePage[]>();
  for (const page of pages) {
    const parent = parentOf(page);
    const inCycle = parent !== undefined && ancestors(parent).some((a) => a.meta.id === page.meta.id);
    const key = parent && !inCycle ? parent.meta.id : null;
    const siblings = childrenOf.get(key);
    if (siblings) siblings.push(page);
    else childrenOf.set(key, [page]);
  }
  return { home, pages, byId, childrenOf, ancestors };
}

interface Layout {
  communeName: string;
  stylesheet: string;
  tree: Tree;
  footer: SitePage[];
  published: { iso: string; text: string };
}

/** Relative URL of a page from a file at `depth` directories below the site root. */
function pageHref(page: SitePage | null, depth: number): string {
  const up = depth === 0 ? './' : '../'.repeat(depth);
  return page ? `${up}${page.slug}/index.html` : `${up}index.html`;
}

function formatDateFr(ms: number): { iso: string; text: string } {
  const date = new Date(Number.isFinite(ms) ? ms : 0);
  const text = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(date);
  return { iso: date.toISOString(), text };
}

function pageDocument(layout: Layout, current: SitePage | null, title: string, main: string): string {
  const depth = current ? 1 : 0;
  const e = escapeHtml;
  const commune = e(layout.communeName);
  const top = (layout.tree.childrenOf.get(null) ?? []).filter((p) => !layout.footer.includes(p));
  const nav =
    top
      .slice(0, NAV_MAX)
      .map((p) => {
        const here = p === current ? ' aria-current="page"' : '';
        return `<li><a href="${pageHref(p, depth)}"${here}>${e(p.title)}</a></li>`;
      })
      .join('') +
    (top.length > NAV_MAX
      ? `<li><a href="${pageHref(null, depth)}#pages-titre">Toutes les pages</a></li>`
      : '');
  const footerLinks = layout.footer
    .map((p) => `<li><a href="${pageHref(p, depth)}">${e(FOOTER_LABEL.get(p.slug) ?? p.title)}</a></li>`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="fr">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)} – ${commune}</title>`,
    `<link rel="stylesheet" href="${depth === 0 ? './' : '../'}${layout.stylesheet}">`,
    '</head>',
    '<body>',
    '<a class="skip-link" href="#contenu">Aller au contenu</a>',
    '<header class="site-header">',
    `<p class="site-name"><a href="${pageHref(null, depth)}"${current ? '' : ' aria-current="page"'}>${commune}</a></p>`,
    nav ? `<nav class="site-nav" aria-label="Menu principal"><ul>${nav}</ul></nav>` : '',
    '</header>',
    `<main id="contenu" tabindex="-1">`,
    main,
    '</main>',
    '<footer class="site-footer">',
    footerLinks ? `<nav aria-label="Liens utiles"><ul>${footerLinks}</ul></nav>` : '',
    `<p>${commune} – site mis à jour le <time datetime="${layout.published.iso}">${e(layout.published.text)}</time>.</p>`,
    '</footer>',
    '</body>',
    '</html>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const FOOTER_LABEL = new Map(
  FOOTER_PAGES.flatMap(({ slugs, label }) => slugs.map((s) => [s, label] as const)),
);

function breadcrumb(layout: Layout, page: SitePage): string {
  const items = [
    `<li><a href="${pageHref(null, 1)}">Accueil</a></li>`,
    ...layout.tree
      .ancestors(page)
      .map((a) => `<li><a href="${pageHref(a, 1)}">${escapeHtml(a.title)}</a></li>`),
    `<li><span aria-current="page">${escapeHtml(page.title)}</span></li>`,
  ];
  return `<nav class="breadcrumb" aria-label="Fil d’Ariane"><ol>${items.join('')}</ol></nav>`;
}

function pageList(tree: Tree, parent: string | null, depth: number, guard: Set<string>): string {
  const pages = (tree.childrenOf.get(parent) ?? []).filter((p) => !guard.has(p.meta.id));
  if (pages.length === 0) return '';
  const items = pages.map((p) => {
    guard.add(p.meta.id);
    return `<li><a href="${pageHref(p, depth)}">${escapeHtml(p.title)}</a>${pageList(tree, p.meta.id, depth, guard)}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

/** Renders the published part of a snapshot. Pure and deterministic. */
export function renderSite(snapshot: SiteSnapshot): RenderedSite {
  const communeName = (snapshot.settings.name || snapshot.commune.name).trim() || snapshot.commune.name;
  const accent = publishableAccent(snapshot.settings.accentColor);
  const css =
    accent === DEFAULT_ACCENT
      ? snapshot.stylesheet
      : `${snapshot.stylesheet.trimEnd()}\n:root{--accent:${accent}}\n`;
  const stylesheet = `theme.${contentHash8(css)}.css`;
  const tree = buildTree(publishedPages(snapshot));
  const footer = FOOTER_PAGES.flatMap(({ slugs }) => {
    const page = tree.pages.find((p) => slugs.includes(p.slug));
    return page ? [page] : [];
  });
  const layout: Layout = {
    communeName,
    stylesheet,
    tree,
    footer,
    published: formatDateFr(snapshot.publishedAt),
  };

  const files = new Map<string, string>();
  files.set(stylesheet, css);

  const homeBody = tree.home ? renderHtml(tree.home.body) : '';
  const list = pageList(tree, null, 0, new Set());
  const homeMain = [
    `<h1>${escapeHtml(communeName)}</h1>`,
    homeBody,
    list
      ? `<section aria-labelledby="pages-titre"><h2 id="pages-titre">Pages du site</h2>${list}</section>`
      : '',
  ].join('');
  files.set('index.html', pageDocument(layout, null, 'Accueil', homeMain));

  for (const page of tree.pages) {
    const main = [breadcrumb(layout, page), `<h1>${escapeHtml(page.title)}</h1>`, renderHtml(page.body)].join(
      '',
    );
    files.set(`${page.slug}/index.html`, pageDocument(layout, page, page.title, main));
  }
  return { files };
}
