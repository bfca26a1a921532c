/**
 * `POST /api/communes/{insee}/sync`: many page rooms synced in one request (site/syncBatch.ts).
 * Each room of the batch gets a connection of its own for the time of the request, through the
 * same Room code as a WebSocket (its checks, rates, quota, relecteur rule, durable ack): only
 * the transport differs. The answer waits until what the batch wrote is durable (bounded), so
 * a persisted-ack in it says « enregistré sur le serveur » as truthfully as on a socket.
 *
 * Bounded: a body of MAX_BATCH_REQUEST_BYTES, MAX_BATCH_ROOMS rooms, one batch at a time per
 * agent (429), MAX_CONCURRENT_BATCHES for the server (503), each room counted as a connection
 * of the agent (its rate), answers up to MAX_BATCH_RESPONSE_BYTES (the rooms beyond: LEFT_OUT,
 * synced over their socket). The gate (access.ts) let only members of the commune through.
 */
import type http from 'node:http';
import {
  decodeBatch,
  encodeBatch,
  LEFT_OUT,
  MalformedBatch,
  MAX_BATCH_REQUEST_BYTES,
  MAX_BATCH_RESPONSE_BYTES,
  SYNC_BATCH_CONTENT_TYPE,
  type BatchEntry,
} from '../../site/syncBatch';
import {
  CLOSE,
  MESSAGE_AUTH,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_SYNC,
  pageRoom,
  parseRoom,
} from '../../site/syncProtocol';
import type { Accounts } from '../accounts/Accounts';
import { allows } from '../accounts/authorization';
import type { Logger } from '../observability/Logger';
import type { Limits } from '../sync/Limits';
import type { ConnectionIdentity, Room, RoomConnection } from '../sync/Room';
import type { RoomManager } from '../sync/RoomManager';
import { BodyTooLarge, readBody, sendJson } from './httpResponses';
import { noteRefusalCode } from './refusals';
import type { RouteCall } from './routeTypes';

export const MAX_CONCURRENT_BATCHES = 4;
/** How long an answer waits for the batch's writes to be durable before it goes without. */
export const BATCH_FLUSH_TIMEOUT_MS = 10_000;

export interface SyncBatchRoutesOptions {
  accounts: Accounts;
  rooms: RoomManager;
  limits: Limits;
  logger: Logger;
  clientAddress: (req: http.IncomingMessage) => string;
  /** Test hook (default BATCH_FLUSH_TIMEOUT_MS). */
  batchFlushTimeoutMs?: number;
}

/** One room of a batch being handled: its connection and what the room sent it. */
interface Joined {
  pageId: string;
  room: Room | null;
  conn: RoomConnection | null;
  close: number;
  sent: Uint8Array[];
}

/** What a batch keeps of the room's messages: sync, auth and acks (never presence). */
const KEPT = new Set([MESSAGE_SYNC, MESSAGE_AUTH, MESSAGE_PERSISTED_ACK]);

function fail(res: http.ServerResponse, status: number, code: string, message: string, headers = {}) {
  noteRefusalCode(res, code);
  sendJson(res, { status, body: { error: { code, message } } }, headers);
}

// Long by reason: a factory of short functions sharing its options and counters.
export function syncBatchRoutes(options: SyncBatchRoutesOptions) {
  const { accounts, rooms, limits, logger } = options;
  const agentsInFlight = new Set<string>();
  let inFlight = 0;

  /** Opens the room, then joins it with a connection whose messages are collected. */
  async function join(insee: string, entry: BatchEntry, identity: ConnectionIdentity): Promise<Joined> {
    const joined: Joined = { pageId: entry.pageId, room: null, conn: null, close: 0, sent: [] };
    const room = parseRoom(pageRoom(insee, entry.pageId));
    if (!room) return { ...joined, close: LEFT_OUT };
    const tooFast = limits.admitConnectionOfAgent(identity.agentId);
    if (tooFast) return { ...joined, close: tooFast.code };
    try {
      joined.room = await rooms.open(room.name);
    } catch (error) {
      logger.log('error', 'room.load_failed', { room: room.name, error });
      return { ...joined, close: CLOSE.LOAD_FAILED.code };
    }
    joined.conn = joined.room.addConnection(
      {
        sendMessage: (data, onWritten) => {
          if (KEPT.has(data[0]!)) joined.sent.push(data);
          onWritten?.();
        },
        closeWith: (code) => {
          joined.close = code;
        },
        bufferedAmount: 0,
      },
      identity,
    );
    const conn = joined.conn;
    // A page's queued messages are applied as one batch ([HOT-5]). A failure in what they
    // trigger ends this page's entry (logged), not the whole request.
    try {
      conn.receiveBatch(() => {
        for (const message of entry.messages) conn.receive(message);
      });
    } catch (error) {
      logger.log('error', 'sync.read_failed', { room: room.name, error });
      conn.kick(CLOSE.MALFORMED);
      joined.close ||= CLOSE.MALFORMED.code;
    }
    return joined;
  }

  /** Waits (bounded) until every room of the batch has made what it received durable. */
  async function flushed(joined: readonly Joined[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.batchFlushTimeoutMs ?? BATCH_FLUSH_TIMEOUT_MS);
    });
    const open = joined.filter((j) => j.room && j.close === 0).map((j) => j.room!);
    let timedOut = false;
    void timeout.then(() => (timedOut = true));
    await Promise.race([Promise.all(open.map((room) => room.whenFlushed())), timeout]);
    // Rooms send their acks at the end of the turn, a few per turn ([ACK-3]): let them go out.
    do await new Promise((resolve) => setImmediate(resolve));
    while (!timedOut && open.some((room) => room.hasAcksDue));
    clearTimeout(timer);
  }

  /** The answer's entries, within the response bound. */
  function answers(joined: readonly Joined[]): BatchEntry[] {
    let budget = MAX_BATCH_RESPONSE_BYTES;
    return joined.map((j) => {
      const bytes = j.sent.reduce((sum, m) => sum + m.byteLength, 0);
      if (j.close !== 0) return { pageId: j.pageId, close: j.close, messages: [] };
      if (bytes > budget) return { pageId: j.pageId, close: LEFT_OUT, messages: [] };
      budget -= bytes;
      return { pageId: j.pageId, close: 0, messages: j.sent };
    });
  }

  /** The batch read and checked, or null once a refusal was sent. */
  async function readBatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<BatchEntry[] | null> {
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BATCH_REQUEST_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      fail(res, 413, 'too-large', 'Trop de modifications en une fois.', { Connection: 'close' });
      res.once('finish', () => req.destroy());
      return null;
    }
    try {
      const entries = decodeBatch(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      if (new Set(entries.map((e) => e.pageId)).size !== entries.length)
        throw new MalformedBatch('a page twice');
      return entries;
    } catch (error) {
      if (!(error instanceof MalformedBatch)) throw error;
      fail(res, 400, 'malformed', 'Requête de synchronisation illisible.');
      return null;
    }
  }

  /** Handles the batch: every room joined in turn, the writes awaited, then the answer. */
  async function run(insee: string, entries: readonly BatchEntry[], identity: ConnectionIdentity) {
    const joined: Joined[] = [];
    try {
      for (const entry of entries) joined.push(await join(insee, entry, identity));
      await flushed(joined);
      return encodeBatch(answers(joined));
    } finally {
      for (const j of joined) j.conn?.closed();
    }
  }

  async function syncRooms(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: Omit<RouteCall, 'request'>,
  ) {
    const { identity, sessionId } = call.caller;
    const insee = call.params.insee!;
    if (await accounts.communeDataDeleted(insee))
      return fail(res, 403, 'forbidden', "Vous n'avez pas accès à ce document.");
    const address = options.clientAddress(req);
    const busy = () =>
      fail(res, 429, 'too-fast', 'Une synchronisation est déjà en cours.', { 'Retry-After': '1' });
    if (limits.admitConnectionFromAddress(address) || agentsInFlight.has(identity.id)) return busy();
    // Read before a slot is taken: a slow upload holds no slot.
    const entries = await readBatch(req, res);
    if (!entries) return;
    if (agentsInFlight.has(identity.id)) return busy();
    if (inFlight >= MAX_CONCURRENT_BATCHES)
      return fail(res, 503, 'busy', 'Le serveur est occupé : nouvel essai dans un instant.', {
        'Retry-After': '1',
      });
    agentsInFlight.add(identity.id);
    inFlight += 1;
    let body: Uint8Array;
    try {
      const readOnly = !allows(identity, insee, 'edit');
      const { id: agentId, displayName, color } = identity;
      body = await run(insee, entries, { agentId, displayName, color, readOnly, sessionId, address });
    } finally {
      agentsInFlight.delete(identity.id);
      inFlight -= 1;
    }
    logger.log('info', 'sync.batch', {
      agentId: identity.id,
      insee,
      rooms: entries.length,
      bytes: body.byteLength,
    });
    res.writeHead(200, {
      'Content-Type': SYNC_BATCH_CONTENT_TYPE,
      'Content-Length': body.byteLength,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  }

  return { syncRooms };
}
