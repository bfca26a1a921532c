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
 * 2. `updateProblem` then checks it integrates: from what the skim noted of each struct when
 *    the update is plain (no type created, no root named, no map key set with its parent
 *    written — keystrokes, deletions, map values: Y.applyUpdate will decode it anyway, once),
 *    else decoded by Yjs
 *    ([HOT-6]). Yjs accepts updates that can
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
import * as Y from 'yjs';
import { MANIFEST_MAX_TYPE_DEPTH, MAX_VALUE_DEPTH, PAGE_BODY_MAX_TYPE_DEPTH } from '../../site/siteDoc';
import { parseRoom } from '../../site/syncProtocol';
import {
  deletionDepthProblem,
  rangeDeletesTooDeep,
  replacedMapValue,
  tooDeep,
  typeDepthProblem,
} from './typeDepth';

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

/** Why the skim stopped; one instance, thrown again each time (a refusal allocates nothing). */
class Refused extends Error {
  problem: UpdateProblem = 'undecodable';
}
const REFUSED = new Refused('update refused');

function refuse(problem: UpdateProblem): never {
  REFUSED.problem = problem;
  throw REFUSED;
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
/** Type refs of ContentType followed by a key (node or hook name): XmlElement (3), XmlHook (5). */
const TYPE_REF_XML_ELEMENT = 3;
const TYPE_REF_XML_HOOK = 5;
const LAST_TYPE_REF = 6;

// The skim's cursor and tallies. Module state rather than a decoder object and closures, so that
// a skim — run for every client update — allocates nothing. skimUpdate is synchronous and never
// re-entered; it lets go of the update when done.
const NO_BYTES = new Uint8Array(0);
let bytes: Uint8Array = NO_BYTES;
let pos = 0;
let elements = 0;
/** The open arrays/objects of the `any` value being skipped: values left, and whether keyed. */
const openLeft = new Int32Array(MAX_VALUE_DEPTH);
const openKeyed = new Uint8Array(MAX_VALUE_DEPTH);

function left(): number {
  return bytes.length - pos;
}

/** lib0's readVarUint, refusing what lib0 throws on (end of the message, beyond 2^53). */
function readUint(): number {
  let num = 0;
  let mult = 1;
  while (pos < bytes.length) {
    const r = bytes[pos++]!;
    num += (r & 127) * mult;
    mult *= 128;
    if (r < 128) return num;
    if (num > Number.MAX_SAFE_INTEGER) refuse('undecodable');
  }
  return refuse('undecodable');
}

/**
 * Skips a varUint whose value is not needed (client ids, clocks): no arithmetic, so that the
 * 5-byte client ids cost no boxed number before the optimizing compiler steps in. Up to 7 bytes
 * hold less than 2^49, within lib0's bound; a longer one is read in full (lib0's checks).
 */
function skipUint(): void {
  const start = pos;
  while (pos < bytes.length) {
    if (bytes[pos++]! < 128) {
      if (pos - start > 7) {
        pos = start;
        readUint();
      }
      return;
    }
  }
  refuse('undecodable');
}

/** Skips lib0's varInt (sign in the first byte's bit 6). */
function skipInt(): void {
  if (pos >= bytes.length) refuse('undecodable');
  let r = bytes[pos++]!;
  if (r < 128) return;
  let num = r & 63;
  let mult = 64;
  while (pos < bytes.length) {
    r = bytes[pos++]!;
    num += (r & 127) * mult;
    mult *= 128;
    if (r < 128) return;
    if (num > Number.MAX_SAFE_INTEGER) refuse('undecodable');
  }
  refuse('undecodable');
}

/** An announced count: each element needs bytes that are still there (refused before looping). */
function count(n: number, minBytesEach: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n * minBytesEach > left()) refuse('undecodable');
  elements += n;
  if (elements > MAX_UPDATE_ELEMENTS) refuse('too-many-elements');
  return n;
}

function skip(n: number): void {
  if (n > left()) refuse('undecodable');
  pos += n;
}

/** A length-prefixed byte string (a string, a key, a binary). */
function skipBytes(): void {
  skip(readUint());
}

/** A struct's length (a run of characters, a deleted range…). */
function checkLength(): number {
  const n = readUint();
  if (n <= 0 || n > MAX_STRUCT_LENGTH) refuse('struct-too-long');
  return n;
}

/** A JSON text (ContentJSON, ContentEmbed, ContentFormat): nesting bounded like `any`. */
function skipJson(): void {
  const length = readUint();
  if (length > left()) refuse('undecodable');
  if (jsonDepth(bytes, pos, pos + length) > MAX_VALUE_DEPTH) refuse('too-deep');
  pos += length;
}

/** One `any` value's own bytes; the number of values it contains (an array's or object's). */
function skipAnyHead(): number {
  if (left() < 1) refuse('undecodable');
  const type = bytes[pos++]!;
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return 0;
    case 125: // integer
      skipInt();
      return 0;
    case 124: // float32
      skip(4);
      return 0;
    case 123: // float64
    case 122: // bigint64
      skip(8);
      return 0;
    case 119: // string
    case 116: // Uint8Array
      skipBytes();
      return 0;
    case 118: {
      // object: a key before each value
      const children = readUint();
      if (!Number.isSafeInteger(children) || children * 2 > left()) refuse('undecodable');
      return -children;
    }
    case 117: {
      // array
      const children = readUint();
      if (!Number.isSafeInteger(children) || children > left()) refuse('undecodable');
      return children;
    }
    default:
      return refuse('undecodable');
  }
}

/** Skips one lib0 `any` value without building it, refusing nesting beyond MAX_VALUE_DEPTH. */
function skipAny(): void {
  let depth = 0;
  let first = true;
  while (first || depth > 0) {
    first = false;
    if (depth > 0) {
      const top = depth - 1;
      const values = openLeft[top]!;
      if (values === 0) {
        depth -= 1;
        continue;
      }
      openLeft[top] = values - 1;
      if (openKeyed[top]) skipBytes();
    }
    // Negative: an object of that many entries (each keyed); positive: an array.
    const children = skipAnyHead();
    if (children !== 0) {
      if (depth >= MAX_VALUE_DEPTH) refuse('too-deep');
      openLeft[depth] = Math.abs(children);
      openKeyed[depth] = children < 0 ? 1 : 0;
      depth += 1;
    }
  }
}

/**
 * An item's content (after its info byte, origins and parent). Returns its length as Yjs counts
 * it (what the item adds to its client's clock); a string's is counted only when noting (0).
 */
function skipContent(kind: number): number {
  switch (kind) {
    case CONTENT.deleted:
      return checkLength();
    case CONTENT.json: {
      const n = count(readUint(), 1);
      for (let i = n; i > 0; i--) skipJson();
      return n;
    }
    case CONTENT.binary:
      skipBytes();
      return 1;
    case CONTENT.string:
      return noting ? skipString() : (skipBytes(), 0);
    case CONTENT.embed:
      skipJson();
      return 1;
    case CONTENT.format:
      skipBytes();
      skipJson();
      return 1;
    case CONTENT.type: {
      const ref = readUint();
      if (ref > LAST_TYPE_REF) refuse('undecodable');
      if (ref === TYPE_REF_XML_ELEMENT || ref === TYPE_REF_XML_HOOK) skipBytes();
      plain = false; // a type created: its depth is checked on the decoded update
      return 1;
    }
    case CONTENT.any: {
      const n = count(readUint(), 1);
      for (let i = n; i > 0; i--) skipAny();
      return n;
    }
    case CONTENT.doc:
      return refuse('subdocument');
    default:
      return refuse('undecodable');
  }
}

/**
 * A ContentString's text: its length in UTF-16 code units (JavaScript's `length`, which Yjs
 * counts), refusing what is not well-formed UTF-8 (lib0 decodes with a fatal TextDecoder: Yjs
 * would throw). Byte ranges as the WHATWG UTF-8 decoder accepts them.
 */
function skipString(): number {
  const length = readUint();
  const end = pos + length;
  if (end > bytes.length) refuse('undecodable');
  let units = 0;
  while (pos < end) {
    const lead = bytes[pos++]!;
    units += 1;
    if (lead < 0x80) continue;
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) more = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      units += 1; // beyond the BMP: a surrogate pair
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return refuse('undecodable');
    for (; more > 0; more--) {
      if (pos >= end) refuse('undecodable');
      const next = bytes[pos++]!;
      if (next < low || next > high) refuse('undecodable');
      low = 0x80;
      high = 0xbf;
    }
  }
  return units;
}

/** One struct: a GC range, or an item with its origins or parent, then its content. */
function skipStruct(client: number, clock: number): number {
  if (left() < 1) refuse('undecodable');
  const info = bytes[pos++]!;
  const kind = info & 31;
  if (kind === CONTENT.skip) {
    // A gap an honest client writes when it holds structs it could not integrate yet (Yjs merges
    // its pending structs into what it sends): acceptable only over what the server has (below).
    const length = checkLength();
    if (noting) note(client, clock, length, NOTE_SKIP, -1, -1, -1, -1, -1, -1);
    return length;
  }
  if (kind === CONTENT.gc) {
    const length = checkLength();
    if (noting) note(client, clock, length, NOTE_GC, -1, -1, -1, -1, -1, -1);
    return length;
  }
  let originClient = -1;
  let originClock = -1;
  let rightClient = -1;
  let rightClock = -1;
  let parentClient = -1;
  let parentClock = -1;
  if (info & 128) {
    originClient = notedUint();
    originClock = notedUint();
  }
  if (info & 64) {
    rightClient = notedUint();
    rightClock = notedUint();
  }
  if ((info & (128 | 64)) === 0) {
    if (readUint() === 1) {
      skipBytes();
      // Yjs makes the root type it names while reading the update, before any error in a later
      // struct's content: such an update is checked decoded (which makes nothing).
      plain = false;
    } else {
      parentClient = notedUint();
      parentClock = notedUint();
    }
    if (info & 32) {
      skipBytes();
      plain = false; // a map key set anew: the value it replaces is checked on the decoded update
    }
  }
  const length = skipContent(kind);
  if (noting) {
    note(
      client,
      clock,
      length,
      NOTE_ITEM,
      originClient,
      originClock,
      rightClient,
      rightClock,
      parentClient,
      parentClock,
    );
  }
  return length;
}

function skimStructsAndDeletions(): void {
  const clients = count(readUint(), 3);
  for (let c = 0; c < clients; c++) {
    const structs = count(readUint(), 1);
    // Only the notes need the id itself; the section check takes its key (no boxed number).
    const client = noting ? readUint() : readClientKey();
    sectionOf(client, c);
    let clock = notedUint();
    for (let s = 0; s < structs; s++) clock += skipStruct(client, clock);
  }
  const deleteClients = count(readUint(), 2);
  for (let c = 0; c < deleteClients; c++) {
    const client = notedUint();
    for (let r = count(readUint(), 2); r > 0; r--) {
      const clock = notedUint();
      const length = checkLength();
      if (noting) noteRange(client, clock, length);
    }
  }
}

/**
 * A section's client id as sectionOf compares it when not noting: below 2^32 (every id Yjs
 * makes) its int32 image, which V8 keeps as a small integer — half of all client ids are above
 * 2^31, and reading one whole boxed a number per skim —, one-to-one on that range; from 2^32 on,
 * the id itself, never in the int32 range.
 */
function readClientKey(): number {
  const start = pos;
  let key = 0;
  for (let shift = 0; shift < 35 && pos < bytes.length; shift += 7) {
    const b = bytes[pos++]!;
    key |= (b & 127) << shift;
    if (b < 128) return shift < 28 || b < 16 ? key : wholeClientKey(start);
  }
  return wholeClientKey(start);
}

/** readClientKey past 32 bits, or for an encoding longer than 5 bytes: read in full. */
function wholeClientKey(start: number): number {
  pos = start;
  const id = readUint();
  return id < 2 ** 32 ? id | 0 : id;
}

/** A varUint the notes need (ids, clocks): read when noting, else skipped unread (-1). */
function notedUint(): number {
  if (noting) return readUint();
  skipUint();
  return -1;
}

/**
 * The clients of the update's struct sections so far. Yjs keeps one section per client (a second
 * one replaces the first while it reads), so an update naming a client twice says one thing to
 * the guard and another to Yjs (a gap the guard never saw, left pending): refused. A linear scan
 * of a kept array for the usual few sections; a Set for an update of many.
 */
const sectionClients = new Float64Array(16);
let manySections: Set<number> | null = null;

function sectionOf(client: number, index: number): void {
  if (index < sectionClients.length) {
    for (let i = 0; i < index; i++) if (sectionClients[i] === client) refuse('undecodable');
    sectionClients[index] = client;
    return;
  }
  if (index === sectionClients.length) manySections = new Set(sectionClients);
  if (manySections!.has(client)) refuse('undecodable');
  manySections!.add(client);
}

// ---- What the skim notes for updateProblem (when asked), so that a plain update — no type
// created, no map key set with its parent written: a keystroke, a map value, a deletion — is
// checked without Yjs decoding it a first time (Y.applyUpdate decodes it anyway). Typed arrays
// kept from one check to the next: noting allocates nothing either, up to NOTES_MAX.

/** Per struct: client, clock, length, kind, origin (client, clock), right origin, parent item. */
const FIELDS = 10;
const NOTE_GC = 0;
const NOTE_ITEM = 1;
const NOTE_SKIP = 2;
/** More structs or deleted ranges than this: the update is checked decoded (notes stay small). */
const NOTES_MAX = 4096;
let noting = false;
/** The update can be checked from the notes alone. */
let plain = true;
let notedStructs = 0;
let notedRanges = 0;
let structNotes = new Float64Array(FIELDS * 16);
let rangeNotes = new Float64Array(3 * 16);

function note(
  client: number,
  clock: number,
  length: number,
  kind: number,
  originClient: number,
  originClock: number,
  rightClient: number,
  rightClock: number,
  parentClient: number,
  parentClock: number,
): void {
  if (notedStructs === NOTES_MAX) plain = false;
  if (!plain) return;
  if ((notedStructs + 1) * FIELDS > structNotes.length) {
    const grown = new Float64Array(structNotes.length * 2);
    grown.set(structNotes);
    structNotes = grown;
  }
  const at = notedStructs++ * FIELDS;
  structNotes[at] = client;
  structNotes[at + 1] = clock;
  structNotes[at + 2] = length;
  structNotes[at + 3] = kind;
  structNotes[at + 4] = originClient;
  structNotes[at + 5] = originClock;
  structNotes[at + 6] = rightClient;
  structNotes[at + 7] = rightClock;
  structNotes[at + 8] = parentClient;
  structNotes[at + 9] = parentClock;
}

function noteRange(client: number, clock: number, length: number): void {
  if (notedRanges === NOTES_MAX) plain = false;
  if (!plain) return;
  if ((notedRanges + 1) * 3 > rangeNotes.length) {
    const grown = new Float64Array(rangeNotes.length * 2);
    grown.set(rangeNotes);
    rangeNotes = grown;
  }
  const at = notedRanges++ * 3;
  rangeNotes[at] = client;
  rangeNotes[at + 1] = clock;
  rangeNotes[at + 2] = length;
}

/**
 * Walks a v1 update without building Yjs structs nor anything else (not even its ContentAny
 * values). Null when its shape is sound, else why it is refused. Linear in the update's bytes;
 * allocates nothing, whatever the counts it announces.
 */
export function skimUpdate(update: Uint8Array, noteStructs = false): UpdateProblem | null {
  bytes = update;
  pos = 0;
  elements = 0;
  noting = noteStructs;
  plain = true;
  notedStructs = 0;
  notedRanges = 0;
  try {
    skimStructsAndDeletions();
    return pos === update.length ? null : 'trailing-bytes';
  } catch (error) {
    return error === REFUSED ? REFUSED.problem : 'undecodable';
  } finally {
    bytes = NO_BYTES;
    noting = false;
    manySections = null;
  }
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

/**
 * How far each client of the update being checked reaches (what the doc knows, extended by the
 * update's structs); reused from one check to the next, emptied after each.
 */
const reach = new Map<number, number>();

function reachOf(doc: Y.Doc, client: number): number {
  const known = reach.get(client);
  return known === undefined ? Y.getState(doc.store, client) : known;
}

function exists(doc: Y.Doc, id: Y.ID | null): boolean {
  return id === null || id.clock < reachOf(doc, id.client);
}

type DecodedUpdate = {
  structs: Array<Y.Item | Y.GC | Y.Skip>;
  ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
};

/** Why the decoded update would not integrate into `doc` (gaps, unknown ids), or null. */
function integrationProblem(doc: Y.Doc, decoded: DecodedUpdate): UpdateProblem | null {
  for (const struct of decoded.structs) {
    if (!(struct.length > 0) || struct.length > MAX_STRUCT_LENGTH) return 'struct-too-long';
    // A skip reaches nothing: what follows it must start within what is known (no gap).
    if (struct instanceof Y.Skip) continue;
    const client = struct.id.client;
    const end = reachOf(doc, client);
    // Structs of one client come in clock order; each must start where what is known ends.
    if (struct.id.clock > end) return 'clock-gap';
    reach.set(client, Math.max(end, struct.id.clock + struct.length));
  }
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (!exists(doc, struct.origin) || !exists(doc, struct.rightOrigin)) return 'missing-dependency';
    const parent = struct.parent as unknown;
    if (parent instanceof Y.ID && !exists(doc, parent)) return 'missing-dependency';
    // Yjs does not wait for a struct of the item's own client: one not yet integrated would make
    // it throw halfway through the update (an honest item only refers back to older ones).
    for (const ref of [struct.origin, struct.rightOrigin, parent instanceof Y.ID ? parent : null]) {
      if (ref && ref.client === struct.id.client && ref.clock >= struct.id.clock) return 'missing-dependency';
    }
  }
  for (const client of decoded.ds.clients.keys()) {
    const end = reachOf(doc, client);
    for (const range of decoded.ds.clients.get(client)!) {
      if (!(range.len > 0) || range.len > MAX_STRUCT_LENGTH || range.clock + range.len > end) {
        return 'delete-beyond-state';
      }
    }
  }
  return null;
}

function existsAt(doc: Y.Doc, client: number, clock: number): boolean {
  return client < 0 || clock < reachOf(doc, client);
}

/** integrationProblem and the deletions' depth, read from the skim's notes of a plain update. */
function notedProblem(doc: Y.Doc, maxTypeDepth: number): UpdateProblem | null {
  for (let at = 0; at < notedStructs * FIELDS; at += FIELDS) {
    const length = structNotes[at + 2]!;
    if (!(length > 0) || length > MAX_STRUCT_LENGTH) return 'struct-too-long';
    // A skip reaches nothing: what follows it must start within what is known (no gap).
    if (structNotes[at + 3] === NOTE_SKIP) continue;
    const client = structNotes[at]!;
    const clock = structNotes[at + 1]!;
    const end = reachOf(doc, client);
    if (clock > end) return 'clock-gap';
    reach.set(client, Math.max(end, clock + length));
  }
  for (let at = 0; at < notedStructs * FIELDS; at += FIELDS) {
    if (structNotes[at + 3] !== NOTE_ITEM) continue;
    const client = structNotes[at]!;
    const clock = structNotes[at + 1]!;
    for (let ref = at + 4; ref <= at + 8; ref += 2) {
      const refClient = structNotes[ref]!;
      const refClock = structNotes[ref + 1]!;
      if (!existsAt(doc, refClient, refClock) || (refClient === client && refClock >= clock)) {
        return 'missing-dependency';
      }
    }
    // A map value set anew through its origin (the current value) deletes that value.
    if (structNotes[at + 4]! >= 0) {
      const replaced = replacedMapValue(doc, Y.createID(structNotes[at + 4]!, structNotes[at + 5]!));
      if (tooDeep(replaced, maxTypeDepth)) return 'too-deep';
    }
  }
  for (let at = 0; at < notedRanges * 3; at += 3) {
    const clock = rangeNotes[at + 1]!;
    const length = rangeNotes[at + 2]!;
    if (!(length > 0) || length > MAX_STRUCT_LENGTH || clock + length > reachOf(doc, rangeNotes[at]!)) {
      return 'delete-beyond-state';
    }
  }
  for (let at = 0; at < notedRanges * 3; at += 3) {
    if (rangeDeletesTooDeep(doc, rangeNotes[at]!, rangeNotes[at + 1]!, rangeNotes[at + 2]!, maxTypeDepth)) {
      return 'too-deep';
    }
  }
  return null;
}

/**
 * Null when the update integrates fully into `doc`, else the reason it would not. A plain
 * update (no type created, no map key set with its parent written) is checked from the skim's
 * notes; any other is decoded. For a plain update, text that lib0 cannot decode inside a key,
 * a JSON or an `any` value is left to Yjs, which throws on it before changing anything (it reads
 * every struct before integrating one): the room refuses the update all the same.
 */
export function updateProblem(
  doc: Y.Doc,
  update: Uint8Array,
  maxTypeDepth: number = PAGE_BODY_MAX_TYPE_DEPTH,
): UpdateProblem | null {
  const shape = skimUpdate(update, true);
  if (shape) return shape;
  if (plain) {
    try {
      return notedProblem(doc, maxTypeDepth);
    } finally {
      reach.clear();
    }
  }
  return decodedUpdateProblem(doc, update, maxTypeDepth);
}

/**
 * updateProblem from the update decoded by Yjs (its skim already passed): what any update that
 * is not plain goes through. Exported for the test comparing it with the notes' verdict.
 */
export function decodedUpdateProblem(
  doc: Y.Doc,
  update: Uint8Array,
  maxTypeDepth: number,
): UpdateProblem | null {
  let decoded: DecodedUpdate;
  try {
    decoded = Y.decodeUpdate(update) as unknown as DecodedUpdate;
  } catch {
    return 'undecodable';
  }
  let problem: UpdateProblem | null;
  try {
    problem = integrationProblem(doc, decoded);
  } finally {
    reach.clear();
  }
  return (
    problem ??
    typeDepthProblem(doc, decoded.structs, maxTypeDepth) ??
    deletionDepthProblem(doc, decoded.structs, decoded.ds, maxTypeDepth)
  );
}
