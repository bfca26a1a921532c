/**
 * Renders a commune's site snapshot to the files of its static published site: one
 * stylesheet with a content-hashed name, `index.html`, `<slug>/index.html` per published
 * page, the generated legal pages, sitemap, robots.txt, feeds and open data. No JavaScript,
 * relative links only (SPEC.md [PUB-*], [GEN-*], [FEED-*]).
 */
import type { SerializedEditorState } from 'lexical';
import {
  atomFeed,
  actesCsv,
  actesJson,
  acteRecords,
  icalendarFeed,
  robotsTxt,
  sitemapXml,
  upcomingEvents,
} from './feeds';
import {
  deliberationRows,
  deliberationsCsv,
  deliberationsUpdatedAt,
  SCDL_DELIBERATIONS,
} from './deliberations';
import { telHref } from './fieldLinks';
import {
  declarationAccessibilite,
  donneesPersonnelles,
  GENERATED_PAGES,
  LIST_PAGES,
  mentionsLegales,
  planDuSite,
  RESERVED_SLUGS,
} from './generatedPages';
import { homeMain } from './homePage';
import { GONE_FILE, GONE_TITLE, goneMain } from './gonePage';
import {
  defaultMenuTruncated,
  footerMenuItems,
  listKey,
  mainMenuEntries,
  mainNavItems,
  type NavItem,
  pageKey,
} from './menuRender';
import { MENU_MAX_TOP, type SiteMenus } from './menus';
import {
  agendaPage,
  type ListPage,
  newsPages,
  notFoundMain,
  openDataPage,
  registrePages,
  searchForm,
} from './listPages';
import { SEARCH_SLOT, SEARCH_TEMPLATE_FILE, SEARCH_TEMPLATE_TITLE } from './searchTemplate';
import { pageBlock } from './pageBlocks';
import { ALERT_LEVELS, isAlertActive } from './pageTypes';
import { escapeHtml, type MediaInfo, mediaPath, renderHtml } from './renderHtml';
import {
  ACCESSIBILITY_STATUS_LABELS,
  normalizeSettings,
  paletteEntry,
  type SiteSettingsFull,
} from './settings';
import {
  communeOf,
  dateFr,
  type HostInfo,
  isoDateParis,
  METROPOLE_HOST,
  pageHref,
  type SiteContext,
  type SitePage,
  typedFields,
} from './siteContext';
import { PAGE_TYPES, type PageMeta, type SiteSettings, slugify } from './siteDoc';

export interface SiteSnapshot {
  commune: { insee: string; name: string; slug: string };
  /** `name` and `accentColor` at least; the rest of SiteSettingsFull when known. */
  settings: SiteSettings & Partial<SiteSettingsFull>;
  pages: Array<{ meta: PageMeta; body: SerializedEditorState }>;
  /** Media library entries by sha256 (manifest `media`); unknown media are not rendered. */
  media?: Readonly<Record<string, MediaInfo>>;
  /** CSS text of the theme (assets/site.css). */
  stylesheet: string;
  publishedAt: number;
  /** Absolute URL of the published site root, ending with `/` (sitemap and feeds need one). */
  siteUrl?: string;
  /** The host named in the mentions légales; the Métropole by default. */
  host?: HostInfo;
  /**
   * True when the server answers `recherche/?q=` (SPEC [THEME-2]); otherwise (today, and in
   * an exported folder) the header's search form leads to the plan du site.
   */
  searchAvailable?: boolean;
  /** The menus chosen in the editor (site/menus.ts); without them, the default ([MENU-4]). */
  menus?: SiteMenus;
}

export interface RenderedSite {
  /**
   * Relative path → content: 'index.html', '<page-slug>/index.html', 'theme.<hash8>.css',
   * the generated pages, 'sitemap.xml', 'robots.txt', 'actualites.xml', 'evenements.ics',
   * 'actes.csv', 'actes.json'.
   */
  files: Map<string, string>;
  /** Site-relative paths of the media files the pages refer to (`media/…`), to copy. */
  media: Set<string>;
  /** Page id → relative path of its HTML file. */
  pagePaths: Map<string, string>;
  /** Published délibérations left out of `deliberations.csv` (SPEC [DATA-5], [CHK-13]). */
  skippedDeliberations?: Array<{ pageId: string; title: string; reason: string }>;
}

/**
 * Memo of body HTML between publications (incremental republish): keyed by the identity of
 * the editor-state object, so a publisher that keeps unchanged bodies' JSON objects gets
 * their HTML back without rendering them again.
 */
export interface RenderCache {
  bodies: WeakMap<object, { stamp: string; html: string; media: string[] }>;
  /** Whole inner pages, valid while their inputs (layout, meta, ancestors, body) are the same. */
  pages: Map<
    string,
    { key: string; layout: string; meta: PageMeta; body: unknown; html: string; media: string[] }
  >;
  /** The files drawn from the whole site (home, lists, feeds…) and what they were drawn from. */
  site?: { key: string[]; value: SiteWideFiles };
}

export function createRenderCache(): RenderCache {
  return { bodies: new WeakMap(), pages: new Map() };
}

export const DEFAULT_ACCENT = '#000091';

/** Footer links: the generated pages, always present. */
export const FOOTER_PAGES: ReadonlyArray<{ slugs: readonly string[]; label: string }> = Object.values(
  GENERATED_PAGES,
).map((p) => ({ slugs: [p.slug], label: p.label }));

/**
 * A small SVG icon (the commune's initial on its accent colour): without one, browsers ask
 * for /favicon.ico, a 404 outside the site's folder.
 */
export const FAVICON = 'favicon.svg';

function favicon(name: string, accent: string): string {
  const initial = escapeHtml(name.trim().charAt(0).toUpperCase() || 'C');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="${accent}"/><text x="16" y="23" font-family="system-ui,sans-serif" font-size="20" font-weight="700" text-anchor="middle" fill="#fff">${initial}</text></svg>\n`;
}

/** Entries of the main menu; beyond, « Toutes les pages » leads to the home page's list. */
export const NAV_MAX = MENU_MAX_TOP;

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

function byOrder(a: PageMeta, b: PageMeta): number {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Published pages with safe, unique directory names (generated pages' slugs are reserved). */
/**
 * Values derived from a page's metadata alone, kept per metadata object: the publisher passes
 * the same immutable objects for the pages online each time (PageReleases), so a republish of
 * a thousand pages does not read their fields again. A new object is read again.
 */
const fieldsMemo = new WeakMap<PageMeta, SitePage['fields']>();
const metaJsonMemo = new WeakMap<PageMeta, string>();
function memoOnMeta<T>(memo: WeakMap<PageMeta, T>, meta: PageMeta, make: () => T): T {
  let value = memo.get(meta);
  if (value === undefined) memo.set(meta, (value = make()));
  return value;
}

function publishedPages(snapshot: SiteSnapshot): SitePage[] {
  const taken = new Set<string>(RESERVED_SLUGS);
  const pages: SitePage[] = [];
  const sorted = snapshot.pages
    .filter((p) => p.meta.status === 'published')
    .sort((a, b) => byOrder(a.meta, b.meta));
  for (const { meta: raw, body } of sorted) {
    // A type this version does not know (newer editor, hostile doc) is published as a page libre.
    const meta = (PAGE_TYPES as readonly string[]).includes(raw.type)
      ? raw
      : { ...raw, type: 'page' as const };
    const base =
      SLUG.test(meta.slug) && meta.slug.length <= 80 ? meta.slug : slugify(meta.slug || meta.title);
    let slug = base;
    for (let i = 2; taken.has(slug); i++) slug = `${base}-${i}`;
    taken.add(slug);
    pages.push({
      meta,
      body,
      slug,
      title: meta.title.trim() || 'Page sans titre',
      fields: memoOnMeta(fieldsMemo, meta, () => typedFields(meta)),
    });
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
  ctx: SiteContext;
  stylesheet: string;
  tree: Tree;
  /** Header parts shared by every page, per depth (0 = home, 1 = inner). */
  chrome: [Chrome, Chrome];
}

interface Chrome {
  head: string;
  logo: string;
  beforeNav: string;
  search: string;
  navItems: NavItem[];
  more: string;
  afterNav: string;
  footer: string;
}

function alertBanner(ctx: SiteContext, tree: Tree, depth: number): string {
  const risk = tree.pages.find((p) => p.meta.type === 'risques' && isAlertActive(p.fields, ctx.publishedAt));
  if (!risk) return '';
  const level = ALERT_LEVELS.find((l) => l.value === risk.fields.alertLevel)?.label ?? 'Alerte';
  return `<div class="alert-banner" role="region" aria-label="${escapeHtml(level)} en cours"><div class="wrap"><p><strong>${escapeHtml(level)} :</strong> ${escapeHtml(
    risk.fields.alertMessage ?? '',
  )} <a href="${pageHref(risk, depth)}">En savoir plus sur l’alerte</a></p></div></div>`;
}

/** Where the header's search form sends its `q` (SPEC [THEME-2]). */
function searchAction(ctx: SiteContext, depth: number): string {
  const up = depth === 0 ? './' : '../';
  return ctx.searchAvailable ? `${up}recherche/` : `${up}${GENERATED_PAGES.sitemap.slug}/index.html`;
}

function buildChrome(
  ctx: SiteContext,
  stylesheet: string,
  tree: Tree,
  depth: number,
  menus: SiteMenus | undefined,
): Chrome {
  const e = escapeHtml;
  const up = depth === 0 ? './' : '../';
  const commune = e(ctx.communeName);
  const logoInfo = ctx.settings.logo ? ctx.media(ctx.settings.logo) : undefined;
  let logo = '';
  if (logoInfo && logoInfo.mime.startsWith('image/') && logoInfo.width > 0 && logoInfo.height > 0) {
    const path = mediaPath(ctx.settings.logo, logoInfo);
    ctx.usedMedia.add(path);
    // The logo sits in the link next to the commune's name: decorative (RGAA 1.2).
    const h = 56;
    const w = Math.max(1, Math.round((logoInfo.width * h) / logoInfo.height));
    logo = `<img src="${up}${path}" width="${w}" height="${h}" alt="">`;
  }
  const menuPages = { home: tree.home, byId: tree.byId, topLevel: tree.childrenOf.get(null) ?? [] };
  const navItems = mainNavItems(mainMenuEntries(menus, menuPages, depth));
  const more = defaultMenuTruncated(menus, menuPages)
    ? `<li><a href="${up}${GENERATED_PAGES.sitemap.slug}/index.html">Toutes les pages</a></li>`
    : '';
  const status = ACCESSIBILITY_STATUS_LABELS[ctx.settings.accessibilityStatus];
  const footerLinks = [
    footerMenuItems(menus, menuPages, depth),
    ...Object.values(LIST_PAGES).map((p) => `<li><a href="${up}${p.slug}/index.html">${e(p.title)}</a></li>`),
    ...Object.values(GENERATED_PAGES).map(
      (p) =>
        `<li><a href="${up}${p.slug}/index.html">${e(p === GENERATED_PAGES.accessibility ? `${p.label}${status}` : p.label)}</a></li>`,
    ),
  ].join('');
  const updated = isoDateParis(ctx.publishedAt);
  const s = ctx.settings;
  const tel = telHref(s.phone);
  const address = s.address.trim() ? `<p>${e(s.address.trim()).replace(/\r?\n/g, '<br>')}</p>` : '';
  const phone = s.phone.trim()
    ? `<p>${tel ? `<a href="${e(tel)}">${e(s.phone.trim())}</a>` : e(s.phone.trim())}</p>`
    : '';
  return {
    head: [
      '<!doctype html>',
      '<html lang="fr">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ].join('\n'),
    beforeNav: [
      `<link rel="stylesheet" href="${up}${stylesheet}">`,
      `<link rel="icon" href="${up}${FAVICON}" type="image/svg+xml">`,
      '</head>',
      '<body>',
      '<a class="skip-link" href="#contenu">Aller au contenu</a>',
      '<header class="site-header">',
      '<div class="wrap header-bar">',
    ].join('\n'),
    search: searchForm(searchAction(ctx, depth), 'recherche-q'),
    navItems,
    more,
    afterNav: [alertBanner(ctx, tree, depth), '</header>'].filter(Boolean).join('\n'),
    footer: [
      '</main>',
      '<footer class="site-footer">',
      '<div class="wrap footer-grid">',
      `<div class="footer-id"><p class="footer-name">${e(communeOf(ctx.communeName))}</p>${address}${phone}</div>`,
      `<nav aria-label="Liens utiles"><ul>${footerLinks}</ul></nav>`,
      '</div>',
      `<div class="wrap footer-bottom"><p>${commune} – site mis à jour le <time datetime="${updated}">${e(dateFr(ctx.publishedAt))}</time>. Hébergé par ${e(ctx.host.name)}. Contenus sous <a href="${up}${LIST_PAGES.openData.slug}/index.html">Licence Ouverte 2.0</a>.</p></div>`,
      '</footer>',
      '</body>',
      '</html>',
      '',
    ].join('\n'),
    logo,
  };
}

/** The meta description: the page's summary, else a sentence naming the page and the commune. */
function describe(ctx: SiteContext, page: SitePage | null, title: string): string {
  const summary = (page?.fields.summary ?? page?.fields.subject ?? page?.fields.intro ?? '').trim();
  if (summary) return summary.length > 200 ? `${summary.slice(0, 199)}…` : summary;
  return title === 'Accueil' && !page
    ? `Site officiel de la commune de ${ctx.communeName} : actualités, démarches, agenda, actes administratifs.`
    : `${title} – site officiel de la commune de ${ctx.communeName}.`;
}

interface DocumentOptions {
  /** 0 for files at the site's root (home, 404), 1 otherwise. */
  depth?: 0 | 1;
  extraHead?: string;
  /** The main content is already laid out (home, 404); else it goes in a `.wrap`. */
  bare?: boolean;
  /** The list or generated page's folder this file belongs to (its menu entry is current). */
  listSlug?: string;
}

function pageDocument(
  layout: Layout,
  current: SitePage | null,
  title: string,
  main: string,
  options: DocumentOptions = {},
): string {
  const depth = options.depth ?? (current || title !== 'Accueil' ? 1 : 0);
  const chrome = layout.chrome[depth];
  const e = escapeHtml;
  const currentKey = current ? pageKey(current.meta.id) : options.listSlug ? listKey(options.listSlug) : null;
  const nav =
    chrome.navItems
      .map((item) => (currentKey && item.keys.has(currentKey) ? item.render(currentKey) : item.html))
      .join('') + chrome.more;
  const home = depth === 0 && title === 'Accueil';
  return [
    chrome.head,
    `<title>${e(title)} – ${e(layout.ctx.communeName)}</title>`,
    `<meta name="description" content="${e(describe(layout.ctx, current, title))}">`,
    options.extraHead ?? '',
    chrome.beforeNav,
    `<p class="site-name"><a href="${pageHref(null, depth)}"${home ? ' aria-current="page"' : ''}>${chrome.logo}<span><span class="name">${e(layout.ctx.communeName)}</span> <span class="tagline">Site officiel de la commune</span></span></a></p>`,
    chrome.search,
    '</div>',
    nav
      ? `<nav class="site-nav" aria-label="Menu principal"><div class="wrap"><ul>${nav}</ul></div></nav>`
      : '',
    chrome.afterNav,
    '<main id="contenu" tabindex="-1">',
    options.bare ? main : `<div class="wrap">${main}</div>`,
    chrome.footer,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** An actualité, an événement or an acte at the top level sits under its list page. */
function listCrumb(layout: Layout, page: SitePage | null): string {
  if (!page || layout.tree.ancestors(page).length > 0) return '';
  const list =
    page.meta.type === 'actualite'
      ? LIST_PAGES.news
      : page.meta.type === 'evenement'
        ? LIST_PAGES.agenda
        : page.meta.type === 'acte'
          ? LIST_PAGES.actes
          : null;
  return list ? `<li><a href="../${list.slug}/index.html">${escapeHtml(list.title)}</a></li>` : '';
}

function breadcrumb(layout: Layout, page: SitePage | null, title: string): string {
  const items = [
    `<li><a href="${pageHref(null, 1)}">Accueil</a></li>`,
    ...(page ? layout.tree.ancestors(page) : []).map(
      (a) => `<li><a href="${pageHref(a, 1)}">${escapeHtml(a.title)}</a></li>`,
    ),
    listCrumb(layout, page),
    `<li><span aria-current="page">${escapeHtml(title)}</span></li>`,
  ].filter(Boolean);
  return `<nav class="breadcrumb" aria-label="Fil d’Ariane"><ol>${items.join('')}</ol></nav>`;
}

/**
 * The navigation of a page's section (SPEC [THEME-5]): its top-level ancestor and that
 * section's pages, the branch leading to the current page opened; '' for a page alone.
 */
function sectionNav(tree: Tree, page: SitePage): string {
  const chain = [...tree.ancestors(page), page];
  const root = chain[0]!;
  const children = (p: SitePage) => tree.childrenOf.get(p.meta.id) ?? [];
  if (children(root).length === 0) return '';
  const onPath = new Set(chain.map((p) => p.meta.id));
  const link = (p: SitePage) =>
    `<a href="${pageHref(p, 1)}"${p === page ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a>`;
  const list = (parent: SitePage, level: number): string => {
    const kids = children(parent);
    if (kids.length === 0 || level > 3) return '';
    return `<ul>${kids
      .slice(0, 50)
      .map((k) => `<li>${link(k)}${onPath.has(k.meta.id) ? list(k, level + 1) : ''}</li>`)
      .join('')}</ul>`;
  };
  return `<nav class="section-nav" aria-label="Rubrique ${escapeHtml(root.title)}"><p class="section-title">${link(root)}</p>${list(root, 1)}</nav>`;
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

function bodyHtml(ctx: SiteContext, page: SitePage, cache: RenderCache | undefined, stamp: string): string {
  const key = page.body as unknown as object;
  const hit = cache && typeof key === 'object' && key !== null ? cache.bodies.get(key) : undefined;
  if (hit && hit.stamp === stamp) {
    for (const m of hit.media) ctx.usedMedia.add(m);
    return hit.html;
  }
  const used = new Set<string>();
  const html = renderHtml(page.body, { media: ctx.media, root: '../', usedMedia: used });
  for (const m of used) ctx.usedMedia.add(m);
  if (cache && typeof key === 'object' && key !== null)
    cache.bodies.set(key, { stamp, html, media: [...used] });
  return html;
}

/** Media paths (`media/…`) an inner page's HTML refers to. */
function pageMedia(html: string): string[] {
  return [...new Set([...html.matchAll(/\.\.\/(media\/[0-9a-f]{64}[^"\s,]*)/g)].map((m) => m[1]!))];
}

/** Renders the published part of a snapshot. Pure and deterministic. */
export function renderSite(snapshot: SiteSnapshot, options: { cache?: RenderCache } = {}): RenderedSite {
  const { layout, css, accent, stamp } = siteLayout(snapshot, options.cache !== undefined);
  const { ctx } = layout;
  const files = new Map<string, string>();
  const pagePaths = new Map<string, string>();
  files.set(layout.stylesheet, css);
  files.set(FAVICON, favicon(ctx.communeName, accent));
  const home = layout.tree.home;
  if (home) pagePaths.set(home.meta.id, 'index.html');
  const { value: site, same } = siteWideFilesCached(layout, snapshot, stamp, options.cache);
  files.set('index.html', site.files.get('index.html')!);
  renderInnerPages(layout, stamp, options.cache, same, files, pagePaths);
  for (const [path, content] of site.files) if (path !== 'index.html') files.set(path, content);
  return { files, media: ctx.usedMedia, pagePaths, skippedDeliberations: site.skipped };
}

/** The context, page tree and chrome shared by every file of a snapshot. */
function siteLayout(
  snapshot: SiteSnapshot,
  cached: boolean,
): { layout: Layout; css: string; accent: string; stamp: string } {
  const settings = normalizeSettings(snapshot.settings, snapshot.commune.name);
  const communeName = settings.name.trim() || snapshot.commune.name;
  const accent = publishableAccent(settings.accentColor);
  const css = themeCss(snapshot.stylesheet, accent);
  const stylesheet = `theme.${contentHash8(css)}.css`;
  const media = snapshot.media ?? {};
  const mediaLookup = (sha: string): MediaInfo | undefined =>
    Object.prototype.hasOwnProperty.call(media, sha) ? media[sha] : undefined;
  // Bodies and cards drawn with another media library must not come back from a cache.
  const stamp = mediaStamp(media);
  const all = publishedPages(snapshot);
  const tree = buildTree(all);
  const siteUrl = snapshot.siteUrl ?? `https://${snapshot.commune.slug}.invalid/`;
  const ctx: SiteContext = {
    communeName,
    settings: { ...settings, name: communeName },
    host: snapshot.host ?? METROPOLE_HOST,
    siteUrl: siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`,
    publishedAt: snapshot.publishedAt,
    pages: all,
    media: mediaLookup,
    usedMedia: new Set<string>(),
    searchAvailable: snapshot.searchAvailable === true,
    ...(cached ? { mediaStamp: stamp } : {}),
  };
  const chrome: [Chrome, Chrome] = [
    buildChrome(ctx, stylesheet, tree, 0, snapshot.menus),
    buildChrome(ctx, stylesheet, tree, 1, snapshot.menus),
  ];
  return { layout: { ctx, stylesheet, tree, chrome }, css, accent, stamp };
}

/** The theme's CSS with the commune's accent colour (and its dark variant from the palette). */
function themeCss(stylesheet: string, accent: string): string {
  if (accent === DEFAULT_ACCENT) return stylesheet;
  const palette = paletteEntry(accent);
  const accentCss =
    palette.value === accent
      ? `:root{--accent:${accent}}\n@media (prefers-color-scheme: dark){:root{--accent-dark:${palette.dark}}}\n`
      : `:root{--accent:${accent}}\n`;
  return `${stylesheet.trimEnd()}\n${accentCss}`;
}

const mediaStamps = new WeakMap<object, string>();
/** A hash of the media library, kept per library object (the publisher passes the same one). */
function mediaStamp(media: Readonly<Record<string, MediaInfo>>): string {
  let stamp = mediaStamps.get(media);
  if (stamp === undefined) mediaStamps.set(media, (stamp = contentHash8(JSON.stringify(media))));
  return stamp;
}

/** Everything a file depends on through the chrome (header, menus, footer) of one depth. */
function chromeKey(c: Chrome): string {
  return [
    c.head,
    c.beforeNav,
    c.logo,
    c.search,
    c.navItems.map((i) => i.html).join(''),
    c.more,
    c.afterNav,
    c.footer,
  ].join('\0');
}

/**
 * The inner pages (`<slug>/index.html`); from the cache when the page, its place in the tree
 * and the chrome are the same as last time. `sameSite`: every page's metadata, the clock as
 * the site reads it and the chrome are those of the last render, so a page of the same
 * metadata and body objects is taken from the cache without looking at its place again.
 */
function renderInnerPages(
  layout: Layout,
  stamp: string,
  cache: RenderCache | undefined,
  sameSite: boolean,
  files: Map<string, string>,
  pagePaths: Map<string, string>,
): void {
  const { ctx, tree } = layout;
  const layoutKey = `${chromeKey(layout.chrome[1])}\0${stamp}`;
  const seen = new Set<string>();
  for (const page of tree.pages) {
    const path = `${page.slug}/index.html`;
    pagePaths.set(page.meta.id, path);
    seen.add(page.meta.id);
    const known = cache?.pages.get(page.meta.id);
    if (
      sameSite &&
      known &&
      known.meta === page.meta &&
      known.body === page.body &&
      known.layout === layoutKey
    ) {
      for (const m of known.media) ctx.usedMedia.add(m);
      files.set(path, known.html);
      continue;
    }
    const aside = sectionNav(tree, page);
    const key = [
      path,
      metaJson(page.meta),
      ...tree.ancestors(page).map((a) => `${a.slug}\0${a.title}`),
      aside,
      page.meta.type === 'risques' ? String(isAlertActive(page.fields, ctx.publishedAt)) : '',
    ].join('\0');
    const hit = cache?.pages.get(page.meta.id);
    if (hit && hit.key === key && hit.layout === layoutKey && hit.body === page.body) {
      for (const m of hit.media) ctx.usedMedia.add(m);
      files.set(path, hit.html);
      hit.meta = page.meta;
      continue;
    }
    const html = innerPage(layout, page, aside, cache, stamp);
    files.set(path, html);
    cache?.pages.set(page.meta.id, {
      key,
      layout: layoutKey,
      meta: page.meta,
      body: page.body,
      html,
      media: pageMedia(html),
    });
  }
  if (cache) for (const id of cache.pages.keys()) if (!seen.has(id)) cache.pages.delete(id);
}

function innerPage(
  layout: Layout,
  page: SitePage,
  aside: string,
  cache: RenderCache | undefined,
  stamp: string,
): string {
  const main = [
    '<div class="wrap">',
    breadcrumb(layout, page, page.title),
    `<div class="page-grid${aside ? ' has-aside' : ''}">`,
    `<div class="content"><h1>${escapeHtml(page.title)}</h1>`,
    pageBlock(layout.ctx, page, 1),
    bodyHtml(layout.ctx, page, cache, stamp),
    '</div>',
    aside,
    '</div></div>',
  ].join('');
  return pageDocument(layout, page, page.title, main, { depth: 1, bare: true });
}

const metaJson = (meta: PageMeta) => memoOnMeta(metaJsonMemo, meta, () => JSON.stringify(meta));

/** A number per object, so an object's identity can be part of a string key. */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
function identityOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'undefined';
  let id = identities.get(value);
  if (id === undefined) identities.set(value, (id = nextIdentity++));
  return `#${id}`;
}

/**
 * What the files drawn from the whole site read: the chrome, the settings, the media library,
 * every page's metadata in order, the home page's body, and the time only as far as they use
 * it (the day, which events are still to come, which alerts are on; the exact time when a
 * page has no update time, as the iCalendar stamp then reads it).
 */
function siteWideKey(layout: Layout, snapshot: SiteSnapshot, stamp: string): string[] {
  const { ctx, tree } = layout;
  const now = ctx.publishedAt;
  const key = [
    chromeKey(layout.chrome[0]),
    chromeKey(layout.chrome[1]),
    stamp,
    JSON.stringify(ctx.settings),
    JSON.stringify(ctx.host),
    JSON.stringify(snapshot.menus ?? null),
    `${ctx.siteUrl}\0${ctx.searchAvailable}\0${ctx.communeName}`,
    `${new Date(now).toISOString().slice(0, 10)}\0${isoDateParis(now)}`,
    upcomingEvents(ctx, now)
      .map((p) => p.meta.id)
      .join(','),
    tree.pages
      .filter((p) => p.meta.type === 'risques')
      .map((p) => String(isAlertActive(p.fields, now)))
      .join(','),
    ctx.pages.some((p) => !(p.meta.updatedAt > 0)) ? String(now) : '',
    identityOf(tree.home?.body),
  ];
  for (const page of ctx.pages) key.push(metaJson(page.meta), page.slug);
  return key;
}

interface SiteWideFiles {
  files: Map<string, string>;
  media: string[];
  skipped: NonNullable<RenderedSite['skippedDeliberations']>;
}

/** The site-wide files, from the cache when every input they read is the same as last time. */
function siteWideFilesCached(
  layout: Layout,
  snapshot: SiteSnapshot,
  stamp: string,
  cache: RenderCache | undefined,
): { value: SiteWideFiles; same: boolean } {
  const key = cache ? siteWideKey(layout, snapshot, stamp) : [];
  const hit = cache?.site;
  if (hit && hit.key.length === key.length && hit.key.every((part, i) => part === key[i])) {
    for (const m of hit.value.media) layout.ctx.usedMedia.add(m);
    return { value: hit.value, same: true };
  }
  const used = new Set<string>();
  const own: Layout = { ...layout, ctx: { ...layout.ctx, usedMedia: used } };
  const value = { ...siteWideFiles(own), media: [...used] };
  for (const m of used) layout.ctx.usedMedia.add(m);
  if (cache) cache.site = { key, value };
  return { value, same: false };
}

/**
 * The files drawn from the whole site: home, generated pages, list pages, 404, search
 * template, the page of an address taken offline, sitemap, robots.txt, feeds and open data.
 */
function siteWideFiles(layout: Layout): Omit<SiteWideFiles, 'media'> {
  const { ctx } = layout;
  const files = new Map<string, string>();
  files.set('index.html', homeDocument(layout));
  const generated = generatedDocuments(layout, files);
  const delib = deliberationRows(ctx);
  // Each list page, and each of its further pages, marks its menu entry current ([MENU-5]).
  for (const list of listPages(ctx))
    files.set(
      list.path,
      pageDocument(layout, null, list.title, list.main, { depth: 1, listSlug: list.path.split('/')[0] }),
    );
  // The themed 404: at the root, linked as from the root (the server adds a <base>).
  files.set(
    '404.html',
    pageDocument(layout, null, 'Page introuvable', notFoundMain(ctx, searchAction(ctx, 0)), {
      depth: 0,
      bare: true,
    }),
  );
  // The results page's template, filled by the server ([SEARCH-1]).
  if (ctx.searchAvailable)
    files.set(
      SEARCH_TEMPLATE_FILE,
      pageDocument(layout, null, SEARCH_TEMPLATE_TITLE, SEARCH_SLOT, { depth: 1 }),
    );
  // [ADDR-4] The themed page of an address taken offline, like the 404.
  files.set(
    GONE_FILE,
    pageDocument(layout, null, GONE_TITLE, goneMain(ctx, searchAction(ctx, 0)), { depth: 0, bare: true }),
  );
  machineFiles(ctx, generated, files, delib.rows);
  return {
    files,
    skipped: delib.skipped.map(({ page, reason }) => ({
      pageId: page.meta.id,
      title: page.meta.title,
      reason,
    })),
  };
}

function homeDocument(layout: Layout): string {
  const { ctx } = layout;
  const home = layout.tree.home;
  const homeBlocks = home ? pageBlock(ctx, home, 0) : '';
  const homeBody = home
    ? renderHtml(home.body, { media: ctx.media, root: './', usedMedia: ctx.usedMedia })
    : '';
  return pageDocument(layout, null, 'Accueil', homeMain(ctx, home, homeBlocks, homeBody), {
    depth: 0,
    bare: true,
    extraHead:
      '<link rel="alternate" type="application/atom+xml" href="./actualites.xml" title="Actualités">',
  });
}

/** The generated pages, always present; returns their slugs and titles. */
function generatedDocuments(
  layout: Layout,
  files: Map<string, string>,
): Array<{ slug: string; title: string }> {
  const { ctx, tree } = layout;
  const generated: Array<[{ slug: string; title: string }, string]> = [
    [GENERATED_PAGES.mentions, mentionsLegales(ctx)],
    [GENERATED_PAGES.accessibility, declarationAccessibilite(ctx)],
    [GENERATED_PAGES.privacy, donneesPersonnelles(ctx)],
    [GENERATED_PAGES.sitemap, planDuSite(pageList(tree, null, 1, new Set()))],
  ];
  for (const [page, content] of generated) {
    const main = [
      breadcrumb(layout, null, page.title),
      `<div class="content"><h1>${escapeHtml(page.title)}</h1>`,
      content,
      '</div>',
    ].join('');
    files.set(
      `${page.slug}/index.html`,
      pageDocument(layout, null, page.title, main, { depth: 1, listSlug: page.slug }),
    );
  }
  return generated.map(([page]) => page);
}

/** List pages of the theme: actualités, agenda, registre des actes, données ouvertes. */
function listPages(ctx: SiteContext): ListPage[] {
  const lastChange = (type: string) =>
    ctx.pages.filter((p) => p.meta.type === type).reduce((max, p) => Math.max(max, p.meta.updatedAt), 0);
  return [
    ...newsPages(ctx),
    agendaPage(ctx),
    ...registrePages(ctx),
    openDataPage(ctx, [
      {
        file: 'deliberations.csv',
        title: 'Délibérations du conseil municipal',
        format: 'CSV',
        schema: { label: `SCDL Délibérations ${SCDL_DELIBERATIONS.version}`, url: SCDL_DELIBERATIONS.url },
        updatedAt: deliberationsUpdatedAt(ctx),
      },
      {
        file: 'actes.csv',
        title: 'Actes administratifs publiés',
        format: 'CSV',
        schema: { label: 'propre au site (numéro, nature, date, objet, empreinte SHA-256)' },
        updatedAt: lastChange('acte'),
      },
      {
        file: 'actes.json',
        title: 'Actes administratifs publiés',
        format: 'JSON',
        schema: { label: 'propre au site (mêmes champs que le CSV)' },
        updatedAt: lastChange('acte'),
      },
      {
        file: 'actualites.xml',
        title: 'Actualités',
        format: 'Atom',
        schema: { label: 'Atom 1.0 (RFC 4287)' },
        updatedAt: lastChange('actualite'),
      },
      {
        file: 'evenements.ics',
        title: 'Agenda des événements',
        format: 'iCalendar',
        schema: { label: 'iCalendar (RFC 5545)' },
        updatedAt: lastChange('evenement'),
      },
    ]),
  ];
}

/** sitemap.xml, robots.txt, the feeds and the open data. */
function machineFiles(
  ctx: SiteContext,
  generated: ReadonlyArray<{ slug: string }>,
  files: Map<string, string>,
  deliberations: ReturnType<typeof deliberationRows>['rows'],
): void {
  files.set(
    'sitemap.xml',
    sitemapXml(ctx, [...generated.map((p) => p.slug), ...Object.values(LIST_PAGES).map((p) => p.slug)]),
  );
  files.set('robots.txt', robotsTxt(ctx));
  files.set('actualites.xml', atomFeed(ctx));
  files.set('evenements.ics', icalendarFeed(ctx));
  const actes = acteRecords(ctx);
  files.set('actes.csv', actesCsv(actes));
  files.set('actes.json', actesJson(ctx, actes));
  files.set('deliberations.csv', deliberationsCsv(deliberations));
}
