/**
 * The Usine à sites sync protocol: y-websocket's protocol plus our own messages.
 *
 * One WebSocket per open room, at `ws(s)://host/sync/{room}` where room is
 * `{insee}/site` (the site manifest) or `{insee}/page/{pageId}` (one page body).
 *
 * Handshake
 *   The client offers the subprotocols [`usine.v1`, accessToken] (`usine.v{PROTOCOL_VERSION}`:
 *   a client offering another version is refused with INCOMPATIBLE). The access token
 *   never travels in the URL (URLs end up in logs). The server loads the room's
 *   persisted state *before* accepting the upgrade, answers the subprotocol
 *   `usine.v1`, and refuses a connection by accepting it then closing with one of
 *   CLOSE below: a bare HTTP 401 would make y-websocket retry forever.
 *
 * Messages (each one a lib0 varUint message type followed by its payload)
 *   MESSAGE_SYNC (0)          y-protocols sync: step 1 (state vector), step 2 (missing
 *                             updates), update. Standard y-websocket.
 *   MESSAGE_AWARENESS (1)     y-protocols awareness update. The server only relays the
 *                             state of the connection's own clientID and overwrites its
 *                             `name` and `color` fields (what Lexical's cursors show) with
 *                             the server-verified identity.
 *   MESSAGE_AUTH (2)          server → client, y-protocols auth: permission-denied with
 *                             READ_ONLY_REASON, sent once to a read-only connection.
 *   MESSAGE_QUERY_AWARENESS (3)  client → server: asks for every presence state.
 *   MESSAGE_PERSISTED_ACK (100)  server → client, ours: varUint8Array(state), the room's
 *                             *durable* state (an encoded Yjs snapshot: state vector and
 *                             delete set, see encodeDocState), sent after every commit and
 *                             once after the initial sync. The client is "saved on the
 *                             server" exactly when this state covers its own (isCoveredBy):
 *                             the only truthful basis for « enregistré sur le serveur ».
 *
 * Read-only connections (role `relecteur`) may send sync step 1 and awareness; the
 * server drops their step 2 and update messages.
 *
 * Every message counts against the sender's message rate (4429). A step 1 is answered once
 * at a time: those arriving while the previous answer is still queued for the socket are
 * answered once, when it was written. A socket whose backlog (besides that answer) passes
 * the server's bound is closed with TOO_SLOW (4408); the client reconnects.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** The version of this protocol; a client offering another one is refused (INCOMPATIBLE). */
export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = `usine.v${PROTOCOL_VERSION}`;

/** The protocol versions a client offers in its subprotocols (`usine.v{n}`). */
export function offeredProtocolVersions(protocols: readonly string[]): number[] {
  return protocols.flatMap((p) => {
    const match = /^usine\.v(\d{1,6})$/.exec(p);
    return match ? [Number(match[1])] : [];
  });
}

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
/** y-websocket's auth message: the server tells a relecteur its edits are not accepted. */
export const MESSAGE_AUTH = 2;
/** y-websocket's query-awareness message: the client asks for every presence state. */
export const MESSAGE_QUERY_AWARENESS = 3;
export const MESSAGE_PERSISTED_ACK = 100;
/** The reason of the permission-denied MESSAGE_AUTH a read-only connection receives. */
export const READ_ONLY_REASON = 'read-only';

/** Close codes with their machine reason; the client maps them to French messages. */
export const CLOSE = {
  TOKEN_EXPIRED: { code: 4401, reason: 'token-expired' },
  FORBIDDEN: { code: 4403, reason: 'forbidden' },
  NOT_FOUND: { code: 4404, reason: 'room-not-found' },
  TOO_LARGE: { code: 4413, reason: 'too-large' },
  TOO_FAST: { code: 4429, reason: 'too-fast' },
  /** The client does not read what the server sends: its backlog passed the server's bound. */
  TOO_SLOW: { code: 4408, reason: 'too-slow' },
  MALFORMED: { code: 4400, reason: 'malformed-message' },
  LOAD_FAILED: { code: 4503, reason: 'load-failed' },
  SERVER_SHUTDOWN: { code: 4502, reason: 'server-shutdown' },
  /** The client speaks another version of this protocol (an editor older or newer than the server). */
  INCOMPATIBLE: { code: 4426, reason: 'protocol-version' },
} as const;
export type CloseReason = (typeof CLOSE)[keyof typeof CLOSE]['reason'];

/** French text shown to the agent for each close reason. */
export const CLOSE_MESSAGES_FR: Record<CloseReason, string> = {
  'token-expired': 'Votre session a expiré : reconnexion en cours.',
  forbidden: "Vous n'avez pas accès à ce document.",
  'room-not-found': "Ce document n'existe pas.",
  'too-large': 'Modification trop volumineuse : elle est gardée sur cet ordinateur.',
  'too-fast': 'Trop de modifications envoyées à la fois : nouvel essai dans un instant.',
  'too-slow':
    'La connexion ne suit pas le rythme du serveur : reconnexion en cours, vos modifications restent sur cet ordinateur.',
  'malformed-message': 'Message invalide : la connexion a été fermée.',
  'load-failed':
    'Le serveur ne peut pas ouvrir ce document pour le moment : vos modifications restent sur cet ordinateur.',
  'server-shutdown': 'Le serveur redémarre : reconnexion en cours.',
  'protocol-version':
    "Cette version de l'application ne peut pas se synchroniser avec le serveur : mettez-la à jour. Vos modifications restent sur cet ordinateur.",
};

export function closeReasonForCode(code: number): CloseReason | undefined {
  return Object.values(CLOSE).find((c) => c.code === code)?.reason;
}

/**
 * The state a persisted-ack carries: the doc's encoded Yjs snapshot, i.e. its state vector
 * *and* its delete set. A deletion does not advance a state vector, so a state vector alone
 * would call an unsent deletion "saved"; the delete set makes the comparison truthful.
 */
export function encodeDocState(doc: Y.Doc): Uint8Array {
  return Y.encodeSnapshot(Y.snapshot(doc));
}

export function encodePersistedAck(durableState: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_PERSISTED_ACK);
  encoding.writeVarUint8Array(encoder, durableState);
  return encoding.toUint8Array(encoder);
}

/** Reads the payload of a MESSAGE_PERSISTED_ACK whose type varUint was already read. */
export function readPersistedAck(decoder: decoding.Decoder): Uint8Array {
  return decoding.readVarUint8Array(decoder);
}

interface Range {
  clock: number;
  len: number;
}

/** True when [clock, clock + len) lies inside the union of `ranges`. */
function rangeCovered(ranges: readonly Range[], clock: number, len: number): boolean {
  const end = clock + len;
  let reached = clock;
  for (const range of [...ranges].sort((a, b) => a.clock - b.clock)) {
    if (range.clock > reached) break;
    reached = Math.max(reached, range.clock + range.len);
    if (reached >= end) return true;
  }
  return reached >= end;
}

/**
 * True when every insertion and every deletion known locally is in the durable state.
 * Both arguments come from encodeDocState. An unreadable durable state covers nothing.
 */
export function isCoveredBy(localState: Uint8Array, durableState: Uint8Array): boolean {
  let local: Y.Snapshot;
  let durable: Y.Snapshot;
  try {
    local = Y.decodeSnapshot(localState);
    durable = Y.decodeSnapshot(durableState);
  } catch {
    return false;
  }
  for (const [client, clock] of local.sv) {
    if ((durable.sv.get(client) ?? 0) < clock) return false;
  }
  for (const [client, deletions] of local.ds.clients) {
    const durableDeletions = durable.ds.clients.get(client) ?? [];
    for (const deletion of deletions) {
      if (!rangeCovered(durableDeletions, deletion.clock, deletion.len)) return false;
    }
  }
  return true;
}

/** Room names: `{insee}/site` and `{insee}/page/{pageId}`. */
export type Room =
  | { kind: 'site'; insee: string; name: string }
  | { kind: 'page'; insee: string; pageId: string; name: string };

const INSEE = /^(?:\d{5}|2[AB]\d{3})$/;
const PAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function siteRoom(insee: string): string {
  return `${insee}/site`;
}

export function pageRoom(insee: string, pageId: string): string {
  return `${insee}/page/${pageId}`;
}

/** Parses a room name; undefined for anything that is not exactly one of the two forms. */
export function parseRoom(name: string): Room | undefined {
  const parts = name.split('/');
  if (parts.length === 2 && INSEE.test(parts[0]!) && parts[1] === 'site') {
    return { kind: 'site', insee: parts[0]!, name };
  }
  if (parts.length === 3 && INSEE.test(parts[0]!) && parts[1] === 'page' && PAGE_ID.test(parts[2]!)) {
    return { kind: 'page', insee: parts[0]!, pageId: parts[2]!, name };
  }
  return undefined;
}
