/**
 * Checks a client's Yjs update before the room applies it. Two layers:
 *
 * 1. `skimUpdate` walks the update's bytes (Yjs v1 encoding) **without building anything**,
 *    before Yjs decodes it. It answers yjs issue #687 ("run-length encoding can be exploited to
 *    lock JS threads"): a few crafted bytes can announce billions of structs, strings or
 *    entries, and Yjs' decoders trust those counts (infinite loops in `mergeUpdates`, arrays
 *    sized by the attacker, millions of objects from a few megabytes: 1 M one-byte GC structs
 *    = 2 MB on the wire, ~100 MB of heap and ~1.3 s of blocked event loop once decoded and
 *    applied). The skim refuses any count larger than the bytes left could hold, lengths
 *    beyond the message (lib0 silently truncates them), more than MAX_UPDATE_ELEMENTS structs +
 *    entries + deleted ranges in one update, subdocuments (each one a whole Y.Doc; the editor
 *    never makes them), unknown struct or content kinds, and trailing bytes (a v2 update or any
 *    other garbage read as v1 leaves some).
 * 2. `updateProblem` then decodes it and checks it integrates. Yjs accepts updates that can
 *    never integrate (a struct whose clock leaves a gap, an origin or parent that does not
 *    exist, a deletion beyond anything known): it keeps them as "pending" forever, in memory
 *    and — through encodeStateAsUpdate — in every later snapshot. The room never applies such
 *    an update: undecodable or absurd ones close the connection with CLOSE.MALFORMED; ones that
 *    merely do not integrate *yet* are dropped and the client asked to resync
 *    (Room.applyClientUpdate).
 *
 * The store only ever receives updates Yjs re-encoded (the doc's `update` event), so a crafted
 * byte sequence never reaches compaction (`Y.mergeUpdates`, which #687 can hang).
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { MANIFEST_MAX_TYPE_DEPTH, MAX_VALUE_DEPTH, PAGE_BODY_MAX_TYPE_DEPTH } from '../../site/siteDoc';
import { parseRoom } from '../../site/syncProtocol';
import { deletionDepthProblem, typeDepthProblem } from './typeDepth';

/** Largest length of one struct (a run of characters, a deleted range…). */
export const MAX_STRUCT_LENGTH = 16 * 1024 * 1024;

/**
 * Most structs + content entries + deleted ranges in one update. An honest keystroke sends a
 * handful; a whole page sent by a client coming back online, a few thousand. 100,000 bounds
 * what one message can cost (~10 MB of heap, ~0.15 s) whatever its size.
 */
export const MAX_UPDATE_ELEMENTS = 100_000;

export type UpdateProblem =
  | 'undecodable'
  | 'trailing-bytes'
  | 'too-many-elements'
  | 'subdocument'
  | 'skip-struct'
  | 'struct-too-long'
  | 'clock-gap'
  | 'missing-dependency'
  | 'delete-beyond-state'
  | 'too-deep';

/**
 * How deep types may nest in a room's doc (see site/siteDoc.ts): the manifest's schema depth,
 * or the generous bound of a page body.
 */
export function maxTypeDepthOf(room: string): number {
  return parseRoom(room)?.kind === 'site' ? MANIFEST_MAX_TYPE_DEPTH : PAGE_BODY_MAX_TYPE_DEPTH;
}

class Refused extends Error {
  constructor(readonly problem: UpdateProblem) {
    super(problem);
  }
}

/** Yjs content kinds (info & 31), v1 encoding. */
const CONTENT = {
  gc: 0,
  deleted: 1,
  json: 2,
  binary: 3,
  string: 4,
  embed: 5,
  format: 6,
  type: 7,
  any: 8,
  doc: 9,
  skip: 10,
} as const;
/** Type refs of ContentType followed by a key (node or hook name). */
const TYPE_REFS_WITH_KEY = new Set([3, 5]);
const LAST_TYPE_REF = 6;

/**
 * Walks a v1 update without building Yjs structs (only ContentAny values are decoded, linear in
 * their bytes). Null when its shape is sound, else why
 * it is refused. Linear in the update's bytes; never allocates per announced count.
 */
// Long by reason: one pass over the message's bytes on the hot path; split into functions it
// would pass the decoder state around on every struct.
export function skimUpdate(update: Uint8Array): UpdateProblem | null {
  const decoder = decoding.createDecoder(update);
  let elements = 0;
  const left = () => update.length - decoder.pos;
  const count = (n: number, minBytesEach: number): number => {
    // Each announced element needs bytes that are still there: refuse absurd counts before looping.
    if (!Number.isSafeInteger(n) || n < 0 || n * minBytesEach > left()) throw new Refused('undecodable');
    elements += n;
    if (elements > MAX_UPDATE_ELEMENTS) throw new Refused('too-many-elements');
    return n;
  };
  const uint = () => decoding.readVarUint(decoder);
  const id = () => {
    uint(); // client
    uint(); // clock
  };
  const bytes = () => {
    const length = uint();
    if (length > left()) throw new Refused('undecodable');
    decoder.pos += length;
  };
  /** Skips one lib0 `any` value without building it, refusing nesting beyond MAX_VALUE_DEPTH. */
  const any = () => {
    // Open arrays/objects: values each still has to read, and whether a key precedes each.
    const open: Array<{ left: number; keyed: boolean }> = [];
    let first = true;
    while (first || open.length > 0) {
      first = false;
      const frame = open.at(-1);
      if (frame) {
        if (frame.left === 0) {
          open.pop();
          continue;
        }
        frame.left -= 1;
        if (frame.keyed) bytes();
      }
      if (left() < 1) throw new Refused('undecodable');
      const type = decoding.readUint8(decoder);
      let children = 0;
      let keyed = false;
      switch (type) {
        case 127: // undefined
        case 126: // null
        case 121: // false
        case 120: // true
          break;
        case 125: // integer
          decoding.readVarInt(decoder);
          break;
        case 124: // float32
          skip(4);
          break;
        case 123: // float64
        case 122: // bigint64
          skip(8);
          break;
        case 119: // string
        case 116: // Uint8Array
          bytes();
          break;
        case 118: // object
          children = uint();
          keyed = true;
          if (!Number.isSafeInteger(children) || children * 2 > left()) throw new Refused('undecodable');
          break;
        case 117: // array
          children = uint();
          if (!Number.isSafeInteger(children) || children > left()) throw new Refused('undecodable');
          break;
        default:
          throw new Refused('undecodable');
      }
      if (decoder.pos > update.length) throw new Refused('undecodable');
      if (children > 0) {
        if (open.length >= MAX_VALUE_DEPTH) throw new Refused('too-deep');
        open.push({ left: children, keyed });
      }
    }
  };
  const skip = (n: number) => {
    if (n > left()) throw new Refused('undecodable');
    decoder.pos += n;
  };
  /** A JSON text (ContentJSON, ContentEmbed, ContentFormat): nesting bounded like `any`. */
  const json = () => {
    const length = uint();
    if (length > left()) throw new Refused('undecodable');
    if (jsonDepth(update, decoder.pos, decoder.pos + length) > MAX_VALUE_DEPTH) throw new Refused('too-deep');
    decoder.pos += length;
  };
  const length = () => {
    const n = uint();
    if (n <= 0 || n > MAX_STRUCT_LENGTH) throw new Refused('struct-too-long');
  };
  try {
    const clients = count(uint(), 3);
    for (let c = 0; c < clients; c++) {
      const structs = count(uint(), 1);
      uint(); // client
      uint(); // first clock
      for (let s = 0; s < structs; s++) {
        if (left() < 1) throw new Refused('undecodable');
        const info = decoding.readUint8(decoder);
        const kind = info & 31;
        if (kind === CONTENT.skip) throw new Refused('skip-struct');
        if (kind === CONTENT.gc) {
          length();
          continue;
        }
        if (info & 128) id(); // origin
        if (info & 64) id(); // right origin
        if ((info & (128 | 64)) === 0) {
          // Parent: a root type's name, or an item's id.
          if (uint() === 1) bytes();
          else id();
          if (info & 32) bytes(); // key in a map
        }
        switch (kind) {
          case CONTENT.deleted:
            length();
            break;
          case CONTENT.json:
            for (let i = count(uint(), 1); i > 0; i--) json();
            break;
          case CONTENT.binary:
          case CONTENT.string:
            bytes();
            break;
          case CONTENT.embed:
            json();
            break;
          case CONTENT.format:
            bytes();
            json();
            break;
          case CONTENT.type: {
            const ref = uint();
            if (ref > LAST_TYPE_REF) throw new Refused('undecodable');
            if (TYPE_REFS_WITH_KEY.has(ref)) bytes();
            break;
          }
          case CONTENT.any:
            for (let i = count(uint(), 1); i > 0; i--) any();
            break;
          case CONTENT.doc:
            throw new Refused('subdocument');
          default:
            throw new Refused('undecodable');
        }
      }
    }
    const deleteClients = count(uint(), 2);
    for (let c = 0; c < deleteClients; c++) {
      uint(); // client
      for (let r = count(uint(), 2); r > 0; r--) {
        uint(); // clock
        length();
      }
    }
  } catch (error) {
    if (error instanceof Refused) return error.problem;
    return 'undecodable';
  }
  return decoder.pos === update.length ? null : 'trailing-bytes';
}

/** Deepest bracket nesting of the JSON text in `bytes[start, end)` (strings skipped). */
function jsonDepth(bytes: Uint8Array, start: number, end: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped character
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (b === 0x5d || b === 0x7d) depth--;
  }
  return deepest;
}

/** Null when the update integrates fully into `doc`, else the reason it would not. */
export function updateProblem(
  doc: Y.Doc,
  update: Uint8Array,
  maxTypeDepth: number = PAGE_BODY_MAX_TYPE_DEPTH,
): UpdateProblem | null {
  const shape = skimUpdate(update);
  if (shape) return shape;
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
  return (
    typeDepthProblem(doc, decoded.structs, maxTypeDepth) ??
    deletionDepthProblem(doc, decoded.structs, decoded.ds, maxTypeDepth)
  );
}
