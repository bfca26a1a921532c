/**
 * What the fuzz checks. Definitions:
 * - converged: two docs hold the same content (canonical JSON of the roots, map keys sorted,
 *   text as deltas) and the same state (each one's snapshot — state vector and delete set —
 *   covers the other's, site/syncProtocol.isCoveredBy).
 * - acknowledged ⇒ stored: every durable state a client received in a persisted-ack, and every
 *   local state such an ack covered, is covered by the state of a doc loaded afresh from the
 *   store.
 * - nothing stored twice: across all the rows the store holds for a room, no two structs
 *   (Items or GCs; Skips are not content) share an ID, i.e. the [clock, clock + length)
 *   ranges of each client are pairwise disjoint — and no two delete-set ranges overlap. Each
 *   Yjs insertion and each deletion is written once, whatever retries, restarts and resyncs
 *   happened. The stored rows also integrate whole (no pending structs or deletions).
 */
import * as Y from 'yjs';
import { encodeDocState, isCoveredBy } from '../../../site/syncProtocol';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function docContent(doc: Y.Doc): string {
  return JSON.stringify(
    canonical({
      t: doc.getText('t').toDelta(),
      m: doc.getMap('m').toJSON(),
      a: doc.getArray('a').toJSON(),
    }),
  );
}

/** Null when both docs converged, else what differs. */
export function divergence(a: Y.Doc, b: Y.Doc): string | null {
  const stateA = encodeDocState(a);
  const stateB = encodeDocState(b);
  if (!isCoveredBy(stateA, stateB) || !isCoveredBy(stateB, stateA)) return 'states differ';
  const contentA = docContent(a);
  const contentB = docContent(b);
  if (contentA !== contentB) return `content differs:\n  ${contentA}\n  ${contentB}`;
  return null;
}

export function docFromRows(rows: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const row of rows) Y.applyUpdate(doc, row);
  });
  return doc;
}

/** Null when the rows store each struct and each deletion once and integrate whole. */
export function storedTwice(rows: Uint8Array[]): string | null {
  const structs = new Map<number, Array<[number, number]>>();
  const deletions = new Map<number, Array<[number, number]>>();
  const add = (into: Map<number, Array<[number, number]>>, client: number, clock: number, len: number) => {
    let list = into.get(client);
    if (!list) into.set(client, (list = []));
    list.push([clock, clock + len]);
  };
  for (const row of rows) {
    const decoded = Y.decodeUpdate(row);
    for (const struct of decoded.structs) {
      if (struct instanceof Y.Skip) continue;
      add(structs, struct.id.client, struct.id.clock, struct.length);
    }
    for (const [client, ranges] of decoded.ds.clients) {
      for (const range of ranges) add(deletions, client, range.clock, range.len);
    }
  }
  for (const [what, map] of [
    ['struct', structs],
    ['deletion', deletions],
  ] as const) {
    for (const [client, list] of map) {
      list.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < list.length; i++) {
        if (list[i]![0] < list[i - 1]![1]) {
          return `${what} of client ${client} stored twice: [${list[i - 1]!.join(', ')}) and [${list[i]!.join(', ')})`;
        }
      }
    }
  }
  const doc = docFromRows(rows);
  const pending = doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
  doc.destroy();
  return pending ? 'stored rows do not integrate (pending structs or deletions)' : null;
}
