/**
 * Checks a client's Yjs update before the room applies it. Yjs accepts updates that can never
 * integrate (a struct whose clock leaves a gap, an origin or parent that does not exist, a
 * deletion beyond anything known): it keeps them as "pending" forever, in memory and — through
 * encodeStateAsUpdate — in every later snapshot. Crafted updates of that kind (see yjs issue
 * #687 and its relatives) would grow a room without bound or poison its stored state. The
 * room never applies such an update: undecodable or absurd ones close the connection with
 * CLOSE.MALFORMED; ones that merely do not integrate *yet* are dropped and the client asked to
 * resync (Room.applyClientUpdate).
 */
import * as Y from 'yjs';

/** Largest length of one struct (a run of characters, a deleted range…). */
export const MAX_STRUCT_LENGTH = 16 * 1024 * 1024;

export type UpdateProblem =
  | 'undecodable'
  | 'skip-struct'
  | 'struct-too-long'
  | 'clock-gap'
  | 'missing-dependency'
  | 'delete-beyond-state';

/** Null when the update integrates fully into `doc`, else the reason it would not. */
export function updateProblem(doc: Y.Doc, update: Uint8Array): UpdateProblem | null {
  let decoded: {
    structs: Array<Y.Item | Y.GC | Y.Skip>;
    ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
  };
  try {
    decoded = Y.decodeUpdate(update) as unknown as typeof decoded;
  } catch {
    return 'undecodable';
  }
  const known = Y.decodeStateVector(Y.encodeStateVector(doc));
  const reach = new Map(known);
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) return 'skip-struct';
    if (!(struct.length > 0) || struct.length > MAX_STRUCT_LENGTH) return 'struct-too-long';
    const { client, clock } = struct.id;
    const end = reach.get(client) ?? 0;
    // Structs of one client come in clock order; each must start where what is known ends.
    if (clock > end) return 'clock-gap';
    reach.set(client, Math.max(end, clock + struct.length));
  }
  const exists = (id: Y.ID | null): boolean => id === null || id.clock < (reach.get(id.client) ?? 0);
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (!exists(struct.origin) || !exists(struct.rightOrigin)) return 'missing-dependency';
    const parent = struct.parent as unknown;
    if (parent instanceof Y.ID && !exists(parent)) return 'missing-dependency';
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const end = reach.get(client) ?? 0;
    for (const range of ranges) {
      if (!(range.len > 0) || range.len > MAX_STRUCT_LENGTH || range.clock + range.len > end) {
        return 'delete-beyond-state';
      }
    }
  }
  return null;
}
