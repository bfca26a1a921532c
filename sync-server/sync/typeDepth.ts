/**
 * How deep the types of a decoded Yjs update would nest once integrated into a doc — before
 * it is applied. An update does not carry depths: each item names its parent (a root type's
 * name, or the id of the item holding the parent type), or names none and sits beside its
 * origin (then its parent is the origin's). Depths are resolved through those references,
 * into the update itself or into the doc, without recursion and with memoisation: linear in
 * the update's structs, plus at most `maxDepth + 1` steps up the doc per reference into it.
 */
import * as Y from 'yjs';
import { type AnyYType, nestedTypeDepth } from '../../site/siteDoc';
import type { UpdateProblem } from './updateGuard';

type DecodedStruct = Y.Item | Y.GC | Y.Skip;

/** The update's items of each client, in clock order, for lookups by id. */
function indexByClient(structs: DecodedStruct[]): Map<number, Y.Item[]> {
  const byClient = new Map<number, Y.Item[]>();
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const list = byClient.get(struct.id.client) ?? [];
    list.push(struct);
    byClient.set(struct.id.client, list);
  }
  for (const list of byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  return byClient;
}

function findIn(list: Y.Item[] | undefined, clock: number): Y.Item | undefined {
  if (!list) return undefined;
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const item = list[mid]!;
    if (clock < item.id.clock) high = mid - 1;
    else if (clock >= item.id.clock + item.length) low = mid + 1;
    else return item;
  }
  return undefined;
}

/** Depth of a type of the doc (a root type: 0), counting at most `cap + 1` levels. */
export function docTypeDepth(type: Y.AbstractType<unknown> | null, cap: number): number {
  let depth = 0;
  for (let t = type; t?._item; t = t._item.parent as Y.AbstractType<unknown> | null) {
    if (++depth > cap) break;
  }
  return depth;
}

/** The doc's struct holding `id`, or null (unknown, or not an Item). */
function docItem(doc: Y.Doc, id: Y.ID): Y.Item | null {
  try {
    const struct = Y.getItem(doc.store, id) as unknown;
    return struct instanceof Y.Item ? struct : null;
  } catch {
    return null;
  }
}

/**
 * 'too-deep' when a type the update creates would sit deeper than `maxDepth` (a type created
 * in a root type is at depth 1), null otherwise. References that resolve nowhere count as
 * depth 0 here: the existence checks of updateProblem deal with them.
 */
export function typeDepthProblem(
  doc: Y.Doc,
  structs: DecodedStruct[],
  maxDepth: number,
): UpdateProblem | null {
  if (!structs.some((s) => s instanceof Y.Item && s.content instanceof Y.ContentType)) return null;
  const byClient = indexByClient(structs);
  const inUpdate = (id: Y.ID | null) => (id ? findIn(byClient.get(id.client), id.clock) : undefined);
  /** Depth of the type each update item sits in. */
  const containerDepth = new Map<Y.Item, number>();
  const cap = maxDepth + 1;

  const resolve = (start: Y.Item): number | 'cycle' => {
    // Walk the references up to an item whose depth is known, noting each step (+1 when the
    // next item holds this one's parent type, 0 when it is a sibling); then unwind.
    const chain: Array<{ item: Y.Item; step: number }> = [];
    const seen = new Set<Y.Item>();
    let item = start;
    let base = 0;
    let levels = 0;
    for (;;) {
      const known = containerDepth.get(item);
      if (known !== undefined) {
        base = known;
        break;
      }
      if (seen.has(item)) return 'cycle';
      seen.add(item);
      const parent = item.parent as unknown;
      let next: Y.Item | undefined;
      let step = 0;
      if (typeof parent === 'string') {
        base = 0; // in a root type
      } else if (parent instanceof Y.ID) {
        next = inUpdate(parent);
        step = 1;
        if (!next) {
          const held = docItem(doc, parent);
          base = held?.content instanceof Y.ContentType ? docTypeDepth(held.content.type, cap) : 0;
        }
      } else {
        // No parent written: it sits beside its origin, in the origin's parent.
        const neighbour = item.origin ?? item.rightOrigin;
        next = inUpdate(neighbour);
        if (!next) {
          const held = neighbour ? docItem(doc, neighbour) : null;
          base = held ? docTypeDepth(held.parent as Y.AbstractType<unknown> | null, cap) : 0;
        }
      }
      if (next) {
        // At least this many levels already: deeper than allowed, no need to go on.
        if ((levels += step) > maxDepth) return cap;
        chain.push({ item, step });
        item = next;
        continue;
      }
      containerDepth.set(item, base);
      break;
    }
    let depth = base;
    for (let i = chain.length - 1; i >= 0; i--) {
      depth = Math.min(depth + chain[i]!.step, cap);
      containerDepth.set(chain[i]!.item, depth);
    }
    return containerDepth.get(start)!;
  };

  for (const struct of structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentType)) continue;
    const depth = resolve(struct);
    if (depth === 'cycle') return 'missing-dependency';
    if (depth + 1 > maxDepth) return 'too-deep';
  }
  return null;
}

/** Depth of the deepest type under (and including) `type`, counting at most to `cap + 1`. */
function reachOf(type: AnyYType, cap: number): number {
  const own = docTypeDepth(type, cap);
  return own > cap ? own : own + nestedTypeDepth(type, cap - own);
}

/**
 * 'too-deep' when the update would delete a type of the doc whose subtree reaches deeper than
 * `maxDepth` — only possible for data stored before the guard bounded depth, or restored.
 * Yjs deletes and garbage-collects such a subtree recursively: applying the update would
 * overflow the stack halfway, leaving the doc half changed. Those pages are repaired by the
 * administrator (pageRepair.ts), which deletes them deepest first. Deletions come from the
 * update's delete set, and from a map key it sets anew (the previous value is deleted).
 */
export function deletionDepthProblem(
  doc: Y.Doc,
  structs: DecodedStruct[],
  ds: { clients: Map<number, Array<{ clock: number; len: number }>> },
  maxDepth: number,
): UpdateProblem | null {
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      if (rangeDeletesTooDeep(doc, client, range.clock, range.len, maxDepth)) return 'too-deep';
    }
  }
  for (const struct of structs) {
    // A map value set anew through its origin (the current value) deletes that value.
    if (struct instanceof Y.Item && struct.parentSub === null && struct.origin) {
      const replaced = replacedMapValue(doc, struct.origin);
      if (tooDeep(replaced, maxDepth)) return 'too-deep';
    }
    if (!(struct instanceof Y.Item) || struct.parentSub === null) continue;
    const parent = struct.parent as unknown;
    let type: AnyYType | null = null;
    if (typeof parent === 'string') type = (doc.share.get(parent) as AnyYType | undefined) ?? null;
    else if (parent instanceof Y.ID) {
      const holder = docItem(doc, parent);
      type = holder?.content instanceof Y.ContentType ? holder.content.type : null;
    }
    if (type && tooDeep(type._map.get(struct.parentSub), maxDepth)) return 'too-deep';
  }
  return null;
}

/**
 * The doc's current value of the map key whose entry `origin` is, when `origin` is a map entry
 * of the doc (an item placed after it takes that key and deletes its value), else null.
 */
export function replacedMapValue(doc: Y.Doc, origin: Y.ID): Y.Item | null {
  const entry = docItem(doc, origin);
  if (!entry || entry.parentSub === null) return null;
  const map = entry.parent as AnyYType | null;
  return map?._map.get(entry.parentSub) ?? null;
}

/** A live type of the doc whose subtree reaches deeper than `maxDepth`. */
export function tooDeep(item: Y.Item | null | undefined, maxDepth: number): boolean {
  return (
    !!item &&
    !item.deleted &&
    item.content instanceof Y.ContentType &&
    reachOf(item.content.type, maxDepth) > maxDepth
  );
}

/** Whether deleting `len` clocks of `client` from `clock` on deletes a type too deep (above). */
export function rangeDeletesTooDeep(
  doc: Y.Doc,
  client: number,
  clock: number,
  len: number,
  maxDepth: number,
): boolean {
  const structsOfClient = doc.store.clients.get(client);
  if (!structsOfClient) return false;
  let index: number;
  try {
    index = Y.findIndexSS(structsOfClient, clock);
  } catch {
    return false;
  }
  for (; index < structsOfClient.length; index++) {
    const struct = structsOfClient[index]!;
    if (struct.id.clock >= clock + len) break;
    if (struct instanceof Y.Item && tooDeep(struct, maxDepth)) return true;
  }
  return false;
}
