/**
 * Automated RGAA checks run before publishing, on the model and on the rendered output.
 * Errors block publication (French message naming the page); warnings are shown only.
 */
import {
  acteUnpublishRefusal,
  type FieldIssue,
  type PageFields,
  PAGE_FIELDS,
  validatePageFields,
} from './pageTypes';
import type { RenderedSite, SiteSnapshot } from './renderSite';
import { MEDIA_SCHEME } from './renderHtml';
import { ACCENT_PALETTE, normalizeSettings, validateSettings } from './settings';
import { GENERATED_PAGES, LIST_PAGES } from './generatedPages';
import { PAGE_TYPE_LABELS_FR, type PageMeta } from './siteDoc';

function channel(hex: string): number {
  const c = parseInt(hex, 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of `#rrggbb` (WCAG 2.x). */
export function luminance(hex: string): number {
  return (
    0.2126 * channel(hex.slice(1, 3)) + 0.7152 * channel(hex.slice(3, 5)) + 0.0722 * channel(hex.slice(5, 7))
  );
}

/** WCAG contrast ratio between two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export type CheckSeverity = 'error' | 'warning';

/** Rule of a check, stable (cited in SPEC.md [CHK-*] and shown to support staff). */
export type CheckRule =
  | 'alt-text'
  | 'heading-order'
  | 'link-text'
  | 'empty-element'
  | 'contrast'
  | 'unique-title'
  | 'language'
  | 'acte-online'
  | 'fields'
  | 'settings'
  | 'media'
  | 'table-headers'
  | 'open-data';

export interface CheckIssue {
  severity: CheckSeverity;
  rule: CheckRule;
  /** The page concerned (null: the whole site, e.g. settings). */
  pageId: string | null;
  /** Its title as the agent knows it. */
  page: string;
  /** French, names the page and says what to do. */
  message: string;
  /** The structured field to fix, when the finding is about one (a link goes to it). */
  field?: string;
}

export interface CheckReport {
  errors: CheckIssue[];
  warnings: CheckIssue[];
}

export interface CheckOptions {
  /** Actes online after the previous publication: removing one too early is refused. */
  previouslyOnline?: ReadonlyArray<Pick<PageMeta, 'id' | 'type' | 'title' | 'fields'>>;
  now?: number;
  /**
   * Findings of the output checks per file path, reused while the file's content is the same
   * (incremental republish); updated in place.
   */
  outputCache?: Map<string, { html: string; issues: CheckIssue[] }>;
}

const GENERIC_LINK_TEXT = new Set([
  'ici',
  'cliquez ici',
  'cliquer ici',
  'lien',
  'en savoir plus',
  'lire la suite',
  'plus',
  'voir',
  'suite',
  'ce lien',
  'click here',
  'here',
]);

function stripTags(html: string): string {
  return html
    .replace(/<img\b[^>]*\balt="([^"]*)"[^>]*>/g, ' $1 ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/&[a-z0-9#]+;/gi, 'x')
    .trim();
}

/** Visits the nodes of an editor-state JSON (own properties only, bounded). */
function visitNodes(state: unknown, fn: (node: Record<string, unknown>) => void, budget = 50_000): void {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: state, depth: 0 }];
  while (stack.length > 0 && budget-- > 0) {
    const { node, depth } = stack.pop()!;
    if (!node || typeof node !== 'object' || depth > 48) continue;
    const obj = node as Record<string, unknown>;
    fn(obj);
    const root = Object.prototype.hasOwnProperty.call(obj, 'root') ? obj.root : undefined;
    if (root) stack.push({ node: root, depth: depth + 1 });
    const kids = Object.prototype.hasOwnProperty.call(obj, 'children') ? obj.children : undefined;
    if (Array.isArray(kids))
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], depth: depth + 1 });
  }
}

/** The words of a link node (its text descendants). */
function linkText(node: Record<string, unknown>): string {
  let out = '';
  visitNodes(
    node,
    (n) => {
      if (n.type === 'text' && typeof n.text === 'string') out += n.text;
    },
    1_000,
  );
  return out;
}

/** What the body checks need from a page body: its images, tables and links to media files. */
interface BodyFacts {
  images: Array<{ alt: string; sha: string; decorative: boolean }>;
  tablesWithHeaders: boolean[];
  mediaLinks: Array<{ sha: string; label: string }>;
}

/**
 * Body facts, memoised on the body object: the publisher passes the same immutable body
 * objects for the pages online each time (PageReleases), so a republish walks only the
 * bodies that changed. A new object is walked again.
 */
const bodyFactsMemo = new WeakMap<object, BodyFacts>();
function bodyFactsOf(body: unknown): BodyFacts {
  const known = typeof body === 'object' && body !== null ? bodyFactsMemo.get(body) : undefined;
  if (known) return known;
  const facts: BodyFacts = { images: [], tablesWithHeaders: [], mediaLinks: [] };
  visitNodes(body, (node) => {
    if (node.type === 'image') {
      const sha =
        typeof node.sha256 === 'string' ? node.sha256 : typeof node.src === 'string' ? node.src : '';
      const alt = typeof node.altText === 'string' ? node.altText.trim() : '';
      facts.images.push({ alt, sha, decorative: node.decorative === true });
    } else if (node.type === 'table') {
      let headers = false;
      visitNodes(node, (cell) => {
        if (cell.type === 'tablecell' && typeof cell.headerState === 'number' && cell.headerState > 0)
          headers = true;
      });
      facts.tablesWithHeaders.push(headers);
    } else if (node.type === 'link' && typeof node.url === 'string' && node.url.startsWith(MEDIA_SCHEME)) {
      const label = linkText(node).trim().slice(0, 80) || 'sans texte';
      facts.mediaLinks.push({ sha: node.url.slice(MEDIA_SCHEME.length), label });
    }
  });
  if (typeof body === 'object' && body !== null) bodyFactsMemo.set(body, facts);
  return facts;
}

/**
 * Field problems of a page, memoised on its fields object: the publisher passes the same
 * immutable objects for the pages online each time (PageReleases), a thousand validations
 * cost ~5 ms. A new or different object is validated again.
 */
const fieldIssuesMemo = new WeakMap<object, Map<string, FieldIssue[]>>();
function fieldIssuesOf(meta: Pick<PageMeta, 'type' | 'fields'>): FieldIssue[] {
  const fields: unknown = meta.fields;
  if (typeof fields !== 'object' || fields === null) return validatePageFields(meta.type, fields);
  let byType = fieldIssuesMemo.get(fields);
  if (!byType) fieldIssuesMemo.set(fields, (byType = new Map()));
  let issues = byType.get(meta.type);
  if (!issues) byType.set(meta.type, (issues = validatePageFields(meta.type, fields)));
  return issues;
}

const pageName = (title: string) => `Page « ${title.trim() || 'sans titre'} »`;

/** `add(severity, rule, pageId, page, message, field?)`: one finding pushed onto `issues`. */
function issueAdder(issues: CheckIssue[]) {
  return (
    severity: CheckSeverity,
    rule: CheckRule,
    pageId: string | null,
    page: string,
    message: string,
    field?: string,
  ) => issues.push({ severity, rule, pageId, page, message, ...(field ? { field } : {}) });
}

/**
 * [CHK-1][CHK-11][CHK-12] The findings on one page's model (title, images, tables, links to
 * media, structured fields), memoised on its metadata object for the same body and media
 * library objects: the publisher passes the same objects for the pages online each time.
 */
const modelIssuesMemo = new WeakMap<object, { body: unknown; media: object; issues: CheckIssue[] }>();
// Long on purpose: one rule after another, each a few lines of French message; split, they would scatter.
function pageModelIssues(
  meta: PageMeta,
  body: unknown,
  media: Readonly<Record<string, unknown>>,
): CheckIssue[] {
  const known = modelIssuesMemo.get(meta);
  if (known && known.body === body && known.media === media) return known.issues;
  const issues: CheckIssue[] = [];
  const add = issueAdder(issues);
  const name = pageName(meta.title);
  if (meta.title.trim() === '')
    add(
      'warning',
      'fields',
      meta.id,
      meta.title,
      `${name} : donnez un titre à la page (il devient son titre principal).`,
    );
  const facts = bodyFactsOf(body);
  // [CHK-1] images: alt text or explicitly decorative; known media.
  facts.images.forEach(({ alt, sha, decorative }, i) => {
    const n = i + 1;
    if (!decorative && alt === '')
      add(
        'error',
        'alt-text',
        meta.id,
        meta.title,
        `${name} : l’image n° ${n} n’a pas de texte alternatif. Décrivez ce qu’elle montre, ou indiquez qu’elle est décorative.`,
      );
    else if (alt.length > 250)
      add(
        'warning',
        'alt-text',
        meta.id,
        meta.title,
        `${name} : le texte alternatif de l’image n° ${n} est très long ; gardez l’essentiel (moins de 250 caractères) et mettez le reste dans la légende ou le texte.`,
      );
    if (!Object.prototype.hasOwnProperty.call(media, sha))
      add(
        'warning',
        'media',
        meta.id,
        meta.title,
        `${name} : l’image n° ${n} n’est pas encore envoyée au serveur ; elle ne sera pas publiée.`,
      );
  });
  // [CHK-12] tables of the body need header cells (RGAA 5.6, 5.7).
  facts.tablesWithHeaders.forEach((headers, i) => {
    if (!headers)
      add(
        'warning',
        'table-headers',
        meta.id,
        meta.title,
        `${name} : le tableau n° ${i + 1} n’a pas de ligne ni de colonne de titres ; indiquez ce que contient chaque colonne dans sa première ligne.`,
      );
  });
  // [CHK-11] links to files of the media library that the server does not have yet.
  for (const { sha, label } of facts.mediaLinks) {
    if (Object.prototype.hasOwnProperty.call(media, sha)) continue;
    add(
      'warning',
      'media',
      meta.id,
      meta.title,
      `${name} : le fichier du lien « ${label} » n’est pas encore arrivé sur le serveur ; le lien sera publié comme simple texte. Attendez la fin de l’envoi puis publiez à nouveau.`,
    );
  }
  // Structured fields.
  const fieldIssues = fieldIssuesOf(meta);
  for (const issue of fieldIssues) {
    const descriptor = (PAGE_FIELDS[meta.type] ?? []).find((d) => d.name === issue.field);
    add(
      descriptor?.required ? 'error' : 'warning',
      'fields',
      meta.id,
      meta.title,
      `${name} (${PAGE_TYPE_LABELS_FR[meta.type] ?? 'Page'}) : ${issue.message}`,
      issue.field,
    );
  }
  const fields = meta.fields as PageFields;
  if (
    meta.type === 'actualite' &&
    typeof fields.image === 'string' &&
    fields.image &&
    !String(fields.imageAlt ?? '').trim()
  )
    add(
      'warning',
      'alt-text',
      meta.id,
      meta.title,
      `${name} : l’image de l’actualité sera publiée comme décorative (pas de texte alternatif). Si elle apporte une information, décrivez-la.`,
    );
  for (const key of ['pdf', 'dicrim', 'image'] as const) {
    const sha = typeof fields[key] === 'string' ? fields[key] : '';
    if (sha && !Object.prototype.hasOwnProperty.call(media, sha))
      add(
        meta.type === 'acte' && key === 'pdf' ? 'error' : 'warning',
        'media',
        meta.id,
        meta.title,
        `${name} : le fichier joint (${key === 'pdf' ? 'acte signé' : key === 'dicrim' ? 'DICRIM' : 'image'}) n’est pas encore arrivé sur le serveur. Attendez la fin de l’envoi puis publiez à nouveau.`,
      );
  }
  modelIssuesMemo.set(meta, { body, media, issues });
  return issues;
}

/**
 * Automated RGAA checks on the snapshot (model) and its rendered files (output), before a
 * publication. Pure. Errors block publication; warnings are reported only.
 */
// Long on purpose: one rule after another, each a few lines of French message; split, they would scatter.
export function checkSite(
  snapshot: SiteSnapshot,
  rendered: RenderedSite,
  options: CheckOptions = {},
): CheckReport {
  const issues: CheckIssue[] = [];
  const add = issueAdder(issues);
  const now = options.now ?? snapshot.publishedAt;
  const media = snapshot.media ?? {};
  const published = snapshot.pages.filter((p) => p.meta.status === 'published');

  // ---- Model ----
  for (const { meta, body } of published) issues.push(...pageModelIssues(meta, body, media));

  // [CHK-8] An acte stays online two months (R2131-1 CGCT).
  const online = new Set(published.map((p) => p.meta.id));
  for (const previous of options.previouslyOnline ?? []) {
    if (online.has(previous.id)) continue;
    const refusal = acteUnpublishRefusal(previous, now);
    if (refusal)
      add(
        'error',
        'acte-online',
        previous.id,
        previous.title,
        `${refusal} Remettez-le au statut « publié ».`,
      );
  }

  // Settings: the legal pages read them; missing values make them incomplete.
  const settings = normalizeSettings(snapshot.settings, snapshot.commune.name);
  for (const issue of validateSettings(settings))
    add('warning', 'settings', null, 'Réglages du site', `Réglages du site : ${issue.message}`);
  // [CHK-5] Contrast of the chosen colour.
  const accent =
    typeof snapshot.settings.accentColor === 'string' ? snapshot.settings.accentColor.toLowerCase() : '';
  if (!ACCENT_PALETTE.some((c) => c.value === accent)) {
    const ok = /^#[0-9a-f]{6}$/.test(accent) && contrastRatio(accent, '#ffffff') >= 4.5;
    add(
      'warning',
      'contrast',
      null,
      'Réglages du site',
      ok
        ? 'Réglages du site : la couleur d’accent ne fait pas partie de la palette ; elle est publiée car son contraste suffit, mais le thème sombre utilisera une teinte par défaut.'
        : `Réglages du site : la couleur d’accent « ${accent || 'vide'} » n’a pas un contraste suffisant (4,5:1) ; la couleur par défaut (bleu) est publiée à sa place. Choisissez une couleur de la palette.`,
    );
  }

  // [CHK-13] Délibérations left out of the open-data file, and why.
  for (const skipped of rendered.skippedDeliberations ?? [])
    add(
      'warning',
      'open-data',
      skipped.pageId,
      skipped.title,
      `${pageName(skipped.title)} : ${skipped.reason}`,
    );

  // ---- Output ----
  const titleOf = new Map<string, { id: string | null; title: string }>();
  for (const { meta } of published) {
    const path = rendered.pagePaths.get(meta.id);
    if (path) titleOf.set(path, { id: meta.id, title: meta.title });
  }
  for (const g of Object.values(GENERATED_PAGES))
    titleOf.set(`${g.slug}/index.html`, { id: null, title: g.title });
  // The theme's list pages (actualités, agenda…): a commune page of the same title is only a
  // warning, so a site that already had its own « Agenda » page still publishes.
  const themed = new Set<string>();
  for (const l of Object.values(LIST_PAGES)) {
    titleOf.set(`${l.slug}/index.html`, { id: null, title: l.title });
    themed.add(l.title);
  }
  if (!titleOf.has('index.html')) titleOf.set('index.html', { id: null, title: 'Accueil' });
  const titles = new Map<string, string[]>();
  for (const [path, html] of rendered.files) {
    if (!path.endsWith('.html')) continue;
    const who = titleOf.get(path) ?? { id: null, title: path };
    const docTitle = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
    titles.set(docTitle, [...(titles.get(docTitle) ?? []), who.title]);
    const cached = options.outputCache?.get(path);
    if (cached && cached.html === html && cached.issues.every((i) => i.page === who.title)) {
      issues.push(...cached.issues);
      continue;
    }
    const fileIssues = checkFile(html, who);
    options.outputCache?.set(path, { html, issues: fileIssues });
    issues.push(...fileIssues);
  }
  if (options.outputCache)
    for (const path of options.outputCache.keys())
      if (!rendered.files.has(path)) options.outputCache.delete(path);
  // [CHK-6] unique titles.
  for (const [docTitle, pages] of titles) {
    if (pages.length < 2) continue;
    add(
      pages.some((p) => themed.has(p)) ? 'warning' : 'error',
      'unique-title',
      null,
      pages[0]!,
      `Les pages ${pages.map((p) => `« ${p} »`).join(', ')} ont le même titre (« ${docTitle.replace(/&amp;/g, '&')} ») : donnez à chacune un titre distinct.`,
    );
  }
  return {
    errors: issues.filter((i) => i.severity === 'error'),
    warnings: issues.filter((i) => i.severity === 'warning'),
  };
}

// Long on purpose: one rule after another, each a few lines of French message; split, they would scatter.
function checkFile(html: string, who: { id: string | null; title: string }): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const add = issueAdder(issues);
  {
    const name = pageName(who.title);
    // [CHK-7] language.
    if (!/^<!doctype html>\s*<html lang="fr"/i.test(html))
      add(
        'error',
        'language',
        who.id,
        who.title,
        `${name} : la langue de la page (français) n’est pas déclarée.`,
      );
    const main = /<main\b[^>]*>([^]*)<\/main>/.exec(html)?.[1] ?? '';
    // [CHK-2] heading order: one h1 first, never skipping a level going down.
    let last = 0;
    let h1 = 0;
    for (const m of main.matchAll(/<h([1-6])\b[^>]*>([^]*?)<\/h\1>/g)) {
      const level = Number(m[1]);
      if (level === 1) h1++;
      if (stripTags(m[2]!) === '')
        add(
          'error',
          'empty-element',
          who.id,
          who.title,
          `${name} : un titre de niveau ${level} est vide. Supprimez-le ou donnez-lui un texte.`,
        );
      if (last === 0 && level !== 1)
        add(
          'error',
          'heading-order',
          who.id,
          who.title,
          `${name} : la page doit commencer par son titre principal (h1).`,
        );
      else if (level > last + 1 && last !== 0)
        add(
          'error',
          'heading-order',
          who.id,
          who.title,
          `${name} : un titre de niveau ${level} suit un titre de niveau ${last} ; ne sautez pas de niveau.`,
        );
      last = level;
    }
    if (h1 !== 1)
      add(
        'error',
        'heading-order',
        who.id,
        who.title,
        `${name} : la page doit avoir exactement un titre principal (h1), elle en a ${h1}.`,
      );
    // [CHK-3] link text.
    for (const m of html.matchAll(/<a\b([^>]*)>([^]*?)<\/a>/g)) {
      const text = stripTags(m[2]!);
      const normalized = text
        .toLowerCase()
        .replace(/[\s.…:!]+$/g, '')
        .replace(/\s+/g, ' ');
      if (text === '')
        add(
          'error',
          'link-text',
          who.id,
          who.title,
          `${name} : un lien n’a pas d’intitulé. Écrivez un texte qui dit où mène le lien.`,
        );
      else if (GENERIC_LINK_TEXT.has(normalized))
        add(
          'warning',
          'link-text',
          who.id,
          who.title,
          `${name} : l’intitulé de lien « ${text} » n’est pas explicite hors contexte ; dites où il mène (par exemple « Consulter les horaires de la mairie »).`,
        );
      else if (/^(https?:\/\/|www\.)\S+$/i.test(text) && text.length > 40)
        add(
          'warning',
          'link-text',
          who.id,
          who.title,
          `${name} : le lien « ${text.slice(0, 60)}… » affiche une adresse brute ; remplacez-la par un texte qui dit où il mène.`,
        );
    }
    // [CHK-4] empty elements.
    const empties = main.match(/<(p|li|th|td|blockquote|figcaption)\b[^>]*>\s*<\/\1>/g) ?? [];
    if (empties.length > 0)
      add(
        'warning',
        'empty-element',
        who.id,
        who.title,
        `${name} : ${empties.length} élément(s) vide(s) (paragraphe, cellule ou élément de liste) ; supprimez-les ou complétez-les.`,
      );
  }
  return issues;
}
