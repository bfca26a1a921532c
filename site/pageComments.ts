/**
 * Comments on a page: what élus and relecteurs say about it, answered and resolved by agents.
 * They live in the page's own doc (room `{insee}/page/{pageId}`), beside its body, under the
 * root map `comments` (PAGE_COMMENTS_ROOT), so they sync live, are written offline like any
 * edit, and are kept in the page's history and in the commune's export — and never published:
 * publishing reads the body root (`root`) only.
 *
 *   comments: Y.Map  commentId → Y.Map {
 *     id, authorId, authorName, text, createdAt,
 *     quote?: { exact, prefix, suffix }   the passage commented (W3C TextQuoteSelector)
 *     resolved?: true, resolvedBy?, resolvedAt?
 *     replies: Y.Array<{ id, authorId, authorName, text, createdAt }>
 *   }
 *
 * A relecteur may only add comments and replies of their own (sync-server/sync/commentGuard.ts).
 * Sizes are bounded here, for the editor and the server alike.
 */
import { nanoid } from 'nanoid';
import * as Y from 'yjs';

export const PAGE_COMMENTS_ROOT = 'comments';
/** Longest comment or reply, in characters. */
export const MAX_COMMENT_CHARS = 2_000;
/** Most comments on one page (resolved ones included: they stay in its history). */
export const MAX_COMMENTS_PER_PAGE = 200;
/** Most replies under one comment. */
export const MAX_REPLIES_PER_COMMENT = 50;
/** Longest quoted passage kept, and context kept on each side of it. */
export const MAX_QUOTE_CHARS = 500;
export const QUOTE_CONTEXT_CHARS = 32;
const MAX_NAME_CHARS = 120;

export interface CommentQuote {
  exact: string;
  prefix: string;
  suffix: string;
}

export interface CommentReply {
  id: string;
  authorId: string;
  authorName: string;
  text: string;
  createdAt: number;
}

export interface PageComment extends CommentReply {
  quote: CommentQuote | null;
  resolved: boolean;
  resolvedBy: string;
  resolvedAt: number;
  replies: CommentReply[];
}

export interface CommentAuthor {
  id: string;
  name: string;
}

export function commentsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(PAGE_COMMENTS_ROOT);
}

/** Why a comment's text cannot be sent (French), or null. */
export function commentTextProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'Écrivez votre commentaire avant de l’envoyer.';
  if (trimmed.length > MAX_COMMENT_CHARS)
    return `Ce commentaire est trop long : ${trimmed.length} caractères, ${MAX_COMMENT_CHARS} au plus.`;
  return null;
}

const str = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function readQuote(value: unknown): CommentQuote | null {
  if (!value || typeof value !== 'object') return null;
  const q = value as Record<string, unknown>;
  const exact = str(q.exact, MAX_QUOTE_CHARS);
  if (!exact) return null;
  return {
    exact,
    prefix: str(q.prefix, QUOTE_CONTEXT_CHARS),
    suffix: str(q.suffix, QUOTE_CONTEXT_CHARS),
  };
}

function readReply(value: unknown): CommentReply | null {
  if (!value || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const text = str(r.text, MAX_COMMENT_CHARS);
  if (!text) return null;
  return {
    id: str(r.id, 64),
    authorId: str(r.authorId, 64),
    authorName: str(r.authorName, MAX_NAME_CHARS),
    text,
    createdAt: num(r.createdAt),
  };
}

/** Reads one comment defensively (a hostile doc never throws here); null when unusable. */
export function readComment(id: string, entry: unknown): PageComment | null {
  if (!(entry instanceof Y.Map)) return null;
  const text = str(entry.get('text'), MAX_COMMENT_CHARS);
  if (!text) return null;
  const replies = entry.get('replies');
  return {
    id,
    authorId: str(entry.get('authorId'), 64),
    authorName: str(entry.get('authorName'), MAX_NAME_CHARS),
    text,
    createdAt: num(entry.get('createdAt')),
    quote: readQuote(entry.get('quote')),
    resolved: entry.get('resolved') === true,
    resolvedBy: str(entry.get('resolvedBy'), MAX_NAME_CHARS),
    resolvedAt: num(entry.get('resolvedAt')),
    replies:
      replies instanceof Y.Array
        ? replies
            .toArray()
            .slice(0, MAX_REPLIES_PER_COMMENT)
            .map(readReply)
            .filter((r): r is CommentReply => r !== null)
        : [],
  };
}

/** Every readable comment of the page, oldest first. */
export function readComments(doc: Y.Doc): PageComment[] {
  const out: PageComment[] = [];
  commentsMap(doc).forEach((entry, id) => {
    const comment = readComment(id, entry);
    if (comment) out.push(comment);
  });
  return out
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .slice(0, MAX_COMMENTS_PER_PAGE);
}

/** Adds a comment; throws a French message when it cannot be added. Returns its id. */
export function addComment(
  doc: Y.Doc,
  author: CommentAuthor,
  text: string,
  quote: CommentQuote | null,
  now = Date.now(),
): string {
  const problem = commentTextProblem(text);
  if (problem) throw new Error(problem);
  const comments = commentsMap(doc);
  if (comments.size >= MAX_COMMENTS_PER_PAGE)
    throw new Error(
      `Cette page a déjà ${MAX_COMMENTS_PER_PAGE} commentaires, le maximum : demandez à un agent d’en supprimer.`,
    );
  const id = nanoid(16);
  const entry = new Y.Map<unknown>();
  doc.transact(() => {
    entry.set('id', id);
    entry.set('authorId', author.id);
    entry.set('authorName', author.name.slice(0, MAX_NAME_CHARS));
    entry.set('text', text.trim());
    entry.set('createdAt', now);
    if (quote && quote.exact.trim())
      entry.set('quote', {
        exact: quote.exact.slice(0, MAX_QUOTE_CHARS),
        prefix: quote.prefix.slice(-QUOTE_CONTEXT_CHARS),
        suffix: quote.suffix.slice(0, QUOTE_CONTEXT_CHARS),
      });
    entry.set('replies', new Y.Array());
    comments.set(id, entry);
  });
  return id;
}

/** Answers a comment; throws a French message when it cannot. */
export function replyToComment(
  doc: Y.Doc,
  commentId: string,
  author: CommentAuthor,
  text: string,
  now = Date.now(),
): void {
  const problem = commentTextProblem(text);
  if (problem) throw new Error(problem);
  const replies = commentsMap(doc).get(commentId)?.get('replies');
  if (!(replies instanceof Y.Array)) throw new Error('Ce commentaire n’existe plus.');
  if (replies.length >= MAX_REPLIES_PER_COMMENT)
    throw new Error(`Ce commentaire a déjà ${MAX_REPLIES_PER_COMMENT} réponses, le maximum.`);
  replies.push([
    {
      id: nanoid(16),
      authorId: author.id,
      authorName: author.name.slice(0, MAX_NAME_CHARS),
      text: text.trim(),
      createdAt: now,
    },
  ]);
}

/** Marks a comment resolved (or open again). */
export function setCommentResolved(
  doc: Y.Doc,
  commentId: string,
  resolved: boolean,
  by: string,
  now = Date.now(),
): void {
  const entry = commentsMap(doc).get(commentId);
  if (!(entry instanceof Y.Map)) throw new Error('Ce commentaire n’existe plus.');
  doc.transact(() => {
    entry.set('resolved', resolved);
    entry.set('resolvedBy', by.slice(0, MAX_NAME_CHARS));
    entry.set('resolvedAt', now);
  });
}

/** The quote of `selected`, found at `start` in `text`, with its context. */
export function quoteOf(text: string, start: number, selected: string): CommentQuote {
  const exact = selected.slice(0, MAX_QUOTE_CHARS);
  return {
    exact,
    prefix: text.slice(Math.max(0, start - QUOTE_CONTEXT_CHARS), start),
    suffix: text.slice(start + exact.length, start + exact.length + QUOTE_CONTEXT_CHARS),
  };
}

/**
 * Where the quoted passage is in `text` now (TextQuoteSelector): the occurrence of `exact`
 * whose context matches best; null when the passage was changed or removed.
 */
export function findQuote(text: string, quote: CommentQuote): { start: number; end: number } | null {
  let best: { start: number; score: number } | null = null;
  for (let at = text.indexOf(quote.exact); at !== -1; at = text.indexOf(quote.exact, at + 1)) {
    const before = text.slice(Math.max(0, at - quote.prefix.length), at);
    const after = text.slice(at + quote.exact.length, at + quote.exact.length + quote.suffix.length);
    const score = commonSuffix(before, quote.prefix) + commonPrefix(after, quote.suffix);
    if (!best || score > best.score) best = { start: at, score };
  }
  return best ? { start: best.start, end: best.start + quote.exact.length } : null;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
