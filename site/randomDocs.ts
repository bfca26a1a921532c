/**
 * Random documents for tests (site/docState.test.ts, sync-server/sync/durableState.test.ts): a
 * seeded PRNG (mulberry32) and random edits of a doc — text inserted and deleted, a list pushed
 * and cut, XML paragraphs with text inside inserted, extended and deleted (their children then
 * arrive collected). Pure; no I/O.
 */
import * as Y from 'yjs';

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function editRandomly(doc: Y.Doc, rand: () => number, steps: number): void {
  const text = doc.getText('t');
  const list = doc.getArray<number>('a');
  const body = doc.getXmlFragment('body');
  for (let i = 0; i < steps; i++) {
    const choice = rand();
    if (choice < 0.25 || text.length === 0) {
      text.insert(Math.floor(rand() * (text.length + 1)), 'abcdef'.slice(0, 1 + Math.floor(rand() * 6)));
    } else if (choice < 0.45) {
      const at = Math.floor(rand() * text.length);
      text.delete(at, Math.min(text.length - at, 1 + Math.floor(rand() * 5)));
    } else if (choice < 0.55 || list.length === 0) list.push([i]);
    else if (choice < 0.6) list.delete(Math.floor(rand() * list.length), 1);
    else if (choice < 0.75 || body.length === 0) {
      // A paragraph with text inside: deleting it later leaves children that arrive collected.
      const paragraph = new Y.XmlElement('p');
      paragraph.insert(0, [new Y.XmlText('x'.repeat(1 + Math.floor(rand() * 4)))]);
      body.insert(Math.floor(rand() * (body.length + 1)), [paragraph]);
    } else if (choice < 0.88) {
      const paragraph = body.get(Math.floor(rand() * body.length));
      if (paragraph instanceof Y.XmlElement) paragraph.insert(paragraph.length, [new Y.XmlText('y')]);
    } else body.delete(Math.floor(rand() * body.length), 1);
  }
}
