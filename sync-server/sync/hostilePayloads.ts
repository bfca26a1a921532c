/**
 * Crafted Yjs updates shared by the guard's unit tests and the server's hostile-input tests.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** The reproductions of yjs issue #687 (from its pull request #688), byte for byte. */
export const YJS_687_PAYLOADS: Record<string, number[]> = {
  'mergeUpdatesV2 with 4,398,046,511,101 structs': [
    0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 2, 0, 0, 22, 2, 0, 0, 1, 253, 255, 255, 255, 255, 127, 0, 0,
  ],
  'mergeUpdates (v1) with 265,828 updates': [
    228, 156, 16, 0, 5, 255, 255, 5, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 237, 0, 0, 0, 1, 1, 0, 254, 184, 194, 233,
    173, 135, 217, 18, 0, 0, 1, 1, 255, 237, 246,
  ],
  'mergeUpdatesV2 with 7,658,324,286 updates': [
    228, 149, 0, 0, 1, 24, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 237, 1, 190, 130, 227, 195, 28, 1, 2, 228, 149, 0, 0,
    1, 24, 0, 0, 1, 24, 0, 0, 1, 0, 1, 237, 0,
  ],
  'a GC item of length 553,253': [
    143, 1, 128, 0, 0, 0, 1, 170, 1, 0, 1, 2, 0, 0, 22, 2, 0, 229, 196, 67, 20, 231, 166, 139, 147, 174, 181,
    253, 93, 232, 38, 154, 138, 89, 0, 49, 213, 15, 18, 1, 48, 0, 0, 0,
  ],
  'applyUpdateV2 with 267,854,847 structs': [
    0, 1, 35, 0, 0, 0, 1, 2, 129, 0, 0, 16, 0, 199, 220, 0, 196, 122, 128, 0, 65, 171, 234, 214, 0, 1, 0, 0,
    1, 0, 0, 132, 0, 0, 16, 255, 199, 220, 255, 0, 0, 0,
  ],
};

/** A v1 update of one client with `count` one-unit GC structs: 2 bytes each on the wire. */
export function manyGcStructs(count: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, count);
  encoding.writeVarUint(e, 777_001);
  encoding.writeVarUint(e, 0);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(e, 0);
    encoding.writeVarUint(e, 1);
  }
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}

/**
 * The manifest update of issue #9 finding 5: a page whose `fields` hold a map nested `depth`
 * levels deep (20,000 levels ≈ 243 KB), as one update over `base` (the manifest as the client
 * knows it; the page `pageId` must exist there). Built level by level in one transaction.
 */
export function deepFieldsUpdate(base: Y.Doc, pageId: string, depth: number): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(doc);
  const entry = doc.getMap<Y.Map<unknown>>('pages').get(pageId);
  if (!(entry instanceof Y.Map)) throw new Error(`no page ${pageId}`);
  let fields = entry.get('fields');
  if (!(fields instanceof Y.Map)) {
    fields = new Y.Map<unknown>();
    entry.set('fields', fields);
  }
  doc.transact(() => {
    let current = fields as Y.Map<unknown>;
    for (let i = 0; i < depth; i++) {
      const next = new Y.Map<unknown>();
      current.set('x', next);
      current = next;
    }
  });
  const update = Y.encodeStateAsUpdate(doc, before);
  doc.destroy();
  return update;
}

/** A v1 update of one map entry whose ContentAny value is `depth` nested arrays. */
export function deepAnyUpdate(depth: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 1); // one struct
  encoding.writeVarUint(e, 424_242); // client
  encoding.writeVarUint(e, 0); // clock
  encoding.writeUint8(e, 8 | 32); // ContentAny, parent info with a key
  encoding.writeVarUint(e, 1); // parent is a root type's name
  encoding.writeVarString(e, 'm');
  encoding.writeVarString(e, 'k');
  encoding.writeVarUint(e, 1); // one value
  for (let i = 0; i < depth; i++) {
    encoding.writeUint8(e, 117); // array
    encoding.writeVarUint(e, 1);
  }
  encoding.writeUint8(e, 126); // null
  encoding.writeVarUint(e, 0); // no deletions
  return encoding.toUint8Array(e);
}
