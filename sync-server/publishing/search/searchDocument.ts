/**
 * What the search knows of one published page (site/SPEC.md [SEARCH-3]): its address, title,
 * type, date, and the text of its fields and body, with the weight of each term (a word of
 * the title counts more than one of the body).
 */
import { PAGE_TYPE_LABELS_FR, type PageMeta } from '../../../site/siteDoc';
import { wordSpans } from './normalize';

/** Characters of a page's text kept for excerpts and terms. */
export const MAX_DOCUMENT_TEXT = 20_000;
const TITLE_WEIGHT = 8;
const FIELD_WEIGHT = 2;
const BODY_WEIGHT = 1;

export interface SearchDocument {
  /** Path of the page's file in the version, e.g. `fete-du-village/index.html`. */
  path: string;
  title: string;
  /** French label of the page type. */
  type: string;
  /** `YYYY-MM-DD`: the page's own date (actualité, acte, événement) or its last change. */
  date: string;
  /** Fields then body, as plain text (for the excerpt). */
  text: string;
  /** Term → weight. */
  terms: Record<string, number>;
}

const HASH_OR_LINK = /^(?:[0-9a-f]{64}|media:|https?:|mailto:|tel:)/i;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}/;

/** The readable strings of a page's fields (list entries included), never hashes nor links. */
function fieldStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 4 || out.length > 500) return;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s && !HASH_OR_LINK.test(s) && !ISO_DAY.test(s) && !/^(true|false)$/.test(s)) out.push(s);
  } else if (Array.isArray(value)) for (const v of value) fieldStrings(v, out, depth + 1);
  else if (typeof value === 'object' && value !== null)
    for (const [key, v] of Object.entries(value)) if (key !== 'alertLevel') fieldStrings(v, out, depth + 1);
}

/** Plain text of a Lexical editor state (text nodes, blocks separated by a space). */
export function bodyText(state: unknown): string {
  const parts: string[] = [];
  let size = 0;
  const walk = (node: unknown, depth: number) => {
    if (depth > 64 || size > MAX_DOCUMENT_TEXT || typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (typeof n.text === 'string') {
      parts.push(n.text);
      size += n.text.length;
    }
    if (typeof n.altText === 'string') parts.push(n.altText);
    if (typeof n.caption === 'string') parts.push(n.caption);
    if (Array.isArray(n.children)) {
      for (const child of n.children) walk(child, depth + 1);
      parts.push(' ');
    }
  };
  walk((state as { root?: unknown } | null)?.root ?? state, 0);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function pageDate(meta: PageMeta): string {
  const fields = meta.fields ?? {};
  for (const key of ['date', 'startsAt']) {
    const value = fields[key];
    if (typeof value === 'string' && ISO_DAY.test(value)) return value.slice(0, 10);
  }
  return new Date(Number.isFinite(meta.updatedAt) ? meta.updatedAt : 0).toISOString().slice(0, 10);
}

function addTerms(terms: Record<string, number>, text: string, weight: number): void {
  for (const { term } of wordSpans(text)) terms[term] = (terms[term] ?? 0) + weight;
}

/** The search document of a published page at `path`. */
export function toSearchDocument(meta: PageMeta, body: unknown, path: string): SearchDocument {
  const fields: string[] = [];
  fieldStrings(meta.fields, fields);
  const fieldText = fields.join(' · ');
  const bodyPlain = bodyText(body);
  // A field the body already says (a summary copied from the first lines) is counted, not
  // shown twice in the excerpt.
  const shown = fields.filter((f) => !bodyPlain.includes(f.replace(/…$/, '').trim())).join(' · ');
  const text = `${shown}${shown && bodyPlain ? ' · ' : ''}${bodyPlain}`.slice(0, MAX_DOCUMENT_TEXT);
  const terms: Record<string, number> = Object.create(null) as Record<string, number>;
  addTerms(terms, meta.title, TITLE_WEIGHT);
  addTerms(terms, fieldText.slice(0, MAX_DOCUMENT_TEXT), FIELD_WEIGHT);
  addTerms(terms, bodyPlain.slice(0, MAX_DOCUMENT_TEXT), BODY_WEIGHT);
  return {
    path,
    title: meta.title,
    type: PAGE_TYPE_LABELS_FR[meta.type] ?? 'Page',
    date: pageDate(meta),
    text,
    terms: { ...terms },
  };
}
