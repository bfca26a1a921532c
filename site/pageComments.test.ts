// Comments of a page on their own: bounds and French errors, defensive reading, and the
// passage's quote found again after edits elsewhere (or lost when the passage changed).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addComment,
  commentsMap,
  findQuote,
  MAX_COMMENT_CHARS,
  MAX_COMMENTS_PER_PAGE,
  quoteOf,
  readComments,
  replyToComment,
  setCommentResolved,
} from './pageComments';

const author = { id: 'elu1', name: 'Élise' };

describe('page comments', () => {
  it('adds, answers and resolves; reads them oldest first', () => {
    const doc = new Y.Doc();
    const second = addComment(doc, author, '  Deuxième  ', null, 2);
    const first = addComment(doc, author, 'Premier', { exact: 'mairie', prefix: 'la ', suffix: '.' }, 1);
    replyToComment(doc, first, { id: 'a', name: 'Agent' }, 'Réponse', 3);
    setCommentResolved(doc, first, true, 'Agent', 4);
    const [a, b] = readComments(doc);
    expect(a).toMatchObject({
      id: first,
      resolved: true,
      resolvedBy: 'Agent',
      replies: [{ text: 'Réponse' }],
    });
    expect(b).toMatchObject({ id: second, text: 'Deuxième', quote: null, resolved: false });
  });

  it('refuses empty, too long and too many comments with French messages', () => {
    const doc = new Y.Doc();
    expect(() => addComment(doc, author, '   ', null)).toThrow('Écrivez votre commentaire');
    expect(() => addComment(doc, author, 'x'.repeat(MAX_COMMENT_CHARS + 1), null)).toThrow(
      `${MAX_COMMENT_CHARS + 1} caractères, ${MAX_COMMENT_CHARS} au plus`,
    );
    for (let i = 0; i < MAX_COMMENTS_PER_PAGE; i++) addComment(doc, author, `c${i}`, null, i);
    expect(() => addComment(doc, author, 'un de trop', null)).toThrow('le maximum');
    expect(() => replyToComment(doc, 'inconnu', author, 'r')).toThrow('n’existe plus');
  });

  it('reads a hostile doc without throwing: wrong types and missing texts are left out', () => {
    const doc = new Y.Doc();
    const map = commentsMap(doc) as unknown as Y.Map<unknown>;
    map.set('a', 'pas une map');
    const noText = new Y.Map<unknown>();
    map.set('b', noText);
    const odd = new Y.Map<unknown>();
    map.set('c', odd);
    odd.set('text', 'lisible');
    odd.set('quote', { exact: 42 });
    odd.set('replies', 'pas un tableau');
    expect(readComments(doc)).toMatchObject([{ id: 'c', text: 'lisible', quote: null, replies: [] }]);
  });

  it('finds the quoted passage after edits elsewhere, picks the right occurrence, and loses a rewritten one', () => {
    const text = 'Le marché a lieu place de la mairie. La fête a lieu place de la mairie aussi.';
    const start = text.lastIndexOf('place de la mairie');
    const quote = quoteOf(text, start, 'place de la mairie');
    const edited = `Nouveau ! ${text}`;
    expect(findQuote(edited, quote)).toEqual({ start: start + 10, end: start + 10 + 18 });
    expect(findQuote(text.replace(/place de la mairie/g, 'place du marché'), quote)).toBeNull();
  });
});
