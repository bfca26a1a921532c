/**
 * French text → search terms (site/SPEC.md [SEARCH-2]): accents and case folded, then the
 * Snowball French stemmer (`@orama/stemmers`), so « Fêtes », « fete » and « fête » give one
 * term. The same function reads the pages at publication and the citizen's query.
 */
import { stemmer } from '@orama/stemmers/french';

/** Characters of a query kept; the rest is cut (and the page says so). */
export const MAX_QUERY_CHARS = 200;
/** Words of a query searched; the others are ignored (and the page says so). */
export const MAX_QUERY_TERMS = 8;
/** Longer « words » (hashes, pasted junk) are never terms. */
const MAX_WORD_CHARS = 40;

/** Words too common to narrow a search: a query « fête du village » needs only « fête », « village ». */
const STOPWORDS = new Set(
  (
    'a au aux avec ce ces cet cette dans de des du en et il ils elle elles est je la le les leur ' +
    'leurs lui mais me meme mes mon ne nos notre nous on ou par pas pour qu que qui sa se ses son ' +
    'sur ta te tes ton tu un une vos votre vous y'
  ).split(' '),
);

/** A word or number of a text, with its place (for the excerpt's marks). */
export interface WordSpan {
  start: number;
  end: number;
  term: string;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case, no accent, ligatures spelt out: « Œuvre Été » → « oeuvre ete ». */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss');
}

/** Words already stemmed: texts repeat their words, and the stemmer is the costly part. */
const TERM_CACHE = new Map<string, string | null>();
const TERM_CACHE_MAX = 100_000;

/** The search term of one word, or null (stop word, single letter, too long). */
export function termOf(word: string): string | null {
  if (word.length > MAX_WORD_CHARS) return null;
  const cached = TERM_CACHE.get(word);
  if (cached !== undefined) return cached;
  const term = computeTerm(word);
  if (TERM_CACHE.size >= TERM_CACHE_MAX) TERM_CACHE.clear();
  TERM_CACHE.set(word, term);
  return term;
}

function computeTerm(word: string): string | null {
  const folded = foldText(word);
  if (folded.length < 2 && !/\d/.test(folded)) return null;
  if (STOPWORDS.has(folded)) return null;
  return /^\d+$/.test(folded) ? folded : stemmer(folded);
}

/** Every term of a text with its place in the text. */
export function wordSpans(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const match of text.matchAll(WORD)) {
    const term = termOf(match[0]);
    if (term) out.push({ start: match.index, end: match.index + match[0].length, term });
  }
  return out;
}

export interface ParsedQuery {
  /** The query as searched (cut at MAX_QUERY_CHARS, spaces collapsed). */
  text: string;
  /** Distinct terms, at most MAX_QUERY_TERMS. */
  terms: string[];
  /** The query was longer than MAX_QUERY_CHARS. */
  cut: boolean;
  /** The query had more than MAX_QUERY_TERMS distinct terms. */
  dropped: boolean;
}

/** A citizen's query, bounded before any work proportional to its size is done. */
export function parseQuery(raw: string): ParsedQuery {
  const cut = raw.length > MAX_QUERY_CHARS;
  const text = raw.slice(0, MAX_QUERY_CHARS).replace(/\s+/g, ' ').trim();
  const terms: string[] = [];
  let dropped = false;
  for (const span of wordSpans(text)) {
    if (terms.includes(span.term)) continue;
    if (terms.length === MAX_QUERY_TERMS) {
      dropped = true;
      break;
    }
    terms.push(span.term);
  }
  return { text, terms, cut, dropped };
}
