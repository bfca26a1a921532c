/**
 * Our own renderer from Lexical editor-state JSON to the HTML of a published page body,
 * with an allow-list of elements and attributes (SPEC.md [HTML-*]). The JSON comes from a
 * shared document anyone with edit rights can write, so it is treated as hostile: unknown
 * node types, wrong field types, deep nesting and huge strings never throw.
 */
import { bodyHref, safeHref } from './fieldLinks';

export { safeHref };

/** What the renderer knows of a media entry (manifest `media`, sha256 → entry). */
export interface MediaInfo {
  mime: string;
  width: number;
  height: number;
  /** Widths of the re-encoded WebP copies available as `media/<sha256>-<w>.webp`. */
  widths: readonly number[];
  bytes?: number;
  name?: string;
}

/** Relative path, from the site root, of a media file: a variant width or the original. */
export function mediaPath(sha256: string, info: Pick<MediaInfo, 'mime'>, width?: number): string {
  if (width !== undefined) return `media/${sha256}-${width}.webp`;
  const ext = MIME_EXT[info.mime] ?? 'bin';
  return `media/${sha256}.${ext}`;
}

export const MIME_EXT: Readonly<Record<string, string>> = {
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'image/avif': 'avif',
  'application/pdf': 'pdf',
};

const IMAGE_MIMES = new Set(['image/webp', 'image/jpeg', 'image/png', 'image/avif', 'image/svg+xml']);
const SHA256_RE = /^[0-9a-f]{64}$/;

export interface RenderHtmlOptions {
  /** Media entries by sha256; images whose entry is unknown are not rendered. */
  media?: (sha256: string) => MediaInfo | undefined;
  /** Relative path from the page to the site root (`./` or `../`), for media URLs. */
  root?: string;
  /** Collects the site-relative paths of the media files the HTML refers to. */
  usedMedia?: Set<string>;
  /** Deeper nodes are dropped (guards the call stack). */
  maxDepth?: number;
  /** Nodes visited before the rest is dropped (guards time and output size). */
  maxNodes?: number;
  /** Characters kept from one text node. */
  maxTextLength?: number;
}

const DEFAULTS: Required<RenderHtmlOptions> = {
  media: () => undefined,
  root: './',
  usedMedia: new Set(),
  maxDepth: 48,
  maxNodes: 50_000,
  maxTextLength: 100_000,
};

/** Lexical TextNode format bits (lexical/src/LexicalConstants.ts). */
const IS_BOLD = 1;
const IS_ITALIC = 1 << 1;
const IS_STRIKETHROUGH = 1 << 2;
const IS_UNDERLINE = 1 << 3;
const IS_CODE = 1 << 4;
const IS_SUBSCRIPT = 1 << 5;
const IS_SUPERSCRIPT = 1 << 6;

/** Innermost first: `<strong><em>…<code>text</code>…</em></strong>`. */
const FORMAT_TAGS: ReadonlyArray<readonly [number, string]> = [
  [IS_CODE, 'code'],
  [IS_SUBSCRIPT, 'sub'],
  [IS_SUPERSCRIPT, 'sup'],
  [IS_STRIKETHROUGH, 's'],
  [IS_UNDERLINE, 'u'],
  [IS_ITALIC, 'em'],
  [IS_BOLD, 'strong'],
];

/** Scheme of the editor's links to a file of the media library: `media:<sha256>`. */
export const MEDIA_SCHEME = 'media:';

// Code points that are parse errors or forbidden in HTML documents: C0/C1 controls other
// than tab, LF, CR; DEL; noncharacters; lone surrogates.
const FORBIDDEN_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values; drops forbidden code points. */
export function escapeHtml(text: string): string {
  return text.replace(FORBIDDEN_CHARS, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: a `__proto__` or `constructor` key never reaches a prototype. */
function own(node: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
}

function children(node: Json): unknown[] {
  const value = own(node, 'children');
  return Array.isArray(value) ? value : [];
}

function nodeType(node: unknown): string {
  if (!isObject(node)) return '';
  const type = own(node, 'type');
  return typeof type === 'string' ? type : '';
}

const BLOCK_TYPES = new Set(['paragraph', 'heading', 'quote', 'list', 'table', 'callout', 'image']);

/** `sizes` of body images: the text column is at most 46rem wide (assets/site.css). */
const IMAGE_SIZES = '(min-width: 48em) 46rem, 100vw';

function int(value: unknown, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** Lexical TableCellHeaderStates: ROW = 1 (cell of a header row), COLUMN = 2. */
const HEADER_ROW = 1;
const HEADER_COLUMN = 2;

class Renderer {
  private visited = 0;
  /** Level of the last heading written; the page title is the h1. */
  private lastHeading = 1;
  private inLink = false;

  constructor(private readonly options: Required<RenderHtmlOptions>) {}

  /** False once the node budget is spent or the depth limit is reached. */
  private enter(depth: number): boolean {
    if (depth > this.options.maxDepth || this.visited >= this.options.maxNodes) return false;
    this.visited++;
    return true;
  }

  private text(node: Json): string {
    const raw = own(node, 'text');
    if (typeof raw !== 'string' || raw === '') return '';
    let html = escapeHtml(
      raw.length > this.options.maxTextLength ? raw.slice(0, this.options.maxTextLength) : raw,
    );
    const format = own(node, 'format');
    const bits = typeof format === 'number' && Number.isInteger(format) ? format : 0;
    for (const [bit, tag] of FORMAT_TAGS) {
      if (bits & bit) html = `<${tag}>${html}</${tag}>`;
    }
    return html;
  }

  /** Plain text of a subtree, escaped: what an unknown or misplaced node becomes. */
  textContent(node: unknown, depth: number): string {
    if (!isObject(node) || !this.enter(depth)) return '';
    const type = nodeType(node);
    if (type === 'linebreak') return ' ';
    const raw = own(node, 'text');
    let out =
      typeof raw === 'string'
        ? escapeHtml(raw.length > this.options.maxTextLength ? raw.slice(0, this.options.maxTextLength) : raw)
        : '';
    const kids = children(node);
    for (let i = 0; i < kids.length; i++) {
      const part = this.textContent(kids[i], depth + 1);
      // Blocks flattened into one line keep a space between them.
      out += i > 0 && part && BLOCK_TYPES.has(nodeType(kids[i])) ? ` ${part}` : part;
    }
    return out;
  }

  /** Phrasing content: text, line breaks, links; anything else becomes its text. */
  inline(node: unknown, depth: number): string {
    if (!isObject(node) || !this.enter(depth)) return '';
    switch (nodeType(node)) {
      case 'text':
        return this.text(node);
      case 'tab':
        return ' ';
      case 'linebreak':
        return '<br>';
      case 'link':
      case 'autolink': {
        // Links inside links are not allowed in HTML: a nested one keeps its text only.
        if (this.inLink) return this.inlineChildren(node, depth);
        const url = own(node, 'url');
        const file = typeof url === 'string' && url.startsWith(MEDIA_SCHEME) ? this.fileLink(url) : null;
        const href = file ? file.href : bodyHref(url);
        this.inLink = href !== null;
        const content = this.inlineChildren(node, depth);
        this.inLink = false;
        if (href === null || content === '') return content;
        if (file) this.options.usedMedia.add(file.path);
        return `<a href="${escapeHtml(href)}">${content}${file ? escapeHtml(file.suffix) : ''}</a>`;
      }
      default:
        return this.textContent(node, depth);
    }
  }

  inlineChildren(node: Json, depth: number): string {
    let out = '';
    for (const child of children(node)) out += this.inline(child, depth + 1);
    return out;
  }

  /** Flow content at the root and inside list items. */
  block(node: unknown, depth: number): string {
    if (!isObject(node) || !this.enter(depth)) return '';
    switch (nodeType(node)) {
      case 'paragraph': {
        const content = this.inlineChildren(node, depth);
        return content.trim() === '' || content === '<br>' ? '' : `<p>${content}</p>`;
      }
      case 'heading': {
        const content = this.inlineChildren(node, depth);
        if (content.trim() === '') return '';
        // Never skip a level going down (h2 then h4 → h2 then h3): RGAA 9.1.
        const level = Math.min(headingLevel(own(node, 'tag')), this.lastHeading + 1);
        this.lastHeading = level;
        const tag = `h${level}`;
        return `<${tag}>${content}</${tag}>`;
      }
      case 'quote': {
        const content = this.inlineChildren(node, depth);
        return content.trim() === '' ? '' : `<blockquote><p>${content}</p></blockquote>`;
      }
      case 'list':
        return this.list(node, depth);
      case 'image':
        return this.image(node);
      case 'table':
        return this.table(node, depth);
      case 'callout': {
        const kids = children(node);
        const content = kids.some((k) => BLOCK_TYPES.has(nodeType(k)))
          ? kids.map((k) => this.block(k, depth + 1)).join('')
          : this.wrapParagraph(this.inlineChildren(node, depth));
        if (content === '') return '';
        const important = own(node, 'variant') === 'important';
        return `<div class="callout${important ? ' callout-important' : ''}" role="note">${content}</div>`;
      }
      case 'listitem':
        // A list item outside a list: keep its content as a paragraph.
        return this.wrapParagraph(this.inlineChildren(node, depth));
      case 'root': {
        let out = '';
        for (const child of children(node)) out += this.block(child, depth + 1);
        return out;
      }
      case 'text':
      case 'tab':
      case 'linebreak':
      case 'link':
      case 'autolink':
        this.visited--;
        return this.wrapParagraph(this.inline(node, depth));
      default:
        return this.wrapParagraph(this.textContent(node, depth));
    }
  }

  /** An image from the media library: alt text or explicitly decorative; width/height; srcset. */
  private image(node: Json): string {
    const raw = own(node, 'sha256') ?? own(node, 'src');
    const sha = typeof raw === 'string' ? raw.toLowerCase() : '';
    if (!SHA256_RE.test(sha)) return '';
    const info = this.options.media(sha);
    if (!info || !IMAGE_MIMES.has(info.mime)) return '';
    const width = int(info.width, 1, 20_000);
    const height = int(info.height, 1, 20_000);
    if (width === null || height === null) return '';
    const altRaw = own(node, 'altText');
    const decorative = own(node, 'decorative') === true;
    const alt = decorative ? '' : typeof altRaw === 'string' ? altRaw.trim().slice(0, 1000) : '';
    const root = this.options.root;
    const widths = [...new Set(info.widths)]
      .filter((w) => Number.isInteger(w) && w > 0 && w <= width)
      .sort((a, b) => a - b);
    let src: string;
    let srcset = '';
    if (widths.length > 0) {
      // The default source: the variant closest to the text column (≈ 736 CSS px).
      const best = widths.find((w) => w >= 736) ?? widths[widths.length - 1]!;
      src = mediaPath(sha, info, best);
      for (const w of widths) this.options.usedMedia.add(mediaPath(sha, info, w));
      srcset = ` srcset="${widths.map((w) => `${root}${mediaPath(sha, info, w)} ${w}w`).join(', ')}" sizes="${IMAGE_SIZES}"`;
    } else {
      src = mediaPath(sha, info);
      this.options.usedMedia.add(src);
    }
    const img = `<img src="${root}${src}"${srcset} width="${width}" height="${height}" alt="${escapeHtml(alt)}" loading="lazy" decoding="async">`;
    const captionRaw = own(node, 'caption');
    const caption = typeof captionRaw === 'string' ? escapeHtml(captionRaw.trim().slice(0, 1000)) : '';
    return caption ? `<figure>${img}<figcaption>${caption}</figcaption></figure>` : `<p>${img}</p>`;
  }

  /** A data table: header cells are `th` with a scope; a first row of headers is the `thead`. */
  private table(node: Json, depth: number): string {
    const rows: Array<{ header: boolean; html: string }> = [];
    let columns = 0;
    for (const row of children(node)) {
      if (!this.enter(depth + 1) || !isObject(row) || nodeType(row) !== 'tablerow') continue;
      let cells = '';
      let allHeaders = true;
      let count = 0;
      for (const cell of children(row)) {
        if (!this.enter(depth + 2) || !isObject(cell) || nodeType(cell) !== 'tablecell') continue;
        const state = int(own(cell, 'headerState'), 0, 3) ?? 0;
        const colSpan = int(own(cell, 'colSpan'), 2, 100);
        const rowSpan = int(own(cell, 'rowSpan'), 2, 100);
        const spans = `${colSpan ? ` colspan="${colSpan}"` : ''}${rowSpan ? ` rowspan="${rowSpan}"` : ''}`;
        let content = '';
        for (const kid of children(cell)) {
          const t = nodeType(kid);
          content +=
            t === 'paragraph'
              ? this.inlineChildren(kid as Json, depth + 3) + ' '
              : this.textContent(kid, depth + 3);
        }
        content = content.trim();
        count += colSpan ?? 1;
        if (state & HEADER_ROW) cells += `<th scope="col"${spans}>${content}</th>`;
        else if (state & HEADER_COLUMN) cells += `<th scope="row"${spans}>${content}</th>`;
        else {
          allHeaders = false;
          cells += `<td${spans}>${content}</td>`;
        }
      }
      if (count === 0) continue;
      columns = Math.max(columns, count);
      rows.push({ header: allHeaders, html: `<tr>${cells}</tr>` });
    }
    if (rows.length === 0 || columns === 0) return '';
    const head = rows[0]!.header && rows.length > 1 ? `<thead>${rows.shift()!.html}</thead>` : '';
    return `<table>${head}<tbody>${rows.map((r) => r.html).join('')}</tbody></table>`;
  }

  /**
   * A link to a file of the media library (`media:<sha256>`, [HTML-13]): its relative path and
   * « (PDF, 240 Ko) » for the link text; null (text only) when the file is unknown.
   */
  private fileLink(url: string): { href: string; path: string; suffix: string } | null {
    const sha = url.slice(MEDIA_SCHEME.length).toLowerCase();
    if (!SHA256_RE.test(sha)) return null;
    const info = this.options.media(sha);
    if (!info || typeof info.mime !== 'string') return null;
    const path = mediaPath(sha, info);
    const kind = info.mime === 'application/pdf' ? 'PDF' : (MIME_EXT[info.mime] ?? 'fichier').toUpperCase();
    const bytes = int(info.bytes, 1, Number.MAX_SAFE_INTEGER);
    return {
      href: `${this.options.root}${path}`,
      path,
      suffix: bytes === null ? ` (${kind})` : ` (${kind}, ${fileSize(bytes)})`,
    };
  }

  private wrapParagraph(content: string): string {
    return content.trim() === '' ? '' : `<p>${content}</p>`;
  }

  private list(node: Json, depth: number): string {
    const listType = own(node, 'listType');
    const tag = listType === 'number' ? 'ol' : 'ul';
    const start = own(node, 'start');
    const startAttr =
      tag === 'ol' && typeof start === 'number' && Number.isSafeInteger(start) && start !== 1
        ? ` start="${start}"`
        : '';
    const items: string[] = [];
    for (const child of children(node)) {
      if (!this.enter(depth + 1)) break;
      if (nodeType(child) !== 'listitem' || !isObject(child)) {
        const content = this.inline(child, depth + 1);
        if (content.trim() !== '') items.push(content);
        continue;
      }
      const kids = children(child);
      const nestedOnly = kids.length > 0 && kids.every((k) => nodeType(k) === 'list');
      let content = '';
      for (const kid of kids) {
        content += nodeType(kid) === 'list' ? this.block(kid, depth + 2) : this.inline(kid, depth + 2);
      }
      // Lexical keeps a nested list in its own item; HTML puts it inside the previous item.
      if (nestedOnly && items.length > 0) items[items.length - 1] += content;
      else if (content.trim() !== '') items.push(content);
    }
    if (items.length === 0) return '';
    return `<${tag}${startAttr}>${items.map((item) => `<li>${item}</li>`).join('')}</${tag}>`;
  }
}

/** A file size as French readers expect it: « 812 octets », « 240 Ko », « 1,4 Mo ». */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} octet${bytes > 1 ? 's' : ''}`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}

function headingLevel(tag: unknown): 2 | 3 | 4 {
  switch (tag) {
    case 'h3':
      return 3;
    case 'h4':
    case 'h5':
    case 'h6':
      return 4;
    default:
      // h1 is the page title; h2 and anything unexpected become h2.
      return 2;
  }
}

/**
 * HTML of a page body from its editor-state JSON (`{ root: { children: [...] } }`), or
 * from a bare root node. Anything that is not such an object renders as ''.
 */
export function renderHtml(state: unknown, options: RenderHtmlOptions = {}): string {
  const renderer = new Renderer({ ...DEFAULTS, usedMedia: new Set(), ...options });
  const root = isObject(state) && isObject(own(state, 'root')) ? (own(state, 'root') as Json) : state;
  if (!isObject(root)) return '';
  let out = '';
  for (const child of children(root)) out += renderer.block(child, 1);
  return out;
}
