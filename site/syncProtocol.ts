/**
 * The Usine à sites sync protocol: y-websocket's protocol plus our own messages.
 *
 * One WebSocket per open room, at `ws(s)://host/sync/{room}` where room is
 * `{insee}/site` (the site manifest) or `{insee}/page/{pageId}` (one page body).
 *
 * Handshake
 *   The client offers the subprotocols [`usine.v2`, accessToken] (`usine.v{PROTOCOL_VERSION}`).
 *   The server answers the newest version of SUPPORTED_PROTOCOL_VERSIONS offered; a client
 *   offering none of them is refused with INCOMPATIBLE. Version 1 (editors before December
 *   2026) differs in one point: every connection of a room gets a persisted-ack after every
 *   commit, the edits relayed to it included (its editor judged coverage on acks alone). The access token
 *   never travels in the URL (URLs end up in logs). The server loads the room's
 *   persisted state *before* accepting the upgrade, answers the subprotocol
 *   `usine.v{n}`, and refuses a connection by accepting it then closing with one of
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
 *                             delete set, see encodeDocState), sent to a connection once
 *                             what its initial sync and each of its own updates brought is
 *                             durable — not for the edits the server relays to it, which are
 *                             their writer's to see acknowledged. The client is "saved on
 *                             the server" exactly when this state covers its own, minus what
 *                             the server sent on this connection (isCoveredBy with a
 *                             ReceivedState): the only truthful basis for « enregistré ».
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

/** The version of this protocol this code speaks as a client (see the handshake above). */
export const PROTOCOL_VERSION = 2;
export const SUBPROTOCOL = `usine.v${PROTOCOL_VERSION}`;
/** The versions a server speaks; a client offering none of them is refused (INCOMPATIBLE). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

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
 * The state a persisted-ack carries (`encodeDocState`): the doc's encoded Yjs snapshot, i.e.
 * its state vector *and* its delete set. A deletion does not advance a state vector, so a
 * state vector alone would call an unsent deletion "saved"; the delete set makes the
 * comparison truthful.
 */
export { encodeDocState } from './docState';

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

/** Sorted, merged copy of `ranges` (adjacent and overlapping ranges become one). */
function mergedRanges(ranges: readonly Range[]): Range[] {
  const merged: Range[] = [];
  for (const range of [...ranges].sort((a, b) => a.clock - b.clock)) {
    const last = merged[merged.length - 1];
    if (last && range.clock <= last.clock + last.len) {
      last.len = Math.max(last.len, range.clock + range.len - last.clock);
    } else if (range.len > 0) {
      merged.push({ clock: range.clock, len: range.len });
    }
  }
  return merged;
}

/** True when [clock, clock + len) lies inside one range of sorted, merged `ranges`. */
function rangeCovered(ranges: readonly Range[], clock: number, len: number): boolean {
  const end = clock + len;
  for (const range of ranges) {
    if (range.clock > clock) return false;
    if (range.clock + range.len >= end) return true;
  }
  return false;
}

/** Ranges per client, kept sorted and merged when read (a connection's relays add them one by one). */
class RangesByClient {
  private readonly clients = new Map<number, Range[]>();
  private readonly unmerged = new Set<number>();

  add(client: number, clock: number, len: number): void {
    const ranges = this.clients.get(client);
    if (!ranges) {
      this.clients.set(client, [{ clock, len }]);
      return;
    }
    const last = ranges[ranges.length - 1]!;
    // A client's insertions arrive in clock order: most relays extend the last range.
    if (last.clock + last.len === clock) last.len += len;
    else {
      ranges.push({ clock, len });
      this.unmerged.add(client);
    }
  }

  get(client: number): readonly Range[] {
    const ranges = this.clients.get(client);
    if (!ranges) return [];
    if (this.unmerged.delete(client)) {
      const merged = mergedRanges(ranges);
      this.clients.set(client, merged);
      return merged;
    }
    return ranges;
  }

  copyTo(other: RangesByClient): void {
    for (const client of this.clients.keys()) {
      for (const range of this.get(client)) other.add(client, range.clock, range.len);
    }
  }

  clear(): void {
    this.clients.clear();
    this.unmerged.clear();
  }
}

/**
 * What the server sent on one connection — its sync answers and the updates it relayed: the
 * clock ranges of the insertions and deletions they brought into the local doc. The server
 * acknowledges a connection's own edits ([ACK-1]); these are other clients' edits, acknowledged
 * to their writers, so they count as covered. Cleared when the connection ends: on the next one,
 * what the server lost of them must be sent again, and acknowledged.
 */
export class ReceivedState {
  private readonly insertions = new RangesByClient();
  private readonly deletions = new RangesByClient();
  /** Stops noting (set by trackReceived: removes its listener from the doc). */
  stop: () => void = () => undefined;

  /** Notes what `transaction`, which applied a message of the server, added to the doc. */
  note(transaction: Y.Transaction): void {
    for (const [client, clock] of transaction.afterState) {
      const before = transaction.beforeState.get(client) ?? 0;
      if (clock > before) this.insertions.add(client, before, clock - before);
    }
    for (const [client, items] of transaction.deleteSet.clients) {
      for (const item of items) this.deletions.add(client, item.clock, item.len);
    }
  }

  insertionsOf(client: number): readonly Range[] {
    return this.insertions.get(client);
  }

  deletionsOf(client: number): readonly Range[] {
    return this.deletions.get(client);
  }

  /** A copy, as it is now (a test keeps what a client called saved). */
  clone(): ReceivedState {
    const copy = new ReceivedState();
    this.insertions.copyTo(copy.insertions);
    this.deletions.copyTo(copy.deletions);
    return copy;
  }

  clear(): void {
    this.insertions.clear();
    this.deletions.clear();
  }
}

/**
 * Notes in a new ReceivedState every transaction of `doc` whose origin is `origin` (a
 * y-websocket provider applies the server's messages with itself as origin) while `fromServer()`
 * says the message being read came from the server. The caller clears it when its connection ends.
 */
export function trackReceived(
  doc: Y.Doc,
  origin: unknown,
  fromServer: () => boolean = () => true,
): ReceivedState {
  const received = new ReceivedState();
  const listener = (transaction: Y.Transaction) => {
    if (transaction.origin === origin && fromServer()) received.note(transaction);
  };
  doc.on('afterTransaction', listener);
  received.stop = () => doc.off('afterTransaction', listener);
  return received;
}

/** A y-websocket provider, as far as trackProviderReceived needs one. */
interface SyncProvider {
  readonly doc: Y.Doc;
  on(name: 'status', listener: (event: { status: string }) => void): void;
}

/**
 * What the server sent on `provider`'s current connection: y-websocket applies the server's
 * messages with the provider as their origin — and those of the browser's other tabs too, unless
 * it is made with `disableBc` (the tests' providers are). Cleared when the connection ends.
 */
export function trackProviderReceived(provider: SyncProvider): ReceivedState {
  const received = trackReceived(provider.doc, provider);
  provider.on('status', ({ status }) => {
    if (status !== 'connected') received.clear();
  });
  return received;
}

/**
 * True when every insertion and every deletion known locally is in the durable state, or was
 * sent by the server on this connection (`received`, see ReceivedState). Both states come from
 * encodeDocState. An unreadable durable state covers nothing.
 */
export function isCoveredBy(
  localState: Uint8Array,
  durableState: Uint8Array,
  received?: ReceivedState,
): boolean {
  let local: Y.Snapshot;
  let durable: Y.Snapshot;
  try {
    local = Y.decodeSnapshot(localState);
    durable = Y.decodeSnapshot(durableState);
  } catch {
    return false;
  }
  for (const [client, clock] of local.sv) {
    const durableClock = durable.sv.get(client) ?? 0;
    if (durableClock >= clock) continue;
    if (!received) return false;
    const ranges = mergedRanges([{ clock: 0, len: durableClock }, ...received.insertionsOf(client)]);
    if (!rangeCovered(ranges, 0, clock)) return false;
  }
  for (const [client, deletions] of local.ds.clients) {
    const durableDeletions = durable.ds.clients.get(client) ?? [];
    const ranges = mergedRanges(
      received ? [...durableDeletions, ...received.deletionsOf(client)] : durableDeletions,
    );
    for (const deletion of deletions) {
      if (!rangeCovered(ranges, deletion.clock, deletion.len)) return false;
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
