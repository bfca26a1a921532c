/**
 * The excerpt of a result (site/SPEC.md [SEARCH-5]): a window of the page's text around the
 * first word searched, escaped, with every word of the query marked (`<mark>`).
 */
import { escapeHtml } from '../../../site/renderHtml';
import { wordSpans } from './normalize';

const EXCERPT_CHARS = 220;

/** `text` escaped, its words whose term is in `terms` inside `<mark>`. */
export function markTerms(text: string, terms: ReadonlySet<string>): string {
  let out = '';
  let at = 0;
  for (const span of wordSpans(text)) {
    if (!terms.has(span.term)) continue;
    out += `${escapeHtml(text.slice(at, span.start))}<mark>${escapeHtml(text.slice(span.start, span.end))}</mark>`;
    at = span.end;
  }
  return out + escapeHtml(text.slice(at));
}

/** About EXCERPT_CHARS of `text` around the first word matched, with ellipses where cut. */
export function excerpt(text: string, terms: ReadonlySet<string>, size = EXCERPT_CHARS): string {
  if (text === '') return '';
  const first = wordSpans(text).find((s) => terms.has(s.term));
  let start = first ? Math.max(0, first.start - Math.floor(size / 3)) : 0;
  let end = Math.min(text.length, start + size);
  // Whole words only.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space === -1 || space > (first?.start ?? start) ? start : space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + size / 2) end = space;
  }
  return `${start > 0 ? '… ' : ''}${markTerms(text.slice(start, end), terms)}${end < text.length ? ' …' : ''}`;
}
