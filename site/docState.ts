/**
 * The doc's encoded Yjs snapshot — its delete set, then its state vector, as
 * `Y.encodeSnapshot(Y.snapshot(doc))` writes them (V1 encoding) — written straight from the
 * doc's struct store. Yjs builds a DeleteSet (an array of DeleteItem per client), a state
 * vector Map and a sorted array of entries for each, only to write them out: the server
 * encodes this once per commit of every room, and those objects were a tenth of what its main
 * thread allocated under load. The bytes are the same (checked against Yjs on random
 * documents: docState.test.ts).
 */
import * as encoding from 'lib0/encoding';
import type * as Y from 'yjs';

/** What the store holds of one client: its structs, in clock order (Yjs's StructStore). */
interface Struct {
  readonly id: { readonly clock: number };
  readonly length: number;
  readonly deleted: boolean;
}

// Reused between calls (the function is synchronous and calls nothing that could re-enter it).
/** The clients' ids, sorted in a typed array: no comparator called, no work array (as Array#sort). */
let clientIds = new Float64Array(64);
const KEPT_CLIENT_IDS = 4096;
/** The deleted ranges of every client, as clock, length pairs, and each client's [from, to). */
const ranges: number[] = [];
const bounds: number[] = [];
/** The encoder, its buffer kept between calls unless a large document grew it past this. */
const KEPT_ENCODER_BYTES = 64 * 1024;
let encoder = encoding.createEncoder();

export function encodeDocState(doc: Y.Doc): Uint8Array {
  const clients = doc.store.clients as Map<number, Struct[]>;
  const count = clients.size;
  if (clientIds.length < count) clientIds = new Float64Array(Math.max(count, clientIds.length * 2));
  let n = 0;
  for (const client of clients.keys()) clientIds[n++] = client;
  // Ascending here, read from the end: Yjs writes both lists by decreasing client id.
  clientIds.subarray(0, count).sort();
  // Empty after every call (release), unless one threw midway.
  ranges.length = 0;
  bounds.length = 0;
  let deleting = 0;
  for (let c = count - 1; c >= 0; c--) {
    const from = ranges.length;
    collectDeleted(clients.get(clientIds[c]!)!);
    bounds.push(from, ranges.length);
    if (ranges.length > from) deleting += 1;
  }
  encoder.cpos = 0;
  encoder.bufs.length = 0;
  encoding.writeVarUint(encoder, deleting);
  for (let c = count - 1, b = 0; c >= 0; c--, b += 2) {
    const from = bounds[b]!;
    const to = bounds[b + 1]!;
    if (from === to) continue;
    encoding.writeVarUint(encoder, clientIds[c]!);
    encoding.writeVarUint(encoder, (to - from) / 2);
    for (let k = from; k < to; k++) encoding.writeVarUint(encoder, ranges[k]!);
  }
  encoding.writeVarUint(encoder, count);
  for (let c = count - 1; c >= 0; c--) {
    const structs = clients.get(clientIds[c]!)!;
    const last = structs[structs.length - 1]!;
    encoding.writeVarUint(encoder, clientIds[c]!);
    encoding.writeVarUint(encoder, last.id.clock + last.length);
  }
  const state = encoding.toUint8Array(encoder);
  release();
  return state;
}

/** Keeps between calls no more than a small document needs. */
function release(): void {
  encoder.bufs.length = 0;
  if (encoder.cbuf.length > KEPT_ENCODER_BYTES) encoder = encoding.createEncoder();
  if (clientIds.length > KEPT_CLIENT_IDS) clientIds = new Float64Array(64);
  ranges.length = 0;
  bounds.length = 0;
}

/** Appends a client's deleted ranges, adjacent deleted structs merged (as Yjs merges them). */
function collectDeleted(structs: readonly Struct[]): void {
  for (let i = 0; i < structs.length; i++) {
    const struct = structs[i]!;
    if (!struct.deleted) continue;
    let length = struct.length;
    while (i + 1 < structs.length && structs[i + 1]!.deleted) length += structs[++i]!.length;
    ranges.push(struct.id.clock, length);
  }
}
