// The update guard on its own (tier a): honest updates of every Yjs content kind pass the skim
// unchanged, the crafted updates of yjs issue #687 are refused before Yjs decodes them.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  createPage,
  editPageList,
  MANIFEST_MAX_TYPE_DEPTH,
  MAX_VALUE_DEPTH,
  nestedTypeDepth,
  PAGE_BODY_MAX_TYPE_DEPTH,
  PAGE_BODY_ROOT,
  pagesMap,
} from '../../site/siteDoc';
import { MAX_UPDATE_ELEMENTS, maxTypeDepthOf, skimUpdate, updateProblem } from './updateGuard';
import { YJS_687_PAYLOADS, deepAnyUpdate, deepFieldsUpdate, manyGcStructs } from './hostilePayloads';

v8.setFlagsFromString('--expose-gc');

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

  it('[HOT-3] the skim allocates nothing: 5,000 skims of an honest update leave the heap as it was', () => {
    // Every content kind, ContentAny values nested in arrays and objects included; a client id
    // above 2^31, as half of Yjs's random ones are (read whole, it cost a boxed number per skim).
    const doc = honestDoc();
    const other = new Y.Doc();
    other.clientID = 2 ** 32 - 7;
    other.getText('t').insert(0, 'autre agent');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    const update = Y.encodeStateAsUpdate(doc);
    const gc = vm.runInNewContext('gc') as () => void;
    for (let i = 0; i < 20_000; i++) skimUpdate(update); // compiled and optimized first
    // Least growth over three rounds: until the optimizing compiler is done (on another thread),
    // the interpreter boxes the 5-byte client ids it reads; a round after that boxes nothing.
    const rounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      gc();
      const before = v8.getHeapStatistics().used_heap_size;
      for (let i = 0; i < 5_000; i++) skimUpdate(update);
      rounds.push(v8.getHeapStatistics().used_heap_size - before);
    }
    console.log(`[HOT-3] heap grown by ${rounds.join(', ')} bytes over 5,000 skims`);
    // A decoder and a dozen closures per skim were ~1 KB: 5 MB for 5,000 (too few for a
    // young-generation collection to hide them). Allowed: a few KB of anything else.
    expect(Math.min(...rounds)).toBeLessThan(100 * 1024);
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

/** A manifest with one page of each list-bearing type, every list holding one entry. */
function deepestLegitManifest(): { doc: Y.Doc; pageId: string } {
  const doc = new Y.Doc();
  const page = createPage(doc, { title: 'Élus', type: 'elus', updatedBy: 'a' });
  editPageList(doc, page.id, 'members', [], { op: 'insert', index: 0, item: { name: 'Marie' } }, 'a');
  return { doc, pageId: page.id };
}

/** Applies `update` when the guard lets it through; returns the guard's verdict. */
function offer(doc: Y.Doc, update: Uint8Array, maxDepth: number) {
  const problem = updateProblem(doc, update, maxDepth);
  if (problem === null) Y.applyUpdate(doc, update);
  return problem;
}

/** A page body whose Lexical elements (XmlText embeds) nest `depth` levels under the root. */
function nestedBody(depth: number): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    let current = doc.get(PAGE_BODY_ROOT, Y.XmlText) as Y.XmlText;
    for (let i = 0; i < depth; i++) {
      const child = new Y.XmlText();
      current.insertEmbed(0, child);
      child.insert(0, `niveau ${i + 1}`);
      current = child;
    }
  });
  return doc;
}

describe('update guard: nesting depth (issue #9, finding 5)', () => {
  it("[DEPTH-1] the schema's deepest manifest is exactly MANIFEST_MAX_TYPE_DEPTH deep and passes", () => {
    const { doc } = deepestLegitManifest();
    expect(nestedTypeDepth(pagesMap(doc), 10)).toBe(MANIFEST_MAX_TYPE_DEPTH);
    expect(updateProblem(new Y.Doc(), Y.encodeStateAsUpdate(doc), maxTypeDepthOf('13001/site'))).toBeNull();
  });

  it("[DEPTH-2] a page's fields nested 20,000 deep (243 KB) are refused, and one level too deep too", () => {
    const { doc, pageId } = deepestLegitManifest();
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    const attack = deepFieldsUpdate(doc, pageId, 20_000);
    expect(attack.byteLength).toBeGreaterThan(200_000);
    const started = performance.now();
    expect(updateProblem(server, attack, maxTypeDepthOf('13001/site'))).toBe('too-deep');
    expect(performance.now() - started).toBeLessThan(2_000);
    // fields (2) → x (3) → x (4) is what the schema allows; x (5) is not.
    expect(updateProblem(server, deepFieldsUpdate(doc, pageId, 2), MANIFEST_MAX_TYPE_DEPTH)).toBeNull();
    expect(updateProblem(server, deepFieldsUpdate(doc, pageId, 3), MANIFEST_MAX_TYPE_DEPTH)).toBe('too-deep');
  });

  it('[DEPTH-3] one level per update, the update crossing the bound is refused (depth read from the doc)', () => {
    const { doc, pageId } = deepestLegitManifest();
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(doc));
    const verdicts: Array<string | null> = [];
    client.on('update', (update: Uint8Array) =>
      verdicts.push(offer(server, update, MANIFEST_MAX_TYPE_DEPTH)),
    );
    let current = pagesMap(client).get(pageId)!.get('fields') as Y.Map<unknown>;
    for (let i = 0; i < 4; i++) {
      const next = new Y.Map<unknown>();
      current.set(`n${i}`, next);
      current = next;
    }
    // The refused level never exists: the next one, built on it, does not integrate.
    expect(verdicts).toEqual([null, null, 'too-deep', 'clock-gap']);
  });

  it('[DEPTH-4] a page body may nest PAGE_BODY_MAX_TYPE_DEPTH elements, not one more', () => {
    const room = '13001/page/abcdefghij0123456789_';
    expect(maxTypeDepthOf(room)).toBe(PAGE_BODY_MAX_TYPE_DEPTH);
    expect(
      updateProblem(new Y.Doc(), Y.encodeStateAsUpdate(nestedBody(64)), maxTypeDepthOf(room)),
    ).toBeNull();
    expect(updateProblem(new Y.Doc(), Y.encodeStateAsUpdate(nestedBody(65)), maxTypeDepthOf(room))).toBe(
      'too-deep',
    );
    // Typed after the fact into the deepest element: still depth 64, accepted.
    const server = nestedBody(64);
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    const verdicts: Array<string | null> = [];
    client.on('update', (update: Uint8Array) => verdicts.push(offer(server, update, 64)));
    let deepest = client.get(PAGE_BODY_ROOT, Y.XmlText) as Y.XmlText;
    for (let i = 0; i < 64; i++)
      deepest = (deepest.toDelta() as Array<{ insert: unknown }>)[0]!.insert as Y.XmlText;
    deepest.insert(0, 'encore ');
    deepest.insertEmbed(0, new Y.XmlText('trop'));
    expect(verdicts).toEqual([null, 'too-deep']);
  });

  it('[DEPTH-5] plain values nested beyond MAX_VALUE_DEPTH are refused before Yjs decodes them', () => {
    expect(skimUpdate(deepAnyUpdate(MAX_VALUE_DEPTH))).toBeNull();
    expect(updateProblem(new Y.Doc(), deepAnyUpdate(MAX_VALUE_DEPTH))).toBeNull();
    expect(skimUpdate(deepAnyUpdate(MAX_VALUE_DEPTH + 1))).toBe('too-deep');
    expect(skimUpdate(deepAnyUpdate(200_000))).toBe('too-deep');
  });

  it('[DEPTH-6] deleting a nested map, or setting the field anew, is accepted', () => {
    const { doc, pageId } = deepestLegitManifest();
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(server, deepFieldsUpdate(doc, pageId, 2));
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    const verdicts: Array<string | null> = [];
    client.on('update', (update: Uint8Array) =>
      verdicts.push(offer(server, update, MANIFEST_MAX_TYPE_DEPTH)),
    );
    const fields = pagesMap(client).get(pageId)!.get('fields') as Y.Map<unknown>;
    (fields.get('x') as Y.Map<unknown>).delete('x');
    fields.delete('x');
    pagesMap(client).get(pageId)!.set('fields', new Y.Map());
    expect(verdicts).toEqual([null, null, null]);
    expect(pagesMap(server).get(pageId)!.toJSON().fields).toEqual({});
  });

  it('[DEPTH-7] items whose origins point at each other are refused, not followed forever', () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 2); // two clients, one map item each, each the other's origin
    for (const [client, other] of [
      [1, 2],
      [2, 1],
    ]) {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, client!);
      encoding.writeVarUint(e, 0);
      encoding.writeUint8(e, 7 | 128); // ContentType with an origin, so no parent written
      encoding.writeVarUint(e, other!);
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 1); // YMap
    }
    encoding.writeVarUint(e, 0);
    const started = performance.now();
    expect(updateProblem(new Y.Doc(), encoding.toUint8Array(e), 64)).toBe('missing-dependency');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('[DEPTH-8] deleting a type stored too deep before the guard is refused before Yjs recurses, the doc unchanged', () => {
    const { doc, pageId } = deepestLegitManifest();
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(server, deepFieldsUpdate(doc, pageId, 20_000)); // as if stored before the guard
    const fields = pagesMap(server).get(pageId)!.get('fields') as Y.Map<unknown>;
    const deep = fields._map.get('x')!;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // no structs
    encoding.writeVarUint(e, 1); // deletions of one client
    encoding.writeVarUint(e, deep.id.client);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, deep.id.clock);
    encoding.writeVarUint(e, 1);
    const state = Y.encodeStateAsUpdate(server);
    expect(updateProblem(server, encoding.toUint8Array(e), MANIFEST_MAX_TYPE_DEPTH)).toBe('too-deep');
    // Setting the field anew would delete it too.
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    pagesMap(doc).get(pageId)!.set('fields', new Y.Map());
    expect(updateProblem(server, updates[0]!, MANIFEST_MAX_TYPE_DEPTH)).toBe('too-deep');
    expect(Y.encodeStateAsUpdate(server)).toEqual(state);
  });
});
