/**
 * One open room: its Y.Doc (loaded from the DocStore before any socket joins), its awareness,
 * its connections, and the durable write queue that backs the persisted acknowledgement.
 * Works against the RoomSocket interface only (transport/syncSocket.ts implements it).
 */
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as time from 'lib0/time';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  CLOSE,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  READ_ONLY_REASON,
  encodeDocState,
  encodePersistedAck,
} from '../../site/syncProtocol';
import type { DocStore } from '../storage/DocStore';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import { REVIEWER_CHECKS, reviewerUpdateProblem } from './commentGuard';
import { RateLimiter } from './RateLimiter';
import type { RoomSweep, SweptRoom } from './RoomSweep';
import { encodeDocStateBefore } from './durableState';
import { emitToObservers } from './observers';
import { maxTypeDepthOf, updateProblem } from './updateGuard';

/**
 * What the room needs from a transport: one object per connection (transport/syncSocket.ts;
 * the sync batch's connections and the tests' in-memory sockets implement it too).
 */
export interface RoomSocket {
  /** Queues a message; `onWritten` is called once it left the process (or failed). */
  sendMessage(data: Uint8Array, onWritten?: () => void): void;
  closeWith(code: number, reason: string): void;
  /** Bytes queued in the process for this socket and not yet written out. */
  readonly bufferedAmount: number;
}

/** Server-verified identity of a connection. */
export interface ConnectionIdentity {
  readonly agentId: string;
  readonly displayName: string;
  readonly color: string;
  /** Role `relecteur`: their updates are dropped unless they only add their own comments (commentGuard). */
  readonly readOnly: boolean;
  /** The login session (token family) the connection was opened with. */
  readonly sessionId?: string;
  /** Remote address, for rate limits and the audit log. */
  readonly address?: string;
  /**
   * The sync protocol version it speaks (default: PROTOCOL_VERSION). Version 1 is acknowledged
   * after every commit of the room, the edits relayed to it included (site/syncProtocol.ts).
   */
  readonly protocolVersion?: number;
}

export type CloseCode = { code: number; reason: string };

/** The timers a room's retries use: the global ones, or a fake clock (the fuzz replays a seed). */
export interface RoomTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: RoomTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Origin of the transaction that loads persisted state: not persisted again. */
const ORIGIN_LOAD = 'usine:load';

/**
 * Origin of what other nodes committed (received through the fan-out, or caught up from the
 * store): durable already, so neither persisted nor fanned out again ([CLUSTER-3]).
 */
export const ORIGIN_REMOTE = 'usine:remote';

/**
 * Rooms across nodes (cluster mode, `REDIS_URL`; sync/RedisFanout.ts). Absent — the embedded
 * default — the room calls none of it: one `undefined` check per commit and presence change.
 */
export interface RoomFanout {
  /** The room was loaded: follow what the other nodes commit to it. */
  opened(room: Room): void;
  /** The room is unloading. */
  closed(room: Room): void;
  /** This node committed `updates` as the room's sequence numbers `toSeq - n + 1 … toSeq`. */
  committed(room: Room, updates: Uint8Array[], toSeq: number): void;
  /** Presence of this node's clients changed (an encoded awareness update). */
  awareness(room: Room, update: Uint8Array): void;
  /** Some sequence numbers are missing (a late or lost message): catch up soon. */
  gap(room: Room): void;
  /** What the store holds after `afterSeq` for the room, with its sequence number. */
  loadSince(room: string, afterSeq: number): Promise<{ updates: Uint8Array[]; seq: number }>;
}

export interface RoomOptions {
  store: DocStore;
  logger: Logger;
  /** Messages above this size close the connection with CLOSE.TOO_LARGE. */
  maxMessageBytes: number;
  /**
   * Backlog a socket may hold (bytes queued and not written, besides the one sync answer in
   * flight); a send past it closes the connection with CLOSE.TOO_SLOW.
   */
  maxBufferedBytes: number;
  /** Largest awareness state (bytes of its JSON); a larger one closes with CLOSE.TOO_LARGE. */
  maxAwarenessStateBytes: number;
  /** Compact the room's log when it holds more rows than this. */
  compactThreshold: number;
  /** First delay before retrying a failed write; doubles up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Timers of the write retries (default REAL_TIMERS). */
  timers?: RoomTimers;
  /** Called when the room has no connection and no lease left (the manager may unload it). */
  onIdle: (room: Room) => void;
  /** Largest document (bytes of its stored updates); an update past it closes with TOO_LARGE. */
  maxDocBytes: number;
  /**
   * Asked before applying a client's update of `bytes` bytes (rate limits, commune quota):
   * null to accept, or the close code refusing it.
   */
  admitUpdate?: (identity: ConnectionIdentity, room: string, bytes: number) => CloseCode | null;
  /** Asked for every incoming message, of any type and role (message rate): null to accept. */
  admitMessage?: (identity: ConnectionIdentity) => CloseCode | null;
  /** A connection was closed for a reason of ours (audit log). */
  onRefused?: (identity: ConnectionIdentity, room: string, close: CloseCode, detail: string) => void;
  metrics?: Metrics;
  /** Cluster mode: the fan-out to the other nodes (absent: one node, nothing to do). */
  fanout?: RoomFanout;
  /**
   * An editing session ends after this long without an edit by a client (default 5 min), at the
   * sweep's next pass.
   */
  sessionIdleMs?: number;
  /** The one timer of every room's periodic work (presence timeouts, sessions' ends). */
  sweep: RoomSweep;
  /**
   * Clients edited the room and their session ended: no edit for `sessionIdleMs`, or the last
   * client left, or the room is destroyed. `editors`: display names of those who edited.
   * Called synchronously, while `room.doc` holds the session's state (history snapshot).
   */
  onSessionEnd?: (room: Room, editors: string[]) => void;
}

export const DEFAULT_SESSION_IDLE_MS = 5 * 60_000;

export interface RoomConnection {
  readonly identity: ConnectionIdentity;
  /** The name of the room the connection joined. */
  readonly roomName: string;
  /** Handles one binary message from the client. */
  receive(data: Uint8Array): void;
  /**
   * Runs `read`, which may call `receive` many times (the messages of one TCP read), with the
   * updates it applies in one transaction of the room's doc ([HOT-5]).
   */
  receiveBatch(read: () => void): void;
  /** The transport closed; idempotent. */
  closed(): void;
  /** Closes the socket with one of CLOSE and leaves the room. */
  kick(close: { code: number; reason: string }): void;
}

/**
 * A connection of the room, and the handle the transport and the re-authorization hold: one
 * object whose methods live on the prototype (a handle of closures cost three functions and
 * their context per connection).
 */
class Connection implements RoomConnection {
  /**
   * The awareness clientID this connection speaks for, bound on its first non-null state: the
   * only one it may set (receiveAwareness), so the only one to remove when it leaves.
   */
  clientId: number | null = null;
  /** A presence this connection set is in the awareness (its change landed: presenceChanged). */
  presenceSet = false;
  open = true;
  /** Updates dropped in a row because they did not integrate yet (see applyClientUpdate). */
  unresolved = 0;
  /** Bytes of the sync step 2 answer queued and not yet written (0: none in flight). */
  answerInFlight = 0;
  /** State vector of the last step 1 received while an answer was in flight. */
  nextStep1: Uint8Array | null = null;
  /** A persisted-ack is due to this connection at the end of the turn (see ackLater). */
  ackDue = false;
  /**
   * The room's update serial this connection waits to see durable (0: none): that of its first
   * update not yet acknowledged, or the newest one when its initial sync ended with updates
   * unsaved. Each commit reaching it acknowledges the connection ([ACK-1]); the edits relayed to
   * a connection are not its own and bring no ack.
   */
  awaitedSerial = 0;
  /** The serial of its last update (or of the newest one when its initial sync ended). */
  lastSerial = 0;

  constructor(
    private readonly room: Room,
    readonly socket: RoomSocket,
    readonly identity: ConnectionIdentity,
  ) {}

  get roomName(): string {
    return this.room.name;
  }

  receive(data: Uint8Array): void {
    this.room.receiveFrom(this, data);
  }

  receiveBatch(read: () => void): void {
    this.room.receiveBatch(this, read);
  }

  closed(): void {
    this.room.connectionClosed(this);
  }

  kick(close: { code: number; reason: string }): void {
    this.room.kickConnection(this, close);
  }

  /** An update of this connection, or the end of its initial sync, was queued as `serial`. */
  awaits(serial: number): void {
    if (this.awaitedSerial === 0) this.awaitedSerial = serial;
    this.lastSerial = serial;
  }

  /** Whether the awareness holds a state this connection set. */
  get hasPresence(): boolean {
    return this.presenceSet && this.room.awareness.getStates().has(this.clientId!);
  }
}

/**
 * Updates that do not integrate yet (a gap, an unknown origin, a deletion of unknown content)
 * happen to honest clients too: after a server crash lost unacknowledged updates, a client's
 * next edit can reach the server before its sync step 2 re-sends them. Such an update is
 * dropped and the client is asked to resync (its step 2 carries the content again). A
 * connection whose updates keep failing that way is hostile and closed with CLOSE.MALFORMED.
 */
const MAX_UNRESOLVED_UPDATES = 20;

class MalformedMessage extends Error {}

/**
 * The relayed form of a doc update, `MESSAGE_SYNC, messageYjsUpdate, varUint8Array(update)`,
 * written in one allocation (a lib0 encoder per update cost an encoder, its buffer and a copy).
 * A Buffer, from Node's pool when small: `ws` sends a Buffer as it is, where it wraps any other
 * Uint8Array in a Buffer of its own for every socket it goes to.
 */
export function encodeUpdateMessage(update: Uint8Array): Uint8Array {
  let lengthBytes = 1;
  for (let n = update.byteLength; n > 127; n = Math.floor(n / 128)) lengthBytes += 1;
  const message = Buffer.allocUnsafe(2 + lengthBytes + update.byteLength);
  message[0] = MESSAGE_SYNC;
  message[1] = syncProtocol.messageYjsUpdate;
  let pos = 2;
  let n = update.byteLength;
  for (; n > 127; n = Math.floor(n / 128)) message[pos++] = 128 | (n & 127);
  message[pos++] = n;
  message.set(update, pos);
  return message;
}

/** A message sent to several sockets, as a Buffer once (see encodeUpdateMessage). */
function sharedMessage(message: Uint8Array): Uint8Array {
  return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

/** readVarUint8Array that refuses a length beyond the message (lib0 would silently truncate). */
function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(decoder);
  if (length > decoder.arr.length - decoder.pos) {
    throw new MalformedMessage(`length ${length} beyond the end of the message`);
  }
  return decoding.readUint8Array(decoder, length);
}

/**
 * The editing session under way: who edited (one name, or a set once a second one edits), when
 * last (see RoomOptions.onSessionEnd). Exists from the session's first edit to its end only.
 */
interface EditSession {
  editors: string | Set<string>;
  lastEditAt: number;
}

/**
 * A room's doc and presence know their room: their changes reach it through one module function
 * (the doc's 'update') and a method (presence) rather than a closure per room and its context.
 */
class RoomDoc extends Y.Doc {
  room: Room | null = null;

  override emit(name: string, args: unknown[]): void {
    emitToObservers(this._observers, name, args);
  }
}

function relayDocUpdate(update: Uint8Array, origin: unknown, doc: Y.Doc, transaction: Y.Transaction): void {
  (doc as RoomDoc).room?.docUpdated(update, origin, transaction);
}

type PresenceChange = { added: number[]; updated: number[]; removed: number[] };

/** Presence whose changes go to its room as they are emitted (no listener of its own). */
class RoomAwareness extends awarenessProtocol.Awareness {
  /** Set once the room is ready (the constructor's own first state is not relayed). */
  room: Room | null = null;

  override emit(name: string, args: unknown[]): void {
    emitToObservers(this._observers, name, args);
    if (name === 'update' && this.room) this.room.presenceChanged(args[0] as PresenceChange, args[1]);
  }
}

/**
 * Acknowledgements are sent at the end of the turn for every room that has some due: one
 * microtask for them all (a closure per room to queue its own cost 56 bytes per room). A commit
 * of the SQLite window acknowledges the writers of every room in it at once (~35 at 350
 * updates/s): their writes go a few per turn of the event loop ([ACK-3]) — each is a system
 * call that wakes the client (~45 µs on loopback), and written together they held back, by
 * ~1.5 ms, the relay of the colleagues' edits that arrived meanwhile.
 */
export const ACKS_PER_TURN = 4;
const roomsWithAcksDue: Room[] = [];
/** Acks this turn may still write; reset by the next turn (a setImmediate after the poll phase). */
let acksLeftThisTurn = ACKS_PER_TURN;
let nextTurnScheduled = false;
/**
 * The event loop's own, taken when this module loads: a test's fake timers would drop the
 * callback and leave `nextTurnScheduled` set, and no ack of the process would go out again.
 */
const realSetImmediate = globalThis.setImmediate;

function nextTurn(): void {
  nextTurnScheduled = false;
  acksLeftThisTurn = ACKS_PER_TURN;
  sendDueAcks();
}

/** At the end of a turn (a microtask) and in the next turns until every room due is served. */
function sendDueAcks(): void {
  if (roomsWithAcksDue.length === 0) return;
  // The next turn is asked for before any ack is written (it resets the budget and serves the
  // rooms left): queued before the end-of-turn uncork that the writes of its turn ask for
  // (turnWrites.ts), it runs before it, and the sockets it writes to do not count as written in
  // the turn after (where a relay to them would wait for the end of the turn). Unless that turn
  // wrote nothing before it: its writes then ask for the next turn's uncork.
  if (!nextTurnScheduled) {
    nextTurnScheduled = true;
    realSetImmediate(nextTurn);
  }
  let served = 0;
  // A room whose acks are due again while this runs is pushed at the end (acksScheduled).
  while (served < roomsWithAcksDue.length && acksLeftThisTurn > 0) {
    const room = roomsWithAcksDue[served++]!;
    try {
      acksLeftThisTurn -= room.sendAcks();
    } catch (error) {
      // The other rooms' acks still go; the error surfaces as it did from a microtask of its own.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  roomsWithAcksDue.splice(0, served);
}

export class Room implements SweptRoom {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  /** Sockets being accepted for this room (load-before-upgrade): the room must not unload. */
  leases = 0;
  private readonly options: RoomOptions;
  /** How deep types may nest in this room's doc (updateGuard). */
  private readonly maxTypeDepth: number;
  private readonly connections = new Set<Connection>();
  /**
   * Copies of the doc made to check relecteurs' updates (commentGuard), per relecteur; created
   * at a relecteur's first update (most rooms never see one).
   */
  private reviewerChecks: RateLimiter | null = null;
  private pending: Uint8Array[] = [];
  private inFlight = false;
  private persistScheduled = false;
  private retryTimer: unknown = null;
  private retryDelayMs: number;
  private rowCount: number;
  /**
   * Encoded snapshot (state vector + delete set) of what the store holds durably; null when
   * nothing is unsaved: the doc's own state is then the durable one (a copy per room cost
   * ~180 bytes). Dropped by the sweep once nothing was committed over a whole interval; taken
   * again, from the transaction, when a first unsaved update lands (docUpdated).
   */
  private durableState: Uint8Array | null = null;
  /** A batch was committed since the sweep's last pass (the room is being edited). */
  private committedSinceSweep = false;
  private flushWaiters: Array<() => void> | null = null;
  /** Serial of the last update queued for the store, and of the last one it committed. */
  private queuedSerial = 0;
  private durableSerial = 0;
  /** Persisted-acks are due at the end of the turn (connections marked ackDue, or awaiting). */
  private acksScheduled = false;
  /** The durable state moved this turn (a commit, other nodes' commits): version 1's acks. */
  private durableMoved = false;
  private destroyed = false;
  /** Bytes of the room's stored updates plus those pending (an upper bound of its size). */
  private docBytes: number;
  /** A batch of a connection's messages is being read (receiveBatch). */
  private batching = false;
  /** Bytes of the client updates applied by the batch and not yet counted in docBytes. */
  private batchBytes = 0;
  /** The batch applied a client update (see settleRedundant). */
  private batchUpdated = false;
  /** The last connection left during a batch: the session ends once the batch's edits are in. */
  private sessionEndDue = false;
  private session: EditSession | null = null;
  /**
   * Cluster mode: every update numbered up to `seq` in the store is in the doc; `ahead` holds the
   * ranges known beyond it (a gap before them is being caught up).
   */
  private seq: number;
  private ahead: Array<[number, number]> | null = null;
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;
  /** Updates of other nodes were applied since the last ack decision. */
  private remoteChanged = false;

  /** Loads the room's persisted state; rejects (and serves nothing) when the store fails. */
  static async load(name: string, options: RoomOptions): Promise<Room> {
    const stored = await options.store.loadDoc(name);
    const doc = new RoomDoc();
    doc.transact(() => {
      for (const update of stored.updates) Y.applyUpdate(doc, update);
    }, ORIGIN_LOAD);
    const bytes = stored.updates.reduce((sum, u) => sum + u.byteLength, 0);
    const room = new Room(name, doc, stored.updates.length, bytes, stored.seq, options);
    options.fanout?.opened(room);
    return room;
  }

  private constructor(
    name: string,
    doc: RoomDoc,
    rowCount: number,
    bytes: number,
    seq: number,
    options: RoomOptions,
  ) {
    this.name = name;
    this.seq = seq;
    this.docBytes = bytes;
    this.doc = doc;
    this.options = options;
    this.maxTypeDepth = maxTypeDepthOf(name);
    this.rowCount = rowCount;
    this.retryDelayMs = options.retryDelayMs;
    const awareness = new RoomAwareness(doc);
    // Its presence timeouts are checked by the sweep, with every room's (RoomSweep.ts).
    clearInterval(
      (awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval,
    );
    awareness.setLocalState(null);
    this.awareness = awareness;
    awareness.room = this;
    doc.room = this;
    doc.on('update', relayDocUpdate);
    options.sweep.add(this);
  }

  /**
   * The sweep's pass: presence not renewed in time goes, an idle editing session ends. `now`
   * (Date.now()) dates sessions; presence is dated by lib0's clock, which y-protocols stamps it
   * with (the same Date.now in production; fake timers in tests move only the global one).
   */
  sweep(now: number): void {
    try {
      this.sweepPresence(time.getUnixTime());
      // A room quiet since the last pass: its doc's state is the durable one. (Kept while commits
      // come: a room edited with pauses of a few seconds computed it again at each first update
      // after a pause, walking the whole document's deletions.)
      const edited = this.committedSinceSweep;
      this.committedSinceSweep = false;
      if (!edited && this.durableState !== null && !this.hasUnsavedUpdates) this.durableState = null;
      if (this.session && now - this.session.lastEditAt >= this.sessionIdleMs) this.endSession();
    } catch (error) {
      this.options.logger.log('error', 'room.sweep_failed', { room: this.name, error });
    }
  }

  private sweepPresence(now: number): void {
    let outdated: number[] | null = null;
    for (const [clientId, meta] of this.awareness.meta) {
      if (now - meta.lastUpdated < awarenessProtocol.outdatedTimeout) continue;
      if (clientId !== this.doc.clientID && this.awareness.states.has(clientId))
        (outdated ??= []).push(clientId);
    }
    if (outdated) awarenessProtocol.removeAwarenessStates(this.awareness, outdated, 'timeout');
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** True while some update is not yet durable. */
  get hasUnsavedUpdates(): boolean {
    return this.pending.length > 0 || this.inFlight;
  }

  /** True while acks of this room wait to be written (at the end of the turn or a later one, [ACK-3]). */
  get hasAcksDue(): boolean {
    return this.acksScheduled;
  }

  /** Identities of the room's live connections (for admin actions such as disabling an agent). */
  connectionsOf(agentId: string): RoomConnection[] {
    return [...this.connections].filter((c) => c.identity.agentId === agentId);
  }

  /** Every live connection of the room. */
  allConnections(): RoomConnection[] {
    return [...this.connections];
  }

  /** Joins a socket whose upgrade was authorised; consumes one lease. */
  addConnection(socket: RoomSocket, identity: ConnectionIdentity): RoomConnection {
    this.leases = Math.max(0, this.leases - 1);
    const conn = new Connection(this, socket, identity);
    this.connections.add(conn);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.send(conn, encoding.toUint8Array(encoder));
    if (identity.readOnly) {
      // Said once, up front: this connection's edits will not be accepted.
      const denied = encoding.createEncoder();
      encoding.writeVarUint(denied, MESSAGE_AUTH);
      authProtocol.writePermissionDenied(denied, READ_ONLY_REASON);
      this.send(conn, encoding.toUint8Array(denied));
    }
    const states = this.awareness.getStates();
    if (states.size > 0) this.send(conn, this.encodeAwareness([...states.keys()]));
    return conn;
  }

  /** Gives back a lease taken for a socket that never joined. */
  releaseLease(): void {
    this.leases = Math.max(0, this.leases - 1);
    this.checkIdle();
  }

  /** Resolves once every update received so far is durable (waits through retries). */
  whenFlushed(): Promise<void> {
    if (!this.hasUnsavedUpdates) return Promise.resolve();
    return new Promise((resolve) => (this.flushWaiters ??= []).push(resolve));
  }

  /** Approximate size of the document: bytes of its stored and pending updates. */
  get sizeBytes(): number {
    return this.docBytes;
  }

  /** Closes every connection (e.g. server shutdown). */
  closeAll(close: { code: number; reason: string }): void {
    for (const conn of [...this.connections]) this.kickConnection(conn, close);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.endSession();
    this.destroyed = true;
    this.options.fanout?.closed(this);
    this.options.sweep.delete(this);
    if (this.retryTimer) (this.options.timers ?? REAL_TIMERS).clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.doc.off('update', relayDocUpdate);
    (this.doc as RoomDoc).room = null;
    (this.awareness as RoomAwareness).room = null;
    this.awareness.destroy();
    this.doc.destroy();
  }

  /**
   * Connection.receiveBatch: the updates `read` applies land in one transaction of the doc
   * ([HOT-5]). Its cleanup, the update relayed, the row persisted and the acks are made once for
   * the batch rather than once per update: under load one TCP read holds dozens of a client's
   * updates (one keystroke each), and the doc's cleanup after each was most of their cost.
   * Each update is still checked on its own, against the doc with the batch's earlier ones in it.
   */
  receiveBatch(conn: Connection, read: () => void): void {
    if (this.batching) return read();
    this.batching = true;
    const queuedBefore = this.queuedSerial;
    try {
      Y.transact(this.doc, read, conn, false);
    } finally {
      this.batching = false;
      this.batchBytes = 0;
      if (this.batchUpdated) this.settleRedundant(conn, queuedBefore);
      this.batchUpdated = false;
      if (this.sessionEndDue) {
        this.sessionEndDue = false;
        if (this.connections.size === 0) this.endSession();
      }
    }
  }

  /** Connection.receive: one binary message from the client. */
  receiveFrom(conn: Connection, data: Uint8Array): void {
    if (!conn.open) return;
    const tooFast = this.options.admitMessage?.(conn.identity);
    if (tooFast) {
      this.refuse(conn, tooFast, 'message rate');
      return;
    }
    if (data.byteLength > this.options.maxMessageBytes) {
      this.options.logger.log('warn', 'sync.message_too_large', { room: this.name, bytes: data.byteLength });
      this.refuse(conn, CLOSE.TOO_LARGE, `message of ${data.byteLength} bytes`);
      return;
    }
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      switch (type) {
        case MESSAGE_SYNC:
          this.receiveSync(conn, decoder);
          break;
        case MESSAGE_AWARENESS:
          this.receiveAwareness(conn, readBytes(decoder));
          break;
        case MESSAGE_QUERY_AWARENESS:
          this.send(conn, this.encodeAwareness([...this.awareness.getStates().keys()]));
          break;
        default:
          throw new MalformedMessage(`unknown message type ${type}`);
      }
    } catch (error) {
      this.options.logger.log('warn', 'sync.malformed_message', {
        room: this.name,
        agentId: conn.identity.agentId,
        error: error instanceof Error ? error.message : String(error),
      });
      this.refuse(conn, CLOSE.MALFORMED, error instanceof Error ? error.message : String(error));
    }
  }

  private receiveSync(conn: Connection, decoder: decoding.Decoder): void {
    const subtype = decoding.readVarUint(decoder);
    switch (subtype) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = readBytes(decoder);
        Y.decodeStateVector(stateVector); // throws on a malformed one, before it is kept
        if (conn.answerInFlight > 0) conn.nextStep1 = stateVector;
        else this.answerStep1(conn, stateVector);
        return;
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const update = readBytes(decoder);
        const queuedBefore = this.queuedSerial;
        // Not syncProtocol.readSyncStep2: it swallows errors; a broken update must close the socket.
        if (!this.applyClientUpdate(conn, update)) return;
        // The client's initial sync is done: tell it what is durable now, or once every update
        // the doc holds (what the client sent and was sent included) is.
        if (subtype === syncProtocol.messageYjsSyncStep2) this.ackWhenDurable(conn);
        else if (this.batching) this.batchUpdated = true;
        else this.settleRedundant(conn, queuedBefore);
        return;
      }
      default:
        throw new MalformedMessage(`unknown sync message type ${subtype}`);
    }
  }

  /** Acknowledges `conn` once everything the doc holds now is durable (at once if it is). */
  private ackWhenDurable(conn: Connection): void {
    if (this.hasUnsavedUpdates) conn.awaits(this.queuedSerial);
    else this.ackLater(conn);
  }

  /**
   * A client's update (or batch) that queued nothing changed nothing here: another agent's same
   * edit came first (two deleting the same words). It is still the client's to see
   * acknowledged, once what the doc holds is durable.
   */
  private settleRedundant(conn: Connection, queuedBefore: number): void {
    if (conn.open && this.queuedSerial === queuedBefore) this.ackWhenDurable(conn);
  }

  /**
   * Sends the updates the client lacks. One answer at a time per connection: step 1 messages
   * received until it is written are answered once, then, for the last of them (each answer
   * holds the whole difference, so the earlier ones add nothing). A client that asks again and
   * again without reading thus costs one answer, not one per message.
   */
  private answerStep1(conn: Connection, stateVector: Uint8Array): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep2(encoder, this.doc, stateVector);
    const answer = encoding.toUint8Array(encoder);
    conn.answerInFlight = answer.byteLength;
    this.send(conn, answer, () => {
      conn.answerInFlight = 0;
      const next = conn.nextStep1;
      conn.nextStep1 = null;
      if (next && conn.open && !this.destroyed) this.answerStep1(conn, next);
    });
  }

  /** Checks and applies a client's update; false when the connection was closed instead. */
  private applyClientUpdate(conn: Connection, update: Uint8Array): boolean {
    // Step 2 of a client with nothing new is an empty update: nothing to check or count.
    if (update.byteLength <= 2 && update.every((b) => b === 0)) return true;
    const problem = updateProblem(this.doc, update, this.maxTypeDepth);
    if (problem === 'clock-gap' || problem === 'missing-dependency' || problem === 'delete-beyond-state') {
      conn.unresolved += 1;
      if (conn.unresolved > MAX_UNRESOLVED_UPDATES) {
        this.refuse(conn, CLOSE.MALFORMED, `update refused: ${problem}, ${conn.unresolved} times in a row`);
        return false;
      }
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      this.send(conn, encoding.toUint8Array(encoder));
      return true;
    }
    if (problem) {
      this.refuse(conn, CLOSE.MALFORMED, `update refused: ${problem}`);
      return false;
    }
    // A relecteur writes comments only: anything else is dropped whole, without closing.
    if (
      conn.identity.readOnly &&
      !(this.reviewerChecks ??= new RateLimiter(REVIEWER_CHECKS)).take(conn.identity.agentId)
    ) {
      this.refuse(conn, CLOSE.TOO_FAST, 'relecteur updates');
      return false;
    }
    const reviewerProblem = conn.identity.readOnly
      ? reviewerUpdateProblem(this.name, this.doc, update, conn.identity.agentId)
      : null;
    if (reviewerProblem) {
      this.options.logger.log('warn', 'sync.reviewer_update_dropped', {
        room: this.name,
        agentId: conn.identity.agentId,
        problem: reviewerProblem,
      });
      this.options.metrics?.inc('usine_refusals_total', { code: 'read-only' });
      return true;
    }
    if (this.docBytes + this.batchBytes + update.byteLength > this.options.maxDocBytes) {
      this.refuse(conn, CLOSE.TOO_LARGE, `document would exceed ${this.options.maxDocBytes} bytes`);
      return false;
    }
    const refusal = this.options.admitUpdate?.(conn.identity, this.name, update.byteLength);
    if (refusal) {
      this.refuse(conn, refusal, `update of ${update.byteLength} bytes refused`);
      return false;
    }
    // Counted until the transaction's end moves what was new into docBytes (docUpdated).
    if (this.batching) this.batchBytes += update.byteLength;
    const store = this.doc.store;
    const pendingBefore = store.pendingStructs !== null || store.pendingDs !== null;
    Y.applyUpdate(this.doc, update, conn);
    if (!pendingBefore && (store.pendingStructs !== null || store.pendingDs !== null)) {
      // What the guard cannot see (structs of several clients waiting for one another) would
      // stay pending forever: dropped, and the connection closed; what integrated stays.
      store.pendingStructs = null;
      store.pendingDs = null;
      this.refuse(conn, CLOSE.MALFORMED, 'update left structs pending');
      return false;
    }
    conn.unresolved = 0;
    this.options.metrics?.updateApplied();
    return true;
  }

  private refuse(conn: Connection, close: CloseCode, detail: string): void {
    this.options.logger.log('warn', 'sync.refused', {
      room: this.name,
      agentId: conn.identity.agentId,
      code: close.code,
      reason: close.reason,
      detail,
    });
    this.options.metrics?.inc('usine_refusals_total', { code: close.reason });
    this.options.onRefused?.(conn.identity, this.name, close, detail);
    this.kickConnection(conn, close);
  }

  private receiveAwareness(conn: Connection, update: Uint8Array): void {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const kept: Array<{ clientId: number; clock: number; state: string }> = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const raw = decoding.readVarString(decoder);
      // y-websocket clients echo the others' states they received: skipped unread.
      if (conn.clientId !== null && clientId !== conn.clientId) continue;
      if (clientId === this.doc.clientID) continue;
      const bytes = Buffer.byteLength(raw);
      if (bytes > this.options.maxAwarenessStateBytes) {
        this.refuse(conn, CLOSE.TOO_LARGE, `awareness state of ${bytes} bytes`);
        return;
      }
      const parsed: unknown = JSON.parse(raw);
      if (conn.clientId === null) {
        // Bound on the first non-null state, and only to a clientID no live connection holds.
        if (parsed === null || this.ownerOf(clientId)) continue;
        conn.clientId = clientId;
      }
      kept.push({ clientId, clock, state: JSON.stringify(this.verifiedState(conn, parsed)) });
    }
    if (kept.length === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, kept.length);
    for (const entry of kept) {
      encoding.writeVarUint(encoder, entry.clientId);
      encoding.writeVarUint(encoder, entry.clock);
      encoding.writeVarString(encoder, entry.state);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encoding.toUint8Array(encoder), conn);
  }

  /** The live connection speaking for this awareness clientID, if any. */
  private ownerOf(clientId: number): Connection | undefined {
    for (const other of this.connections) if (other.clientId === clientId) return other;
    return undefined;
  }

  /** Presence shows the server-verified name and colour, whatever the client claimed. */
  private verifiedState(conn: Connection, state: unknown): Record<string, unknown> | null {
    if (state === null) return null;
    const base: Record<string, unknown> =
      typeof state === 'object' && !Array.isArray(state) ? { ...(state as Record<string, unknown>) } : {};
    base.name = conn.identity.displayName;
    base.color = conn.identity.color;
    const user = base.user;
    if (user && typeof user === 'object' && !Array.isArray(user)) {
      base.user = {
        ...(user as Record<string, unknown>),
        name: conn.identity.displayName,
        color: conn.identity.color,
      };
    }
    return base;
  }

  /** The doc's 'update' (relayDocUpdate): relayed to the other connections, then persisted. */
  docUpdated(update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
    // Recorded before it is relayed: relaying may close slow sockets, whose hooks run here.
    this.docBytes += update.byteLength;
    this.batchBytes = 0;
    if (origin === ORIGIN_REMOTE) {
      this.remoteChanged = true;
    } else {
      // Nothing was unsaved: the durable state is the doc's as it was before this transaction.
      this.durableState ??= encodeDocStateBefore(this.doc, transaction);
      this.pending.push(update);
      this.queuedSerial += 1;
      if (origin instanceof Connection) origin.awaits(this.queuedSerial);
      this.schedulePersist();
    }
    const message = encodeUpdateMessage(update);
    for (const conn of this.connections) if (conn !== origin) this.send(conn, message);
    // A client's edits, even if the batch that carried them closed its connection (the session
    // may have ended meanwhile: they open the next one).
    if (origin instanceof Connection) this.noteEdit(origin.identity);
  }

  /** Cluster mode: the highest sequence number up to which the doc holds every update. */
  get knownSeq(): number {
    return this.seq;
  }

  /** Cluster mode: the ranges known beyond `knownSeq` (a gap before them), for the tests. */
  get hasGap(): boolean {
    return this.ahead !== null;
  }

  /**
   * Cluster mode: updates another node committed as `fromSeq … toSeq` ([CLUSTER-3]). Already
   * durable: relayed to this node's clients, not persisted again, not fanned out again.
   */
  applyRemote(fromSeq: number, toSeq: number, updates: Uint8Array[]): void {
    if (this.destroyed || toSeq <= this.seq) return;
    // What comes through Redis is checked as a client's update is (a node checked it, but
    // Redis is not the record): a forged one is dropped and the room reads PostgreSQL instead.
    for (const update of updates) {
      const problem = updateProblem(this.doc, update, this.maxTypeDepth);
      // Updates ahead of what this node has are normal here: Yjs keeps them pending (below).
      if (!problem || problem === 'clock-gap' || problem === 'missing-dependency') continue;
      if (problem === 'delete-beyond-state') continue;
      this.options.logger.log('warn', 'cluster.remote_update_refused', { room: this.name, problem });
      this.options.fanout?.gap(this);
      return;
    }
    try {
      this.doc.transact(() => {
        for (const update of updates) Y.applyUpdate(this.doc, update, ORIGIN_REMOTE);
      }, ORIGIN_REMOTE);
    } catch (error) {
      this.options.logger.log('warn', 'cluster.remote_update_failed', { room: this.name, error });
      this.options.fanout?.gap(this);
      return;
    }
    this.noteSeqRange(fromSeq, toSeq);
    // Updates waiting for others (Yjs keeps them pending): those others are missing.
    if (this.doc.store.pendingStructs || this.doc.store.pendingDs) this.options.fanout?.gap(this);
    this.afterRemote();
  }

  /** Cluster mode: presence of another node's clients. */
  applyRemoteAwareness(update: Uint8Array): void {
    if (this.destroyed) return;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, ORIGIN_REMOTE);
    } catch (error) {
      this.options.logger.log('warn', 'cluster.remote_awareness_failed', { room: this.name, error });
    }
  }

  /** Cluster mode: the presence of this node's clients, encoded (null: none). */
  localAwareness(): Uint8Array | null {
    const ids: number[] = [];
    for (const conn of this.connections) if (conn.hasPresence) ids.push(conn.clientId!);
    return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null;
  }

  /**
   * Cluster mode: reads from the store what was committed after `knownSeq` and applies it — a
   * late or lost fan-out message loses nothing ([CLUSTER-4]). One read at a time; a call
   * during one runs another after it.
   */
  catchUp(): Promise<void> {
    const fanout = this.options.fanout;
    if (!fanout || this.destroyed) return Promise.resolve();
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    const run = async (): Promise<void> => {
      do {
        this.catchUpAgain = false;
        const stored = await fanout.loadSince(this.name, this.seq);
        if (this.destroyed) return;
        if (stored.updates.length > 0) {
          this.doc.transact(() => {
            for (const update of stored.updates) Y.applyUpdate(this.doc, update, ORIGIN_REMOTE);
          }, ORIGIN_REMOTE);
        }
        if (stored.seq > this.seq) this.noteSeqRange(this.seq + 1, stored.seq);
        this.afterRemote();
      } while (this.catchUpAgain && !this.destroyed);
    };
    this.catchingUp = run()
      .catch((error: unknown) => {
        this.options.metrics?.inc('usine_errors_total', { kind: 'cluster_catch_up' });
        this.options.logger.log('warn', 'cluster.catch_up_failed', { room: this.name, error });
      })
      .finally(() => {
        this.catchingUp = null;
      });
    return this.catchingUp;
  }

  /** Sequence numbers `fromSeq … toSeq` are in the doc. */
  private noteSeqRange(fromSeq: number, toSeq: number): void {
    if (fromSeq > this.seq + 1) {
      (this.ahead ??= []).push([fromSeq, toSeq]);
      this.options.fanout?.gap(this);
      return;
    }
    this.seq = Math.max(this.seq, toSeq);
    if (!this.ahead) return;
    this.ahead.sort((a, b) => a[0] - b[0]);
    while (this.ahead.length > 0 && this.ahead[0]![0] <= this.seq + 1) {
      this.seq = Math.max(this.seq, this.ahead.shift()![1]);
    }
    if (this.ahead.length === 0) this.ahead = null;
  }

  /**
   * Other nodes' updates are durable: with nothing of this node's unsaved, the whole doc is,
   * and its clients are told so ([CLUSTER-5]).
   */
  private afterRemote(): void {
    if (!this.remoteChanged) return;
    this.remoteChanged = false;
    if (this.hasUnsavedUpdates) return; // the next commit's ack covers them
    // Their writers were acknowledged by their node; they came to this node's clients as relays
    // (acknowledged to version 1 clients, which judge coverage on acks alone).
    this.durableState = null;
    this.ackLater(null);
  }

  /** The presence's 'update' (RoomAwareness): relayed to every connection, and the other nodes. */
  presenceChanged(change: PresenceChange, origin: unknown): void {
    const changed = [...change.added, ...change.updated, ...change.removed];
    // What the connection itself set (its bound clientID's entry may also be ignored, or set by
    // another node): only that is removed when it leaves.
    if (this.connections.has(origin as Connection)) {
      const conn = origin as Connection;
      if (change.removed.includes(conn.clientId!)) conn.presenceSet = false;
      else if (change.added.includes(conn.clientId!) || change.updated.includes(conn.clientId!))
        conn.presenceSet = true;
    }
    if (changed.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const message = sharedMessage(this.wrapAwareness(update));
    for (const conn of this.connections) this.send(conn, message);
    // This node's clients' presence (and its removal when they leave), not the others'.
    if (this.options.fanout && (origin === null || this.connections.has(origin as Connection))) {
      this.options.fanout.awareness(this, update);
    }
  }

  private encodeAwareness(clients: number[]): Uint8Array {
    return this.wrapAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
  }

  private wrapAwareness(update: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, update);
    return encoding.toUint8Array(encoder);
  }

  private schedulePersist(): void {
    if (this.persistScheduled || this.inFlight || this.retryTimer) return;
    this.persistScheduled = true;
    queueMicrotask(() => {
      this.persistScheduled = false;
      void this.persist();
    });
  }

  private async persist(): Promise<void> {
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Every update applied to the doc so far is either durable already or in this batch, so
    // the doc's state now is exactly what will be durable once the batch commits.
    const stateAfterBatch = encodeDocState(this.doc);
    const serialAfterBatch = this.queuedSerial;
    this.inFlight = true;
    const started = performance.now();
    let seq: number;
    try {
      seq = await this.options.store.appendUpdates(this.name, batch);
    } catch (error) {
      this.inFlight = false;
      this.options.metrics?.inc('usine_errors_total', { kind: 'store_append' });
      // Keep the updates (in order) and retry: the document stays in memory, nothing is dropped.
      this.pending = batch.concat(this.pending);
      const delay = this.retryDelayMs;
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.maxRetryDelayMs);
      this.options.logger.log('error', 'store.append_failed', {
        room: this.name,
        updates: this.pending.length,
        retryInMs: delay,
        error,
      });
      if (!this.destroyed) {
        this.retryTimer = (this.options.timers ?? REAL_TIMERS).setTimeout(() => {
          this.retryTimer = null;
          void this.persist();
        }, delay);
      }
      return;
    }
    this.inFlight = false;
    this.options.metrics?.observe('usine_persist_seconds', (performance.now() - started) / 1000);
    this.retryDelayMs = this.options.retryDelayMs;
    this.rowCount += batch.length;
    this.durableState = stateAfterBatch;
    this.durableSerial = serialAfterBatch;
    this.committedSinceSweep = true;
    if (this.options.fanout) this.clusterCommitted(batch, seq);
    this.ackLater(null);
    if (this.rowCount > this.options.compactThreshold) await this.compact();
    // A batch started during the compaction: its own end resolves the waiters.
    if (this.inFlight) return;
    if (this.pending.length > 0) {
      void this.persist();
      return;
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = null;
    for (const resolve of waiters ?? []) resolve();
    this.checkIdle();
  }

  /** Cluster mode: a batch of this node's is committed as `seq - n + 1 … seq`. */
  private clusterCommitted(batch: Uint8Array[], seq: number): void {
    this.noteSeqRange(seq - batch.length + 1, seq);
    this.options.fanout?.committed(this, batch, seq);
    // Other nodes' updates applied while the batch was in flight are durable too.
    this.remoteChanged = false;
    if (this.pending.length === 0) this.durableState = null;
  }

  /**
   * Acknowledges the durable state to `conn`, or (null, after a commit) to the connections whose
   * awaited serial it reached, at the end of the current turn (a microtask): one ack per socket
   * however many commits and initial syncs the turn saw, carrying the newest durable state — a
   * later ack covers everything an earlier one did, and the client keeps only the last one.
   */
  private ackLater(conn: Connection | null): void {
    if (conn) conn.ackDue = true;
    else this.durableMoved = true;
    if (this.acksScheduled) return;
    this.acksScheduled = true;
    if (roomsWithAcksDue.push(this) === 1) queueMicrotask(sendDueAcks);
  }

  /** The acks due at the end of the turn (sendDueAcks); returns how many were written. */
  sendAcks(): number {
    this.acksScheduled = false;
    const moved = this.durableMoved;
    this.durableMoved = false;
    let ack: Uint8Array | null = null;
    let written = 0;
    for (const conn of this.connections) {
      const reached = conn.awaitedSerial !== 0 && conn.awaitedSerial <= this.durableSerial;
      const legacy = moved && conn.identity.protocolVersion === 1;
      if (!conn.ackDue && !reached && !legacy) continue;
      conn.ackDue = false;
      // Its updates not in this commit are all in the next one, which acknowledges it again.
      if (reached) conn.awaitedSerial = conn.lastSerial > this.durableSerial ? conn.lastSerial : 0;
      if (this.destroyed) continue;
      // Null: nothing unsaved, the doc's state is durable; kept until the sweep finds the room quiet.
      ack ??= sharedMessage(encodePersistedAck((this.durableState ??= encodeDocState(this.doc))));
      this.send(conn, ack);
      written += 1;
    }
    return written;
  }

  private async compact(): Promise<void> {
    try {
      await this.options.store.compact(this.name);
      this.rowCount = 1;
      this.docBytes = Y.encodeStateAsUpdate(this.doc).byteLength;
    } catch (error) {
      this.options.logger.log('warn', 'store.compact_failed', { room: this.name, error });
    }
  }

  private send(conn: Connection, message: Uint8Array, onWritten?: () => void): void {
    if (!conn.open) return;
    // The answer in flight is allowed on top of the bound: a large page's first sync is one
    // message of the whole document, and a step 1 has at most one answer in flight.
    const backlog = conn.socket.bufferedAmount - conn.answerInFlight;
    if (backlog > 0 && backlog + message.byteLength > this.options.maxBufferedBytes) {
      this.refuse(conn, CLOSE.TOO_SLOW, `${backlog} bytes not read by the client`);
      return;
    }
    try {
      conn.socket.sendMessage(message, onWritten);
    } catch (error) {
      this.options.logger.log('warn', 'sync.send_failed', { room: this.name, error });
      this.kickConnection(conn, CLOSE.SERVER_SHUTDOWN);
    }
  }

  /** Connection.kick: closes the socket with one of CLOSE and leaves the room. */
  kickConnection(conn: Connection, close: { code: number; reason: string }): void {
    if (conn.open) {
      try {
        conn.socket.closeWith(close.code, close.reason);
      } catch {
        // the transport is already gone
      }
    }
    this.connectionClosed(conn);
  }

  /** Connection.closed: the transport closed; idempotent. */
  connectionClosed(conn: Connection): void {
    if (!conn.open) return;
    conn.open = false;
    this.connections.delete(conn);
    if (conn.hasPresence && !this.destroyed) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [conn.clientId!], null);
    }
    // During a batch, the session ends after it: its edits (noted when the batch's transaction
    // ends) belong to it.
    if (this.connections.size === 0) {
      if (this.batching) this.sessionEndDue = true;
      else this.endSession();
    }
    this.checkIdle();
  }

  private noteEdit(identity: ConnectionIdentity): void {
    if (!this.options.onSessionEnd) return;
    const name = identity.displayName;
    const session = this.session;
    if (!session) {
      this.session = { editors: name, lastEditAt: Date.now() };
      return;
    }
    session.lastEditAt = Date.now();
    if (session.editors === name) return;
    if (typeof session.editors === 'string') session.editors = new Set([session.editors, name]);
    else session.editors.add(name);
  }

  private get sessionIdleMs(): number {
    return this.options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  }

  private endSession(): void {
    const session = this.session;
    this.session = null;
    if (!session || this.destroyed) return;
    const editors = typeof session.editors === 'string' ? [session.editors] : [...session.editors];
    try {
      this.options.onSessionEnd?.(this, editors);
    } catch (error) {
      this.options.logger.log('error', 'room.session_end_failed', { room: this.name, error });
    }
  }

  private checkIdle(): void {
    if (!this.destroyed && this.connections.size === 0 && this.leases === 0) this.options.onIdle(this);
  }
}
