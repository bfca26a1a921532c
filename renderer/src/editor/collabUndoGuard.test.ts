// The guard on plain Yjs, with the structure of Lexical's V1 binding: a paragraph is a Y.XmlText
// embedded in the root Y.XmlText; a text node is a Y.Map embedded before its characters.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { installCollabUndoGuard } from './collabUndoGuard';

installCollabUndoGuard();

const LOCAL_EDIT = { binding: 'A' };

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

function visibleText(root: Y.XmlText): string {
  // What the binding shows: the characters of each readable paragraph (its `__type` set) that
  // follow a readable text-node map (its `__type` set).
  return root
    .toDelta()
    .map((op: { insert: unknown }) =>
      op.insert instanceof Y.XmlText && op.insert.getAttribute('__type') === 'paragraph'
        ? paragraphText(op.insert)
        : '',
    )
    .join('\n');
}

function paragraphText(paragraph: Y.XmlText): string {
  let text = '';
  let inNode = false;
  for (const op of paragraph.toDelta() as Array<{ insert: unknown }>) {
    if (op.insert instanceof Y.Map) inNode = op.insert.get('__type') === 'text';
    else if (typeof op.insert === 'string' && inNode) text += op.insert;
  }
  return text;
}

/** A paragraph as the binding writes it: an XmlText with its properties as attributes. */
function newParagraph(): Y.XmlText {
  const paragraph = new Y.XmlText();
  paragraph.setAttribute('__type', 'paragraph');
  paragraph.setAttribute('__format', 0);
  return paragraph;
}

/** A text node's properties, as the binding writes them. */
function newTextNode(format = 0): Y.Map<unknown> {
  return new Y.Map<unknown>([
    ['__type', 'text'],
    ['__format', format],
    ['__style', ''],
    ['__mode', 0],
    ['__detail', 0],
  ]);
}

function twoAgents() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const rootA = a.get('root', Y.XmlText);
  const undo = new Y.UndoManager(rootA, { trackedOrigins: new Set([LOCAL_EDIT]) });
  return { a, b, rootA, rootB: b.get('root', Y.XmlText), undo };
}

describe('collaborative undo guard (lexical#6614)', () => {
  it('my undo removes my characters but keeps the text node another agent extended, with their characters', () => {
    const { a, b, rootA, rootB, undo } = twoAgents();
    a.transact(() => {
      const paragraph = newParagraph();
      rootA.insertEmbed(0, paragraph);
      paragraph.insertEmbed(0, newTextNode());
      paragraph.insert(1, 'Club de foot.');
    }, LOCAL_EDIT);
    sync(a, b);
    const paragraphB = rootB.toDelta()[0].insert as Y.XmlText;
    paragraphB.insert(paragraphB.length, ' Inscriptions ouvertes.');
    sync(b, a);
    expect(visibleText(rootA)).toBe('Club de foot. Inscriptions ouvertes.');

    undo.undo();
    sync(a, b);
    expect(visibleText(rootA)).toBe(' Inscriptions ouvertes.');
    expect(visibleText(rootB)).toBe(' Inscriptions ouvertes.');
  });

  it('without another agent, undo removes everything I typed, paragraph and text node included', () => {
    const { rootA, undo, a } = twoAgents();
    a.transact(() => {
      const paragraph = newParagraph();
      rootA.insertEmbed(0, paragraph);
      paragraph.insertEmbed(0, newTextNode());
      paragraph.insert(1, 'Brouillon.');
    }, LOCAL_EDIT);
    undo.undo();
    expect(rootA.length).toBe(0);
    undo.redo();
    expect(visibleText(rootA)).toBe('Brouillon.');
  });

  it('a text node of another agent after mine: my node and my characters go, theirs stay', () => {
    const { a, b, rootA, rootB, undo } = twoAgents();
    let paragraphA!: Y.XmlText;
    a.transact(() => rootA.insertEmbed(0, (paragraphA = newParagraph())), 'seed');
    sync(a, b);
    a.transact(() => {
      paragraphA.insertEmbed(0, newTextNode());
      paragraphA.insert(1, 'Mairie ');
    }, LOCAL_EDIT);
    sync(a, b);
    const paragraphB = rootB.toDelta()[0].insert as Y.XmlText;
    paragraphB.insertEmbed(paragraphB.length, newTextNode(1));
    paragraphB.insert(paragraphB.length, 'fermée lundi');
    sync(b, a);
    undo.undo();
    expect(paragraphA.toDelta().filter((op: { insert: unknown }) => op.insert instanceof Y.Map)).toHaveLength(
      1,
    );
    expect(visibleText(rootA)).toBe('fermée lundi');
  });

  it('another agent only changing a property of my paragraph (its alignment) does not keep it after my undo', () => {
    const { a, b, rootA, rootB, undo } = twoAgents();
    a.transact(() => {
      const paragraph = newParagraph();
      rootA.insertEmbed(0, paragraph);
      paragraph.insertEmbed(0, newTextNode());
      paragraph.insert(1, 'À supprimer.');
    }, LOCAL_EDIT);
    sync(a, b);
    (rootB.toDelta()[0].insert as Y.XmlText).setAttribute('__format', 2);
    sync(b, a);
    undo.undo();
    expect(rootA.length).toBe(0);
  });

  it('the filter an UndoManager was given still applies first', () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    const undo = new Y.UndoManager(text, {
      trackedOrigins: new Set([LOCAL_EDIT]),
      deleteFilter: () => false,
    });
    doc.transact(() => text.insert(0, 'gardé'), LOCAL_EDIT);
    undo.undo();
    expect(text.toString()).toBe('gardé');
  });
});
