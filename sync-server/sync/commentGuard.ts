/**
 * What a relecteur may write: comments, and nothing else (site/pageComments.ts).
 *
 * A relecteur's update (already checked by updateGuard for shape and integration) is applied
 * first to a throw-away copy of the page's doc, and the transaction it made is inspected:
 *
 * - every type it changed lies under the page's `comments` root map;
 * - it deletes nothing that existed before (so it neither overwrites nor removes anything:
 *   no body edit, no resolving, no removing someone else's comment);
 * - the only existing types it adds to are the root map (a new comment) and a comment's
 *   `replies` array (a new reply);
 * - each new comment and reply is signed with the relecteur's own account id, holds a text of
 *   1..MAX_COMMENT_CHARS characters, no `resolved` mark, and the counts stay within
 *   MAX_COMMENTS_PER_PAGE and MAX_REPLIES_PER_COMMENT;
 * - it holds no garbage-collected struct (a relecteur never deletes anything to collect).
 *
 * Anything else returns why, and the room drops the whole update: nothing of it is applied.
 * The copy costs time in the doc's size: the room allows each relecteur REVIEWER_CHECKS of them
 * (Room.ts), past which the connection is closed with TOO_FAST.
 * Only page rooms hold comments: every update of a relecteur to the site manifest is dropped.
 */
import * as Y from 'yjs';
import {
  MAX_COMMENT_CHARS,
  MAX_COMMENTS_PER_PAGE,
  MAX_REPLIES_PER_COMMENT,
  PAGE_COMMENTS_ROOT,
} from '../../site/pageComments';
import { type AnyYType } from '../../site/siteDoc';
import { parseRoom } from '../../site/syncProtocol';

/**
 * Checks (copies of the doc) per relecteur and room: an honest relecteur sends one update per
 * comment, and one sync step 2 per reconnection.
 */
export const REVIEWER_CHECKS = { ratePerSecond: 2, burst: 20 };

/** Largest JSON of one new comment or reply (text, names, quote). */
const MAX_ENTRY_JSON = 8 * 1024;
const COMMENT_KEYS = new Set(['id', 'authorId', 'authorName', 'text', 'createdAt', 'quote', 'replies']);

export type ReviewerProblem =
  | 'not-a-page'
  | 'garbage-struct'
  | 'outside-comments'
  | 'deletes-existing'
  | 'changes-existing-comment'
  | 'bad-comment'
  | 'not-own-comment'
  | 'too-many-comments'
  | 'too-many-replies'
  | 'unreadable';

/** Null when `update` only adds the relecteur's own comments and replies to the page `room`. */
export function reviewerUpdateProblem(
  room: string,
  doc: Y.Doc,
  update: Uint8Array,
  agentId: string,
): ReviewerProblem | null {
  if (parseRoom(room)?.kind !== 'page') return 'not-a-page';
  try {
    const decoded = Y.decodeUpdate(update);
    if (decoded.structs.some((s) => !(s instanceof Y.Item))) return 'garbage-struct';
    // Cheap first: a struct placed directly in another root type needs no copy to refuse.
    const elsewhere = decoded.structs.some(
      (s) => s instanceof Y.Item && typeof s.parent === 'string' && s.parent !== PAGE_COMMENTS_ROOT,
    );
    if (elsewhere) return 'outside-comments';
    const copy = new Y.Doc({ gc: false });
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const root = copy.getMap(PAGE_COMMENTS_ROOT);
    let problem: ReviewerProblem | null = null;
    copy.on('afterTransaction', (tr: Y.Transaction) => {
      problem = transactionProblem(tr, root, agentId);
    });
    Y.applyUpdate(copy, update);
    copy.destroy();
    return problem;
  } catch {
    return 'unreadable';
  }
}

/** Whether the struct was created by this transaction (its clock is past the state before). */
function isNew(tr: Y.Transaction, id: Y.ID): boolean {
  return id.clock >= (tr.beforeState.get(id.client) ?? 0);
}

function rootOf(type: AnyYType): AnyYType {
  let current = type;
  while (current._item) current = current._item.parent as AnyYType;
  return current;
}

function transactionProblem(tr: Y.Transaction, root: AnyYType, agentId: string): ReviewerProblem | null {
  for (const [client, ranges] of tr.deleteSet.clients) {
    const before = tr.beforeState.get(client) ?? 0;
    if (ranges.some((r) => r.clock < before)) return 'deletes-existing';
  }
  for (const type of tr.changed.keys()) {
    if (rootOf(type) !== root) return 'outside-comments';
    if (type === root || (type._item && isNew(tr, type._item.id))) continue;
    const isReplies =
      type instanceof Y.Array && type._item?.parentSub === 'replies' && type._item.parent instanceof Y.Map
        ? (type._item.parent as AnyYType)._item?.parent === root
        : false;
    if (!isReplies) return 'changes-existing-comment';
  }
  if (tr.changed.has(root)) {
    const comments = root as Y.Map<unknown>;
    if (comments.size > MAX_COMMENTS_PER_PAGE) return 'too-many-comments';
    for (const [key, entry] of comments) {
      const item = comments._map.get(key);
      if (item && isNew(tr, item.id)) {
        const problem = newCommentProblem(entry, agentId);
        if (problem) return problem;
      }
    }
  }
  for (const type of tr.changed.keys()) {
    if (!(type instanceof Y.Array)) continue;
    if (type.length > MAX_REPLIES_PER_COMMENT) return 'too-many-replies';
    for (let item = type._start; item !== null; item = item.right) {
      if (item.deleted || !isNew(tr, item.id)) continue;
      for (const reply of item.content.getContent()) {
        const problem = entryProblem(reply, agentId);
        if (problem) return problem;
      }
    }
  }
  return null;
}

function newCommentProblem(entry: unknown, agentId: string): ReviewerProblem | null {
  if (!(entry instanceof Y.Map)) return 'bad-comment';
  for (const key of entry.keys()) if (!COMMENT_KEYS.has(key)) return 'bad-comment';
  const replies = entry.get('replies');
  if (replies !== undefined && !(replies instanceof Y.Array)) return 'bad-comment';
  const own = entryProblem({ ...entry.toJSON(), replies: undefined }, agentId);
  if (own) return own;
  if (replies instanceof Y.Array) {
    if (replies.length > MAX_REPLIES_PER_COMMENT) return 'too-many-replies';
    for (const reply of replies.toArray()) {
      const problem = entryProblem(reply, agentId);
      if (problem) return problem;
    }
  }
  return null;
}

/** A comment's own fields or a reply: the relecteur's, with a bounded text. */
function entryProblem(value: unknown, agentId: string): ReviewerProblem | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'bad-comment';
  const entry = value as Record<string, unknown>;
  if (typeof entry.text !== 'string' || entry.text.trim().length === 0) return 'bad-comment';
  if (entry.text.length > MAX_COMMENT_CHARS) return 'bad-comment';
  if (JSON.stringify(entry).length > MAX_ENTRY_JSON) return 'bad-comment';
  if ('resolved' in entry && entry.resolved !== undefined) return 'bad-comment';
  if (entry.authorId !== agentId) return 'not-own-comment';
  return null;
}
