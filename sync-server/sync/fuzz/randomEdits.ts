/**
 * Random edits of a fuzz client's doc: Y.Text inserts, deletes and formats, Y.Map sets and
 * deletes, Y.Array inserts and deletes, nested types up to MAX_NESTING levels (within every
 * room's type-depth bound, see updateGuard.maxTypeDepthOf).
 */
import * as Y from 'yjs';
import type { Random } from './Random';

/** Nested types go at most this deep below a root type (the site manifest allows 4). */
export const MAX_NESTING = 3;
const KEYS = ['titre', 'corps', 'date', 'lien', 'ordre', 'x'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzéèçà ,.ABCDE0123456789';

interface Target {
  type: Y.Text | Y.Map<unknown> | Y.Array<unknown>;
  depth: number;
}

function randomString(random: Random, maxLength: number): string {
  let text = '';
  const length = random.between(1, maxLength);
  for (let i = 0; i < length; i++) text += ALPHABET[random.int(ALPHABET.length)];
  return text;
}

function randomPrimitive(random: Random): unknown {
  switch (random.int(5)) {
    case 0:
      return random.int(1000);
    case 1:
      return random.chance(0.5);
    case 2:
      return null;
    case 3:
      return { n: random.int(10), s: randomString(random, 4) };
    default:
      return randomString(random, 12);
  }
}

function randomValue(random: Random, depth: number): unknown {
  if (depth >= MAX_NESTING || random.chance(0.6)) return randomPrimitive(random);
  const kind = random.int(3);
  if (kind === 0) {
    const text = new Y.Text();
    text.insert(0, randomString(random, 8));
    return text;
  }
  if (kind === 1) {
    const map = new Y.Map<unknown>();
    map.set(random.pick(KEYS), randomPrimitive(random));
    return map;
  }
  const array = new Y.Array<unknown>();
  array.insert(0, [randomPrimitive(random)]);
  return array;
}

/** The doc's types reachable from its roots, at most `limit` of them. */
function targets(doc: Y.Doc, limit = 40): Target[] {
  const found: Target[] = [
    { type: doc.getText('t'), depth: 0 },
    { type: doc.getMap('m'), depth: 0 },
    { type: doc.getArray('a'), depth: 0 },
  ];
  for (let i = 0; i < found.length && found.length < limit; i++) {
    const { type, depth } = found[i]!;
    const children =
      type instanceof Y.Map ? [...type.values()] : type instanceof Y.Array ? type.toArray() : [];
    for (const child of children) {
      if (child instanceof Y.Text || child instanceof Y.Map || child instanceof Y.Array) {
        found.push({ type: child as Target['type'], depth: depth + 1 });
      }
    }
  }
  return found;
}

function editText(text: Y.Text, random: Random): void {
  const length = text.length;
  const roll = random.int(10);
  if (roll < 5 || length === 0) {
    text.insert(random.int(length + 1), randomString(random, random.chance(0.1) ? 40 : 6));
  } else if (roll < 9) {
    const at = random.int(length);
    text.delete(at, random.between(1, Math.min(length - at, 10)));
  } else {
    const at = random.int(length);
    text.format(at, random.between(1, length - at), { bold: random.chance(0.5) ? true : null });
  }
}

function editMap(map: Y.Map<unknown>, depth: number, random: Random): void {
  const key = random.pick(KEYS);
  if (map.has(key) && random.chance(0.25)) map.delete(key);
  else map.set(key, randomValue(random, depth));
}

function editArray(array: Y.Array<unknown>, depth: number, random: Random): void {
  const length = array.length;
  if (length > 0 && random.chance(0.35)) {
    const at = random.int(length);
    array.delete(at, random.between(1, Math.min(length - at, 3)));
  } else {
    array.insert(random.int(length + 1), [randomValue(random, depth)]);
  }
}

/** One local transaction of one to four edits. */
export function randomEdit(doc: Y.Doc, random: Random): void {
  doc.transact(() => {
    const count = random.chance(0.2) ? random.between(2, 4) : 1;
    for (let i = 0; i < count; i++) {
      const { type, depth } = random.pick(targets(doc));
      if (type instanceof Y.Text) editText(type, random);
      else if (type instanceof Y.Map) editMap(type, depth, random);
      else editArray(type, depth, random);
    }
  });
}
