/**
 * Batched sync over one HTTP request (`POST /api/communes/{insee}/sync`): the same y-websocket
 * messages as the WebSocket protocol (syncProtocol.ts), for many page rooms at once. The
 * editor's background sync uses it to send what it holds and the server lacks, without one
 * WebSocket handshake per page: browsers open the WebSockets to one server one after the other
 * (one handshake at a time), so 50 pages cost 50 handshakes in a row.
 *
 * Two rounds, each a request whose entries are the page rooms:
 *   1. the client sends its sync step 1; the server answers its own step 1 (its state vector)
 *      and the step 2 the client lacks;
 *   2. the client sends the step 2 the server lacks (an empty one when nothing); the server
 *      answers once that is durable, with a MESSAGE_PERSISTED_ACK.
 *
 * Both bodies (request and answer): varUint version, varUint n (≤ MAX_BATCH_ROOMS), then n
 * times: varString pageId, varUint close, varUint m (≤ MAX_MESSAGES_PER_ROOM in a request),
 * m times varUint8Array message. `close` is 0 in a request; in an answer, 0 (handled), or
 * LEFT_OUT or a CLOSE code (the room was refused or left out: sync it over its WebSocket).
 * Everything is bounded before it is read: a length beyond the bytes left is malformed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const SYNC_BATCH_VERSION = 1;
export const MAX_BATCH_ROOMS = 32;
export const MAX_MESSAGES_PER_ROOM = 4;
/** A request body's bound; a room whose messages do not fit goes over its WebSocket. */
export const MAX_BATCH_REQUEST_BYTES = 4 * 1024 * 1024;
/** Bytes of answers one response holds at most; rooms beyond it are answered LEFT_OUT. */
export const MAX_BATCH_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Close value of a room the server did not handle in this batch (sync it over its socket). */
export const LEFT_OUT = 1;
export const SYNC_BATCH_CONTENT_TYPE = 'application/octet-stream';

export interface BatchEntry {
  pageId: string;
  /** 0: handled; LEFT_OUT, or a CLOSE code (answers only). */
  close: number;
  messages: Uint8Array[];
}

export class MalformedBatch extends Error {}

export function encodeBatch(entries: readonly BatchEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, SYNC_BATCH_VERSION);
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarString(encoder, entry.pageId);
    encoding.writeVarUint(encoder, entry.close);
    encoding.writeVarUint(encoder, entry.messages.length);
    for (const message of entry.messages) encoding.writeVarUint8Array(encoder, message);
  }
  return encoding.toUint8Array(encoder);
}

/** A varUint bounded by `max`; throws MalformedBatch past the end or beyond the bound. */
function readBounded(decoder: decoding.Decoder, max: number, what: string): number {
  let value: number;
  try {
    value = decoding.readVarUint(decoder);
  } catch {
    throw new MalformedBatch(`${what}: truncated`);
  }
  if (value > max) throw new MalformedBatch(`${what}: ${value} > ${max}`);
  return value;
}

function readBytes(decoder: decoding.Decoder, what: string): Uint8Array {
  const length = readBounded(decoder, decoder.arr.length - decoder.pos, what);
  return decoding.readUint8Array(decoder, length);
}

const PAGE_ID_BYTES = 64;

/**
 * Decodes a batch (request or response). `limits.rooms` and `limits.messages` bound the
 * counts; page ids are returned as read (the caller checks them against its pattern).
 */
export function decodeBatch(
  bytes: Uint8Array,
  limits = { rooms: MAX_BATCH_ROOMS, messages: MAX_MESSAGES_PER_ROOM },
): BatchEntry[] {
  const decoder = decoding.createDecoder(bytes);
  const version = readBounded(decoder, Number.MAX_SAFE_INTEGER, 'version');
  if (version !== SYNC_BATCH_VERSION) throw new MalformedBatch(`version ${version}`);
  const count = readBounded(decoder, limits.rooms, 'rooms');
  const entries: BatchEntry[] = [];
  for (let i = 0; i < count; i++) {
    const idBytes = readBytes(decoder, 'page id');
    if (idBytes.length > PAGE_ID_BYTES) throw new MalformedBatch('page id too long');
    const pageId = new TextDecoder('utf-8', { fatal: false }).decode(idBytes);
    const close = readBounded(decoder, 65_535, 'close');
    const m = readBounded(decoder, limits.messages, 'messages');
    const messages: Uint8Array[] = [];
    for (let j = 0; j < m; j++) messages.push(readBytes(decoder, 'message'));
    entries.push({ pageId, close, messages });
  }
  if (decoder.pos !== bytes.length) throw new MalformedBatch('trailing bytes');
  return entries;
}
