// [HOT-6] A plain update (no type created, no map key set with its parent written: keystrokes,
// deletions, map values) is checked from what the skim noted, without Yjs decoding it first;
// the verdict is the decoded check's, on honest updates and on corrupted ones, in documents
// that miss some of the updates before (gaps, unknown origins, deletions beyond the state).
// Honest updates get the same verdict; a corrupted one may be refused for another reason, or
// — text lib0 cannot decode inside a key, a JSON or an `any` value, which the notes do not read
// — pass them, and Yjs then throws on it before changing anything (the room refuses it too).
// Seeded (UPDATE_NOTES_SEED to replay).
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Random } from './fuzz/Random';
import { decodedUpdateProblem, skimUpdate, updateProblem } from './updateGuard';

const SEED = Number(process.env.UPDATE_NOTES_SEED ?? Math.floor(Math.random() * 2 ** 32));
const DEPTH = 8;
const WORDS = ['a', 'mairie', 'é', 'Ça', '😀', '\uFEFF', '市役所', 'ß', ' ', '\n', 'l’école', '𝄞x'];

/** Updates of three clients editing text, an array and a map, each seeing the others'. */
function honestUpdates(
  random: Random,
  count: number,
  withTypes: boolean,
): { updates: Uint8Array[]; docs: Y.Doc[] } {
  const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
  const updates: Uint8Array[] = [];
  for (const doc of docs) {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'peer') return;
      updates.push(update);
      for (const other of docs) if (other !== doc) Y.applyUpdate(other, update, 'peer');
    });
  }
  while (updates.length < count) {
    const doc = random.pick(docs);
    const text = doc.getText('t');
    const array = doc.getArray<unknown>('a');
    const map = doc.getMap<unknown>('m');
    const word = () => random.pick(WORDS) + random.pick(WORDS);
    switch (random.int(10)) {
      case 0:
      case 1:
      case 2:
        text.insert(random.int(text.length + 1), word());
        break;
      case 3:
        if (text.length > 0) text.delete(random.int(text.length), 1 + random.int(3));
        break;
      case 4:
        if (text.length > 1)
          text.format(random.int(text.length - 1), 1, { bold: random.int(2) === 0 || null });
        break;
      case 5:
        array.insert(random.int(array.length + 1), [random.int(1000), word(), { k: word(), n: [1, null] }]);
        break;
      case 6:
        if (array.length > 0) array.delete(random.int(array.length), 1);
        break;
      case 7:
        map.set(random.pick(['titre', 'clé', 'n']), random.int(2) ? word() : random.int(1e9));
        break;
      case 8:
        if (withTypes && random.int(4) === 0)
          map.set('sous', new Y.Map()); // a type: not plain
        else text.insertEmbed(random.int(text.length + 1), { image: word() });
        break;
      default:
        doc.transact(() => {
          text.insert(0, word());
          if (array.length > 0) array.delete(0, 1);
        });
    }
  }
  return { updates, docs };
}

/** What the test expects of a plain update, read independently of the guard. */
function isPlain(update: Uint8Array): boolean {
  try {
    const { structs } = Y.decodeUpdate(update);
    return !structs.some(
      (s) => s instanceof Y.Item && (s.content instanceof Y.ContentType || s.parentSub !== null),
    );
  } catch {
    return true;
  }
}

function corrupted(random: Random, update: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(update);
  if (random.int(5) === 0) return bytes.subarray(0, random.int(bytes.length));
  for (let n = 1 + random.int(3); n > 0; n--) bytes[random.int(bytes.length)] = random.int(256);
  return bytes;
}

/** Applying `update` throws and leaves `doc` as it was. */
function throwsWithoutChange(doc: Y.Doc, update: Uint8Array): boolean {
  const before = Y.encodeStateAsUpdate(doc);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, before);
  try {
    Y.applyUpdate(copy, update);
    return false;
  } catch {
    return Buffer.from(Y.encodeStateAsUpdate(copy)).equals(Buffer.from(before));
  }
}

describe('the notes of a plain update', () => {
  it('[HOT-6] give the decoded check’s verdict, on honest, out-of-order and corrupted updates', () => {
    console.log(`update notes: seed ${SEED} (UPDATE_NOTES_SEED=${SEED} to replay)`);
    const random = new Random(SEED);
    const tally = { checked: 0, plain: 0, applied: 0, refused: 0, differently: 0 };
    for (let round = 0; round < 6; round++) {
      // A third of the rounds create types (their updates are checked decoded).
      const { updates, docs } = honestUpdates(random, 150, round % 3 === 0);
      let server = new Y.Doc();
      // Half the rounds lose no update: their honest updates all integrate.
      const lossOneIn = round % 2 === 0 ? 0 : 25;
      const corruptOneIn = 1 + random.int(8);
      /** Checks `update` both ways, compares the verdicts, applies it when accepted. */
      const offer = (update: Uint8Array, honest: boolean) => {
        const noted = updateProblem(server, update, DEPTH);
        // The check as it was: the skim, then the update decoded.
        const decoded = skimUpdate(update) ?? decodedUpdateProblem(server, update, DEPTH);
        tally.checked += 1;
        if (isPlain(update)) tally.plain += 1;
        if (noted !== decoded) {
          // Honest updates get the same verdict. A corrupted one may be refused for another
          // reason (the notes read strings the skim skipped), or pass the notes with text lib0
          // cannot decode, on which Yjs then throws, changing nothing.
          expect({ honest, noted, decoded, seed: SEED }).toMatchObject({ honest: false, seed: SEED });
          if (noted === null) {
            expect(decoded).toBe('undecodable');
            expect(throwsWithoutChange(server, update)).toBe(true);
          } else expect(decoded).not.toBeNull();
          tally.differently += 1;
        } else if (noted === null) {
          Y.applyUpdate(server, update);
          tally.applied += 1;
        } else tally.refused += 1;
      };
      for (const honest of updates) {
        // Some updates never reach the server: later ones then miss what they build on.
        if (lossOneIn > 0 && random.int(lossOneIn) === 0) continue;
        // A corrupted copy first, then the update itself (a client's resync sends it again).
        if (random.int(corruptOneIn) === 0) offer(corrupted(random, honest), false);
        offer(honest, true);
      }
      // Many structs per client, strings of every width among them, referenced by the others':
      // what the server lacks, then the whole document to an empty one.
      const writer = random.pick(docs);
      offer(Y.encodeStateAsUpdate(writer, Y.encodeStateVector(server)), true);
      server = new Y.Doc();
      offer(Y.encodeStateAsUpdate(writer), true);
      expect(server.getText('t').toString()).toBe(writer.getText('t').toString());
    }
    console.log(`[HOT-6] ${JSON.stringify(tally)}`);
    // The comparison meant something: most updates took the notes' path, many integrated, many
    // were refused.
    expect(tally.plain).toBeGreaterThan(tally.checked / 2);
    expect(tally.applied).toBeGreaterThan(100);
    expect(tally.refused).toBeGreaterThan(50);
  });
});

describe('lengths of text in the notes', () => {
  it('[HOT-6] a string’s length is counted in UTF-16 units, as Yjs counts it, whatever its characters', () => {
    for (const word of [...WORDS, 'a😀😀', '\u{10FFFF}', 'é😀市']) {
      // A writes the word then 'x'; B writes after A's last unit and deletes it: the whole
      // document references the end of A's clocks twice.
      const a = new Y.Doc();
      const b = new Y.Doc();
      a.getText('t').insert(0, `${word}x`);
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
      const text = b.getText('t');
      text.insert(text.length, 'y');
      text.delete(text.length - 2, 1);
      const whole = Y.encodeStateAsUpdate(b);
      const server = new Y.Doc();
      expect({ word, verdict: updateProblem(server, whole, DEPTH) }).toEqual({ word, verdict: null });
      Y.applyUpdate(server, whole);
      expect(server.getText('t').toString()).toBe(`${word}y`);
    }
  });
});

describe('text that is not UTF-8', () => {
  it('[HOT-6] a string lib0 would refuse (overlong, surrogate, beyond U+10FFFF, stray or cut bytes) is refused as the decoded check refuses it', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'abcd');
    const update = Y.encodeStateAsUpdate(doc);
    const at = Buffer.from(update).indexOf('abcd');
    const cases: Array<[number[], 'undecodable' | null]> = [
      [[0xe0, 0x80, 0x80, 0x61], 'undecodable'], // overlong
      [[0xc0, 0xaf, 0x61, 0x62], 'undecodable'], // overlong '/'
      [[0xed, 0xa0, 0x80, 0x61], 'undecodable'], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], 'undecodable'], // beyond U+10FFFF
      [[0xf8, 0x88, 0x80, 0x80], 'undecodable'], // no such lead byte
      [[0x80, 0x61, 0x62, 0x63], 'undecodable'], // a stray continuation byte
      [[0x61, 0x62, 0x63, 0xe2], 'undecodable'], // cut short
      [[0xf0, 0x9f, 0x98, 0x80], null], // 😀
      [[0xef, 0xbb, 0xbf, 0x61], null], // a BOM, kept
      [[0xf4, 0x8f, 0xbf, 0xbf], null], // U+10FFFF
    ];
    for (const [bytes, expected] of cases) {
      const variant = Uint8Array.from(update);
      variant.set(bytes, at);
      const server = new Y.Doc();
      const decoded = skimUpdate(variant) ?? decodedUpdateProblem(server, variant, DEPTH);
      expect({ bytes, noted: updateProblem(server, variant, DEPTH), decoded }).toEqual({
        bytes,
        noted: expected,
        decoded: expected,
      });
    }
  });
});

type CraftedStruct = { info: number; origin?: [number, number]; parent?: string; content: string };

/** A v1 update written by hand: sections of one client's structs (strings only), no deletions. */
function crafted(sections: Array<{ client: number; clock: number; structs: CraftedStruct[] }>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, sections.length);
  for (const section of sections) {
    encoding.writeVarUint(e, section.structs.length);
    encoding.writeVarUint(e, section.client);
    encoding.writeVarUint(e, section.clock);
    for (const struct of section.structs) {
      encoding.writeUint8(e, struct.info);
      if (struct.origin) {
        encoding.writeVarUint(e, struct.origin[0]);
        encoding.writeVarUint(e, struct.origin[1]);
      } else {
        encoding.writeVarUint(e, 1);
        encoding.writeVarString(e, struct.parent ?? 't');
      }
      encoding.writeVarString(e, struct.content);
    }
  }
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}
const STRING = 4;
const STRING_AFTER_ORIGIN = 4 | 128;

describe('hostile shapes (review of [HOT-6])', () => {
  it('[HOT-6] an update naming root types, with text lib0 cannot read further on, is refused without making a root', () => {
    // 2,000 deleted structs each in a root of its own, then a JSON that does not parse.
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 2001);
    encoding.writeVarUint(e, 4242);
    encoding.writeVarUint(e, 0);
    for (let i = 0; i < 2000; i++) {
      encoding.writeUint8(e, 1); // ContentDeleted, parent written
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, `r${i}`);
      encoding.writeVarUint(e, 1);
    }
    encoding.writeUint8(e, 2); // ContentJSON
    encoding.writeVarUint(e, 1);
    encoding.writeVarString(e, 'z');
    encoding.writeVarUint(e, 1);
    encoding.writeVarString(e, '{');
    encoding.writeVarUint(e, 0);
    const doc = new Y.Doc();
    expect(updateProblem(doc, encoding.toUint8Array(e), DEPTH)).toBe('undecodable');
    expect(doc.share.size).toBe(0);
  });

  it('[HOT-6] an update naming one client in two sections is refused (Yjs would keep the second only)', () => {
    const update = crafted([
      { client: 7, clock: 0, structs: [{ info: STRING, content: 'abc' }] },
      { client: 7, clock: 3, structs: [{ info: STRING_AFTER_ORIGIN, origin: [7, 2], content: 'def' }] },
    ]);
    expect(skimUpdate(update)).toBe('undecodable');
    expect(updateProblem(new Y.Doc(), update, DEPTH)).toBe('undecodable');
    // 40 sections, the last repeating the first: the many-sections path.
    const many = crafted(
      Array.from({ length: 40 }, (_, i) => ({
        client: i === 39 ? 100 : 100 + i,
        clock: 0,
        structs: [{ info: STRING, content: 'x' }],
      })),
    );
    expect(skimUpdate(many)).toBe('undecodable');
  });

  it('[HOT-3] section ids above 2^31 and beyond 2^32: the same id twice is refused, ids that differ (even by 2^32) are not', () => {
    // Ids above 2^31 (compared by their int32 image when not noting) and beyond 2^32 (whole):
    // the same id twice is refused; ids that differ, even by 2^32, are not.
    for (const [a, b, verdict] of [
      [2 ** 32 - 7, 2 ** 32 - 7, 'undecodable'],
      [2 ** 31 + 1, 2 ** 31 + 2, null],
      [2 ** 40 + 3, 2 ** 40 + 3, 'undecodable'],
      [5, 2 ** 32 + 5, null],
      [2 ** 31 + 5, 2 ** 32 + 2 ** 31 + 5, null],
    ] as const) {
      const sections = crafted([
        { client: a, clock: 0, structs: [{ info: STRING, content: 'abc' }] },
        { client: b, clock: 0, structs: [{ info: STRING, content: 'def' }] },
      ]);
      expect(skimUpdate(sections), `${a} then ${b}`).toBe(verdict);
      expect(skimUpdate(sections, true), `${a} then ${b}, noting`).toBe(verdict);
    }
  });

  it('[HOT-6] an item referring to a struct of its own client that is not older is refused, on both paths', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    // Plain (checked from the notes): an item whose origin is itself.
    const self = crafted([
      { client: 5, clock: 0, structs: [{ info: STRING_AFTER_ORIGIN, origin: [5, 0], content: 'Z' }] },
    ]);
    expect(updateProblem(doc, self, DEPTH)).toBe('missing-dependency');
    // Not plain (a root named: decoded): an origin two structs ahead.
    const ahead = crafted([
      {
        client: 5,
        clock: 0,
        structs: [
          { info: STRING, content: 'A' },
          { info: STRING_AFTER_ORIGIN, origin: [5, 2], content: 'B' },
          { info: STRING, content: 'C' },
        ],
      },
    ]);
    expect(updateProblem(doc, ahead, DEPTH)).toBe('missing-dependency');
    expect(doc.getText('t').toString()).toBe('hello');
  });

  it('[HOT-6] past NOTES_MAX structs the update is checked decoded: a gap at its end is seen', () => {
    const a = new Y.Doc();
    a.clientID = 1000;
    a.getArray('a').insert(0, ['first']);
    // The server has the array's first item: what follows names no root (plain, from the notes).
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a));
    const known = Y.encodeStateVector(a);
    // 5,000 items that do not merge (each inserted before the previous one).
    for (let i = 0; i < 5000; i++) a.getArray('a').insert(0, [i]);
    const b = new Y.Doc();
    b.clientID = 10;
    b.getText('t').insert(0, 'x');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const bKnown = Y.encodeStateVector(b);
    b.getText('t').insert(1, 'y');
    // Client 10 from clock 1: the server never got its clock 0.
    const update = Y.mergeUpdates([Y.encodeStateAsUpdate(a, known), Y.encodeStateAsUpdate(b, bKnown)]);
    expect(Y.decodeUpdate(update).structs.length).toBeGreaterThan(4096);
    expect(updateProblem(server, update, DEPTH)).toBe('clock-gap');
  });

  it('[HOT-6] a map value set anew through its origin may not delete a type stored deeper than the bound', () => {
    // A map nested 13 deep, stored before the bound (8 here) existed.
    const a = new Y.Doc();
    let current = new Y.Map<unknown>();
    a.getMap('m').set('k', current);
    for (let i = 0; i < 12; i++) {
      const next = new Y.Map<unknown>();
      current.set('c', next);
      current = next;
    }
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a));
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const before = Y.encodeStateVector(b);
    b.getMap('m').set('k', 'plat');
    // The new value without the delete set: placed after the old one, it still deletes it.
    const replace = Y.encodeStateAsUpdate(b, before);
    const decoded = Y.decodeUpdate(replace);
    expect(decoded.structs.length).toBe(1);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, decoded.ds.clients.size);
    for (const [client, ranges] of decoded.ds.clients) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, ranges.length);
      for (const range of ranges) {
        encoding.writeVarUint(e, range.clock);
        encoding.writeVarUint(e, range.len);
      }
    }
    const ds = encoding.toUint8Array(e);
    expect(Buffer.from(replace.subarray(replace.length - ds.length)).equals(Buffer.from(ds))).toBe(true);
    const withoutDs = Uint8Array.from([...replace.subarray(0, replace.length - ds.length), 0]);
    expect(Y.decodeUpdate(withoutDs).ds.clients.size).toBe(0);
    expect(updateProblem(server, withoutDs, 8)).toBe('too-deep');
    expect(decodedUpdateProblem(server, withoutDs, 8)).toBe('too-deep');
  });
});

describe('a client holding structs it could not integrate', () => {
  it('[HOS-5] the Skip Yjs writes for its gap is accepted over what the server has, a gap over what it lacks', () => {
    // A writes 'a', 'b', 'c' (three updates); the client got the first and the third only.
    const a = new Y.Doc();
    const updates: Uint8Array[] = [];
    a.on('update', (update: Uint8Array) => updates.push(update));
    for (const letter of ['a', 'b', 'c']) a.getText('t').insert(a.getText('t').length, letter);
    const client = new Y.Doc();
    Y.applyUpdate(client, updates[0]!);
    Y.applyUpdate(client, updates[2]!); // pending: it needs 'b'
    const sent = Y.encodeStateAsUpdate(client); // 'a', a Skip over 'b', 'c'
    expect(Y.decodeUpdate(sent).structs.some((s) => s instanceof Y.Skip)).toBe(true);
    const full = new Y.Doc();
    Y.applyUpdate(full, Y.encodeStateAsUpdate(a));
    expect(updateProblem(full, sent, DEPTH)).toBeNull();
    expect(decodedUpdateProblem(full, sent, DEPTH)).toBeNull();
    const partial = new Y.Doc();
    Y.applyUpdate(partial, updates[0]!);
    expect(updateProblem(partial, sent, DEPTH)).toBe('clock-gap');
    expect(decodedUpdateProblem(partial, sent, DEPTH)).toBe('clock-gap');
    Y.applyUpdate(full, sent);
    expect(full.store.pendingStructs).toBeNull();
    expect(full.getText('t').toString()).toBe('abc');
  });
});
