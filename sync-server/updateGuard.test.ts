// The update guard on its own (tier a): honest updates of every Yjs content kind pass the skim
// unchanged, the crafted updates of yjs issue #687 are refused before Yjs decodes them.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MAX_UPDATE_ELEMENTS, skimUpdate, updateProblem } from './updateGuard';
import { YJS_687_PAYLOADS, manyGcStructs } from './hostilePayloads';

/** A document using every kind of content the editor (or any Yjs client) can make. */
function honestDoc(): Y.Doc {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  text.insert(0, 'Bonjour la mairie', { bold: true });
  text.insertEmbed(3, { image: 'logo.webp' });
  text.format(0, 4, { italic: true });
  text.delete(2, 5);
  const map = doc.getMap('m');
  map.set('titre', 'Accueil');
  map.set('nombres', [1, 2.5, -3, 2 ** 40, null, true, { a: 'b' }]);
  map.set('binaire', new Uint8Array([1, 2, 3]));
  map.set('sous', new Y.Map());
  map.set('liste', Y.Array.from(['a', 'b']));
  map.delete('titre');
  const xml = doc.getXmlFragment('root');
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.setAttribute('__type', 'paragraph');
  const inner = new Y.XmlText();
  inner.insert(0, 'texte');
  paragraph.insert(0, [inner]);
  xml.insert(0, [paragraph]);
  map.set('crochet', new Y.XmlHook('hook'));
  return doc;
}

describe('update guard', () => {
  it('[HOS-11a] honest updates of every content kind pass the skim, whole or incremental', () => {
    const doc = honestDoc();
    expect(skimUpdate(Y.encodeStateAsUpdate(doc))).toBeNull();
    expect(updateProblem(new Y.Doc(), Y.encodeStateAsUpdate(doc))).toBeNull();
    const updates: Uint8Array[] = [];
    const other = new Y.Doc();
    other.on('update', (update: Uint8Array) => updates.push(update));
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    other.getText('t').insert(1, 'é');
    other.getMap('m').delete('nombres');
    for (const update of updates) expect(skimUpdate(update)).toBeNull();
    expect(skimUpdate(new Uint8Array([0, 0]))).toBeNull();
  });

  it('[HOS-11b] the crafted updates of yjs issue #687 are refused before Yjs decodes them', () => {
    for (const [name, bytes] of Object.entries(YJS_687_PAYLOADS)) {
      const problem = skimUpdate(new Uint8Array(bytes));
      expect(problem, name).not.toBeNull();
      expect(updateProblem(new Y.Doc(), new Uint8Array(bytes)), name).not.toBeNull();
    }
  });

  it('[HOS-11c] an update with more elements than MAX_UPDATE_ELEMENTS is refused, one just under passes', () => {
    expect(skimUpdate(manyGcStructs(MAX_UPDATE_ELEMENTS - 1))).toBeNull();
    expect(skimUpdate(manyGcStructs(MAX_UPDATE_ELEMENTS + 1))).toBe('too-many-elements');
  });

  it('[HOS-11d] trailing bytes, truncated strings and subdocuments are refused', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'abc');
    const update = Y.encodeStateAsUpdate(doc);
    expect(skimUpdate(new Uint8Array([...update, 0]))).toBe('trailing-bytes');
    expect(skimUpdate(update.subarray(0, update.length - 3))).toBe('undecodable');
    const parent = new Y.Doc();
    parent.getMap('m').set('sous', new Y.Doc());
    expect(skimUpdate(Y.encodeStateAsUpdate(parent))).toBe('subdocument');
  });
});
