// Syncs many page docs in two HTTP requests (site/syncBatch.ts) instead of one WebSocket each:
// the browser opens WebSockets to a server one handshake at a time, so the background sync of
// 50 pages after a day offline spent most of its time waiting for handshakes. Round 1 sends
// each doc's state vector and applies what the server answers; round 2 sends what the server
// lacks and reads the persisted-ack: a doc is « saved » only when that ack covers it, as on a
// socket. A doc the server left out, refused, or did not acknowledge goes back to the caller,
// which syncs it over its WebSocket (the reference path).
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  decodeBatch,
  encodeBatch,
  MAX_BATCH_REQUEST_BYTES,
  MAX_BATCH_ROOMS,
  type BatchEntry,
} from '../../../site/syncBatch';
import {
  encodeDocState,
  isCoveredBy,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_SYNC,
  parseRoom,
  readPersistedAck,
  ReceivedState,
} from '../../../site/syncProtocol';

/** What became of one doc: acknowledged, or to be synced over its socket. */
export type BatchOutcome = 'saved' | 'use-socket';

/** Sends one batch, answers its body (throws when the request failed). */
export type PostBatch = (batch: Uint8Array) => Promise<Uint8Array>;

/** Origin of the server's updates applied here (not local edits). */
export const BATCH_ORIGIN = Symbol('batch-sync');

/** Messages an answer may hold per room: step 1, step 2, auth, acks, updates relayed meanwhile. */
const MAX_ANSWER_MESSAGES = 10_000;

interface Doc {
  room: string;
  pageId: string;
  doc: Y.Doc;
  serverVector?: Uint8Array;
  durable?: Uint8Array;
  /** What the server's answers brought (other agents' edits, acknowledged to them). */
  received: ReceivedState;
}

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** Applies one message of the server's answer to `doc`; false if it cannot be read. */
function receive(doc: Doc, message: Uint8Array): boolean {
  try {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_PERSISTED_ACK) doc.durable = readPersistedAck(decoder);
    if (type !== MESSAGE_SYNC) return true;
    const subtype = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (subtype === syncProtocol.messageYjsSyncStep1) doc.serverVector = payload;
    else {
      const transaction = Y.transact(
        doc.doc,
        (tr) => {
          Y.applyUpdate(doc.doc, payload, BATCH_ORIGIN);
          return tr;
        },
        BATCH_ORIGIN,
      );
      // Noted once the transaction ended: its state after it is known then.
      doc.received.note(transaction);
    }
    return true;
  } catch {
    return false;
  }
}

/** Posts one round; the docs whose answer was not handled (or unreadable) are dropped from it. */
async function round(docs: Doc[], message: (doc: Doc) => Uint8Array | null, post: PostBatch): Promise<Doc[]> {
  const entries: BatchEntry[] = [];
  const sent: Doc[] = [];
  let bytes = 64;
  for (const doc of docs) {
    const m = message(doc);
    if (!m || bytes + m.byteLength + 80 > MAX_BATCH_REQUEST_BYTES) continue;
    bytes += m.byteLength + 80;
    entries.push({ pageId: doc.pageId, close: 0, messages: [m] });
    sent.push(doc);
  }
  if (entries.length === 0) return [];
  const answer = decodeBatch(await post(encodeBatch(entries)), {
    rooms: entries.length,
    messages: MAX_ANSWER_MESSAGES,
  });
  const byId = new Map(sent.map((doc) => [doc.pageId, doc]));
  const handled: Doc[] = [];
  for (const entry of answer) {
    const doc = byId.get(entry.pageId);
    if (!doc || entry.close !== 0) continue;
    byId.delete(entry.pageId);
    if (entry.messages.every((m) => receive(doc, m))) handled.push(doc);
  }
  return handled;
}

/**
 * Syncs up to MAX_BATCH_ROOMS page docs (already loaded from this computer). Throws what `post`
 * throws (the server unreachable: nothing was changed on the server's side by a failed round 1).
 */
export async function syncInBatch(
  docs: ReadonlyArray<{ room: string; doc: Y.Doc }>,
  post: PostBatch,
): Promise<Map<string, BatchOutcome>> {
  const outcome = new Map<string, BatchOutcome>(docs.map((d) => [d.room, 'use-socket']));
  const pages: Doc[] = [];
  for (const { room, doc } of docs.slice(0, MAX_BATCH_ROOMS)) {
    const parsed = parseRoom(room);
    if (parsed?.kind === 'page')
      pages.push({ room, pageId: parsed.pageId, doc, received: new ReceivedState() });
  }
  const answered = await round(pages, (d) => syncMessage((e) => syncProtocol.writeSyncStep1(e, d.doc)), post);
  const withVector = answered.filter((d) => d.serverVector);
  // Round 2 is another connection: what round 1 brought is covered only if its ack says so (the
  // server may have restarted between the rounds and lost what it had not written).
  for (const d of withVector) d.received.clear();
  const acked = await round(
    withVector,
    (d) => syncMessage((e) => syncProtocol.writeSyncStep2(e, d.doc, d.serverVector)),
    post,
  );
  for (const d of acked) {
    if (d.durable && isCoveredBy(encodeDocState(d.doc), d.durable, d.received)) outcome.set(d.room, 'saved');
  }
  return outcome;
}
