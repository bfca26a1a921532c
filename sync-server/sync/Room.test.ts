// Tier a: the room core with in-memory sockets flushed by hand — no network, no `ws`.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  CLOSE,
  MESSAGE_AWARENESS,
  MESSAGE_PERSISTED_ACK,
  MESSAGE_SYNC,
  encodeDocState,
  isCoveredBy,
} from '../../site/syncProtocol';
import type { DocStore } from '../storage/DocStore';
import { silentLogger } from '../observability/Logger';
import { MemoryDocStore } from '../storage/MemoryDocStore';
import { ACKS_PER_TURN, encodeUpdateMessage, type ConnectionIdentity, type RoomSocket } from './Room';
import { RoomManager } from './RoomManager';

class MemorySocket implements RoomSocket {
  sent: Uint8Array[] = [];
  closedWith: { code: number; reason: string } | null = null;
  /** What a test says is still queued; a message is "written" when `written` runs. */
  bufferedAmount = 0;
  private unwritten: Array<() => void> = [];
  sendMessage(data: Uint8Array, onWritten?: () => void): void {
    this.sent.push(data);
    if (onWritten) this.unwritten.push(onWritten);
  }
  /** The client read everything: the write callbacks run. */
  written(): void {
    const callbacks = this.unwritten;
    this.unwritten = [];
    for (const callback of callbacks) callback();
  }
  closeWith(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  acks(): Uint8Array[] {
    return this.sent.flatMap((m) => {
      const d = decoding.createDecoder(m);
      return decoding.readVarUint(d) === MESSAGE_PERSISTED_ACK ? [decoding.readVarUint8Array(d)] : [];
    });
  }
}

const ALICE: ConnectionIdentity = { agentId: 'a', displayName: 'Alice', color: '#1f5fbf', readOnly: false };

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = encodeDocState(doc);
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc, before);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A sync step 2 carrying what `doc` holds. */
function step2Message(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(e, doc);
  return encoding.toUint8Array(e);
}

/** A memory store whose writes wait while `hold` is set, until release(). */
class GatedStore extends MemoryDocStore {
  hold = false;
  private opened: (() => void) | null = null;
  private gate: Promise<void> = Promise.resolve();

  override async appendUpdates(room: string, updates: Uint8Array[]): Promise<number> {
    if (this.hold) {
      this.gate = new Promise((resolve) => (this.opened = resolve));
      this.hold = false;
    }
    await this.gate;
    return super.appendUpdates(room, updates);
  }

  release(): void {
    this.opened?.();
  }
}

describe('Room', () => {
  it('closes a message above the size limit with 4413', async () => {
    const rooms = new RoomManager({
      store: new MemoryDocStore(),
      logger: silentLogger,
      maxMessageBytes: 1000,
    });
    const room = await rooms.open('13001/site');
    const socket = new MemorySocket();
    const conn = room.addConnection(socket, ALICE);
    conn.receive(updateMessage(edit(new Y.Doc(), 'x'.repeat(2000))));
    expect(socket.closedWith).toEqual(CLOSE.TOO_LARGE);
    expect(room.doc.getText('t').length).toBe(0);
    await rooms.close();
  });

  it('keeps updates in memory while the store fails, retries, then acknowledges', async () => {
    const memory = new MemoryDocStore();
    let failures = 2;
    const flaky: DocStore = Object.assign(Object.create(memory) as DocStore, {
      appendUpdates: (room: string, updates: Uint8Array[]) =>
        failures-- > 0 ? Promise.reject(new Error('disk full')) : memory.appendUpdates(room, updates),
    });
    const rooms = new RoomManager({ store: flaky, logger: silentLogger, retryDelayMs: 5 });
    const room = await rooms.open('13001/site');
    const socket = new MemorySocket();
    const conn = room.addConnection(socket, ALICE);
    const client = new Y.Doc();
    conn.receive(updateMessage(edit(client, 'gardé')));
    conn.closed(); // the client leaves before anything is durable: the room must stay loaded
    expect(room.hasUnsavedUpdates).toBe(true);
    await room.whenFlushed();
    expect(failures).toBeLessThan(0);
    expect((await memory.loadDoc('13001/site')).updates).toHaveLength(1);
    await tick();
    expect(rooms.openRoomCount).toBe(0);
    const reopened = await rooms.readDoc('13001/site');
    expect(reopened.getText('t').toString()).toBe('gardé');
    await rooms.close();
  });

  it('[ACK-1] acks the writer once its update is durable, not the connections it was relayed to', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/site');
    const writer = new MemorySocket();
    const watcher = new MemorySocket();
    const conn = room.addConnection(writer, ALICE);
    await rooms.open('13001/site');
    room.addConnection(watcher, { ...ALICE, agentId: 'b' });
    const client = new Y.Doc();
    conn.receive(updateMessage(edit(client, 'hello')));
    expect(writer.acks()).toHaveLength(0); // not before the commit
    await room.whenFlushed();
    await tick();
    expect(isCoveredBy(encodeDocState(client), writer.acks().at(-1)!)).toBe(true);
    expect(watcher.acks()).toHaveLength(0);
    // Each of its later updates too, once committed.
    conn.receive(updateMessage(edit(client, ' à tous')));
    await room.whenFlushed();
    await tick();
    expect(writer.acks()).toHaveLength(2);
    expect(isCoveredBy(encodeDocState(client), writer.acks().at(-1)!)).toBe(true);
    expect(watcher.acks()).toHaveLength(0);
    await rooms.close();
  });

  it('[ACK-1] an update that changes nothing on the server (a colleague made the same deletion first) is acknowledged too', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/site');
    await rooms.open('13001/site');
    const aSocket = new MemorySocket();
    const a = room.addConnection(aSocket, ALICE);
    const b = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'b' });
    const docA = new Y.Doc();
    a.receive(updateMessage(edit(docA, 'Réunion annulée')));
    await room.whenFlushed();
    const docB = new Y.Doc();
    Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA));
    // Both delete « annulée »; B's deletion reaches the server first.
    const svBefore = Y.encodeStateVector(docA);
    docA.getText('t').delete(8, 7);
    docB.getText('t').delete(8, 7);
    b.receive(updateMessage(Y.encodeStateAsUpdate(docB, svBefore)));
    await room.whenFlushed();
    await tick();
    const acksBefore = aSocket.acks().length;
    expect(isCoveredBy(encodeDocState(docA), aSocket.acks().at(-1)!)).toBe(false);
    a.receive(updateMessage(Y.encodeStateAsUpdate(docA, svBefore)));
    await room.whenFlushed();
    await tick();
    expect(aSocket.acks().length).toBe(acksBefore + 1);
    expect(isCoveredBy(encodeDocState(docA), aSocket.acks().at(-1)!)).toBe(true);
    await rooms.close();
  });

  it('[ACK-1] an initial sync ending while updates are unsaved is acknowledged once they are durable', async () => {
    const gate = new GatedStore();
    const rooms = new RoomManager({ store: gate, logger: silentLogger });
    const room = await rooms.open('13001/site');
    await rooms.open('13001/site');
    const writer = room.addConnection(new MemorySocket(), ALICE);
    const joinerSocket = new MemorySocket();
    const joiner = room.addConnection(joinerSocket, { ...ALICE, agentId: 'b' });
    const client = new Y.Doc();
    gate.hold = true;
    writer.receive(updateMessage(edit(client, 'hello')));
    await tick();
    // The joiner's initial sync ends (an empty step 2) while the write is held: no ack yet.
    joiner.receive(step2Message(new Y.Doc()));
    await tick();
    expect(joinerSocket.acks()).toHaveLength(0);
    gate.release();
    await room.whenFlushed();
    await tick();
    expect(joinerSocket.acks()).toHaveLength(1);
    expect(isCoveredBy(encodeDocState(client), joinerSocket.acks()[0]!)).toBe(true);
    await rooms.close();
  });

  it('[ACK-3] a commit acknowledging many writers writes their acks a few per turn; an edit read meanwhile is relayed before the last of them', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    let turn = 0;
    const ackTurns: number[] = [];
    let relayedAtAck = -1;
    class TurnSocket extends MemorySocket {
      override sendMessage(data: Uint8Array, onWritten?: () => void): void {
        super.sendMessage(data, onWritten);
        if (data[0] === MESSAGE_PERSISTED_ACK) ackTurns.push(turn);
      }
    }
    const writers = [];
    for (let i = 0; i < 12; i++) {
      const room = await rooms.open(`13001/page/ack-${i}`);
      const socket = new TurnSocket();
      writers.push({ conn: room.addConnection(socket, ALICE), socket, doc: new Y.Doc() });
    }
    // A colleague's room: B reads what A writes.
    const shared = await rooms.open('13001/page/shared');
    const a = shared.addConnection(new MemorySocket(), { ...ALICE, agentId: 'a2' });
    const reader = new MemorySocket();
    shared.addConnection(reader, { ...ALICE, agentId: 'b' });
    const readerSaw = () => reader.sent.filter((m) => m[0] === MESSAGE_SYNC).length;
    const before = readerSaw();
    // Twelve updates in one turn: one commit each, all in this turn (the memory store answers at once).
    for (const w of writers) w.conn.receive(updateMessage(edit(w.doc, 'bonjour')));
    // The next turns: A's edit arrives in the first of them.
    const turns = new Promise<void>((resolve) => {
      const next = () => {
        turn += 1;
        if (turn === 1) {
          a.receive(updateMessage(edit(new Y.Doc(), 'salut')));
          if (readerSaw() > before) relayedAtAck = ackTurns.length;
        }
        if (turn < 10) setImmediate(next);
        else resolve();
      };
      setImmediate(next);
    });
    await turns;
    expect(ackTurns).toHaveLength(12);
    const perTurn = new Map<number, number>();
    for (const t of ackTurns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(ACKS_PER_TURN);
    expect(perTurn.size).toBeGreaterThanOrEqual(Math.ceil(12 / ACKS_PER_TURN));
    // Relayed at once, while acks were still to be written.
    expect(relayedAtAck).toBeGreaterThanOrEqual(0);
    expect(relayedAtAck).toBeLessThan(12);
    for (const w of writers) expect(isCoveredBy(encodeDocState(w.doc), w.socket.acks().at(-1)!)).toBe(true);
    await rooms.close();
  });

  it('[HOT-2] one persisted-ack per socket and turn, carrying the newest durable state', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/site');
    await rooms.open('13001/site');
    const writer = new MemorySocket();
    const watcher = new MemorySocket();
    const alice = room.addConnection(writer, ALICE);
    const bob = room.addConnection(watcher, { ...ALICE, agentId: 'b' });
    const client = new Y.Doc();
    alice.receive(updateMessage(edit(client, 'hello')));
    await room.whenFlushed();
    await tick();
    expect([writer.acks().length, watcher.acks().length]).toEqual([1, 0]);
    // A client resyncing several times in one turn (each step 2 would be acked): one ack.
    const emptyStep2 = () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeSyncStep2(e, client, Y.encodeStateVector(client));
      return encoding.toUint8Array(e);
    };
    for (let i = 0; i < 3; i++) bob.receive(emptyStep2());
    await tick();
    expect(watcher.acks()).toHaveLength(1);
    expect(writer.acks()).toHaveLength(1);
    expect(isCoveredBy(encodeDocState(client), watcher.acks().at(-1)!)).toBe(true);
    await rooms.close();
  });

  it('compacts the log past the threshold without changing the content', async () => {
    const store = new MemoryDocStore();
    const rooms = new RoomManager({ store, logger: silentLogger, compactThreshold: 10 });
    const room = await rooms.open('13001/site');
    const conn = room.addConnection(new MemorySocket(), ALICE);
    const client = new Y.Doc();
    for (let i = 0; i < 12; i++) {
      conn.receive(updateMessage(edit(client, String(i % 10))));
      await room.whenFlushed();
    }
    expect(await store.countUpdates('13001/site')).toBeLessThan(5);
    expect((await store.loadDoc('13001/site')).seq).toBe(12);
    const copy = await rooms.readDoc('13001/site');
    expect(copy.getText('t').toString()).toBe(client.getText('t').toString());
    await rooms.close();
  });

  it("relays only the connection's own awareness clientID, with the verified name and colour", async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/site');
    const conn = room.addConnection(new MemorySocket(), ALICE);
    const own = new awarenessProtocol.Awareness(new Y.Doc());
    own.setLocalState({ name: 'Usurpateur', color: '#000000', cursor: 3 });
    const other = new awarenessProtocol.Awareness(new Y.Doc());
    other.setLocalState({ name: 'Quelqu’un d’autre' });
    for (const [aw, id] of [
      [own, own.clientID],
      [other, other.clientID],
    ] as const) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(aw, [id]));
      conn.receive(encoding.toUint8Array(e));
    }
    expect([...room.awareness.getStates().keys()]).toEqual([own.clientID]);
    expect(room.awareness.getStates().get(own.clientID)).toEqual({
      name: 'Alice',
      color: '#1f5fbf',
      cursor: 3,
    });
    conn.closed();
    expect(room.awareness.getStates().size).toBe(0);
    own.destroy();
    other.destroy();
    await rooms.close();
  });

  it('[CONN-6] one timer for every room: a presence not renewed within 30 s leaves (its peers told), a renewed one stays', async () => {
    vi.useFakeTimers();
    let rooms: RoomManager;
    const opened = [];
    try {
      rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
      for (let i = 0; i < 20; i++)
        opened.push(await rooms.open(`13001/page/sweep${String(i).padStart(4, '0')}`));
      // Twenty rooms loaded: one timer in all (the sweep), none per room's presence.
      expect(vi.getTimerCount()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    const room = opened[0]!;
    const watcher = new MemorySocket();
    room.addConnection(watcher, ALICE);
    const silent = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'b', displayName: 'Bob' });
    const renewing = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'c', displayName: 'Chloé' });
    const clients = [
      new awarenessProtocol.Awareness(new Y.Doc()),
      new awarenessProtocol.Awareness(new Y.Doc()),
    ];
    clients.forEach((aw, i) => aw.setLocalState({ cursor: i }));
    for (const [conn, aw] of [
      [silent, clients[0]!],
      [renewing, clients[1]!],
    ] as const) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(aw, [aw.clientID]));
      conn.receive(encoding.toUint8Array(e));
    }
    // Presence is stamped by lib0's clock (fake timers do not move it): Bob's last one dates
    // back 29 s, then 31 s; Chloé's 10 s.
    const age = (aw: awarenessProtocol.Awareness, ms: number) =>
      (room.awareness.meta.get(aw.clientID)!.lastUpdated = Date.now() - ms);
    age(clients[0]!, 29_000);
    age(clients[1]!, 10_000);
    room.sweep(Date.now());
    expect(room.awareness.getStates().size).toBe(2);
    const heard = watcher.sent.length;
    age(clients[0]!, 31_000);
    room.sweep(Date.now());
    expect([...room.awareness.getStates().keys()]).toEqual([clients[1]!.clientID]);
    expect(watcher.sent.slice(heard).some((m) => m[0] === MESSAGE_AWARENESS)).toBe(true);
    // Leaving removes only what a connection set itself: Chloé's goes with her.
    renewing.closed();
    expect(room.awareness.getStates().size).toBe(0);
    for (const aw of clients) aw.destroy();
    await rooms!.close();
  });

  it('[FLOOD-6] answers step 1 once at a time: those received meanwhile get one answer once it is written', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/page/coalesce01');
    room.doc.getText('t').insert(0, 'contenu de la page');
    const socket = new MemorySocket();
    const conn = room.addConnection(socket, { ...ALICE, readOnly: true });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(step1, new Y.Doc());
    const answers = () =>
      socket.sent.filter((m) => m[0] === MESSAGE_SYNC && m[1] === syncProtocol.messageYjsSyncStep2).length;
    for (let i = 0; i < 50; i++) conn.receive(encoding.toUint8Array(step1));
    expect(answers()).toBe(1);
    socket.written();
    expect(answers()).toBe(2);
    socket.written();
    expect(answers()).toBe(2);
    await rooms.close();
  });

  it('[FLOOD-7] a send past the backlog bound closes with 4408; the step 2 answer in flight does not count', async () => {
    const rooms = new RoomManager({
      store: new MemoryDocStore(),
      logger: silentLogger,
      maxBufferedBytes: 1000,
    });
    const room = await rooms.open('13001/page/backlog01');
    room.doc.getText('t').insert(0, 'x'.repeat(5000));
    const slow = new MemorySocket();
    const conn = room.addConnection(slow, { ...ALICE, readOnly: true });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(step1, new Y.Doc());
    conn.receive(encoding.toUint8Array(step1));
    // The whole page (5 KB, over the bound) is queued: that answer alone is allowed.
    slow.bufferedAmount = slow.sent.reduce((n, m) => n + m.byteLength, 0);
    const writer = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'b' });
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
    writer.receive(updateMessage(edit(client, 'a')));
    expect(slow.closedWith).toBeNull();
    slow.bufferedAmount += 1000;
    writer.receive(updateMessage(edit(client, 'b')));
    expect(room.doc.getText('t').toString().startsWith('ba')).toBe(true);
    expect(slow.closedWith).toEqual(CLOSE.TOO_SLOW);
    await rooms.close();
  });

  it('refuses to open a room whose persisted state cannot be read (never an empty doc)', async () => {
    const memory = new MemoryDocStore();
    const broken: DocStore = Object.assign(Object.create(memory) as DocStore, {
      loadDoc: () => Promise.reject(new Error('I/O error')),
    });
    const rooms = new RoomManager({ store: broken, logger: silentLogger });
    await expect(rooms.open('13001/site')).rejects.toThrow('I/O error');
    expect(rooms.openRoomCount).toBe(0);
    await rooms.close();
  });

  it('[CONN-2] per-room session set, session timer and relecteur limiter exist only once used', async () => {
    const ended: string[][] = [];
    const rooms = new RoomManager({
      store: new MemoryDocStore(),
      logger: silentLogger,
      sessionIdleMs: 60_000,
      onSessionEnd: (_room, editors) => ended.push([...editors]),
    });
    const room = await rooms.open('13001/page/lazyroom');
    room.leases += 1;
    const perRoom = () => ({
      session: Reflect.get(room, 'session') as unknown,
      reviewer: Reflect.get(room, 'reviewerChecks') as unknown,
    });
    const alice = room.addConnection(new MemorySocket(), ALICE);
    const reader = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'r', readOnly: true });
    // Loaded and joined, never edited: nothing per session nor per relecteur yet.
    expect(perRoom()).toEqual({ session: null, reviewer: null });
    alice.receive(updateMessage(edit(new Y.Doc(), 'Alice ')));
    // One editor: their name, no set; no timer of the room's own (the sweep ends sessions).
    expect(perRoom().session).toMatchObject({ editors: 'Alice' });
    expect(perRoom().reviewer).toBeNull();
    reader.receive(updateMessage(edit(new Y.Doc(), 'ignoré ')));
    expect(perRoom().reviewer).not.toBeNull();
    // The last editor leaves: the session ends and its set and timer go with it.
    alice.closed();
    reader.closed();
    expect(ended).toEqual([['Alice']]);
    expect(perRoom()).toMatchObject({ session: null });
    await rooms.close();
  });

  it('[CONN-2] a connection has one handle: the re-authorization pass makes none per connection', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/page/handles1');
    const joined = room.addConnection(new MemorySocket(), ALICE);
    const passes = [0, 1, 2].map(() => [...rooms.loadedRooms()].flatMap((r) => r.allConnections()));
    expect(passes.every(([conn]) => conn === joined)).toBe(true);
    expect(room.connectionsOf(ALICE.agentId)).toEqual([joined]);
    await rooms.close();
  });

  it('[DUR-3] a room being edited keeps its durable state across sweeps; quiet for a whole pass, it drops it', async () => {
    // The sweep's own timer never fires here: the test runs its passes.
    vi.useFakeTimers({ toFake: ['setInterval'] });
    let gate: Promise<void> | null = null;
    const store = new MemoryDocStore();
    const append = store.appendUpdates.bind(store);
    store.appendUpdates = async (name, updates) => {
      if (gate) await gate;
      return append(name, updates);
    };
    const rooms = new RoomManager({ store, logger: silentLogger });
    let release: (() => void) | undefined;
    try {
      const room = await rooms.open('13001/page/durablekept');
      const kept = () => Reflect.get(room, 'durableState') as Uint8Array | null;
      const alice = room.addConnection(new MemorySocket(), ALICE);
      const client = new Y.Doc();
      const send = (text: string) => alice.receive(updateMessage(edit(client, text)));
      send('Bonjour ');
      await room.whenFlushed();
      const afterFirst = kept();
      expect(afterFirst).not.toBeNull();
      // Edited since the last pass: kept, and the same copy (nothing computed again).
      room.sweep(Date.now());
      expect(kept()).toBe(afterFirst);
      send('à tous');
      await room.whenFlushed();
      room.sweep(Date.now());
      expect(kept()).not.toBeNull();
      // Quiet over a whole pass: the doc's state is the durable one, no copy kept.
      room.sweep(Date.now());
      expect(kept()).toBeNull();
      send('!');
      await room.whenFlushed();
      // A kept copy claims no more than is durable: an edit whose write is held is not in it.
      const durable = encodeDocState(room.doc);
      gate = new Promise<void>((resolve) => (release = resolve));
      send('?');
      await new Promise((resolve) => setImmediate(resolve));
      expect(kept()).toEqual(durable);
      expect(encodeDocState(room.doc)).not.toEqual(durable);
      release!();
      await room.whenFlushed();
      expect(kept()).toEqual(encodeDocState(room.doc));
    } finally {
      // A failed assertion while the write is held must not leave the close waiting on it.
      gate = null;
      release?.();
      vi.useRealTimers();
      await rooms.close();
    }
  });

  it('[HIST-1][HIST-2] an editing session ends after the idle delay or when the last client leaves, naming who edited', async () => {
    vi.useFakeTimers();
    try {
      const ended: Array<{ room: string; editors: string[]; text: string }> = [];
      const rooms = new RoomManager({
        store: new MemoryDocStore(),
        logger: silentLogger,
        sessionIdleMs: 1000,
        onSessionEnd: (room, editors) =>
          ended.push({
            room: room.name,
            editors: [...editors].sort(),
            text: room.doc.getText('t').toString(),
          }),
      });
      const room = await rooms.open('13001/page/abcdefgh');
      room.leases += 2;
      const alice = room.addConnection(new MemorySocket(), ALICE);
      const bob = room.addConnection(new MemorySocket(), { ...ALICE, agentId: 'b', displayName: 'Bob' });
      const reader = room.addConnection(new MemorySocket(), {
        ...ALICE,
        agentId: 'r',
        displayName: 'Relectrice',
        readOnly: true,
      });
      const a = new Y.Doc();
      alice.receive(updateMessage(edit(a, 'Alice ')));
      await vi.advanceTimersByTimeAsync(600);
      bob.receive(updateMessage(edit(a, 'Bob ')));
      reader.receive(updateMessage(edit(new Y.Doc(), 'ignoré ')));
      // 1,100 ms after Alice's edit but only 500 after Bob's: the session goes on.
      await vi.advanceTimersByTimeAsync(500);
      expect(ended).toEqual([]);
      // 800 ms after Bob's edit: the session goes on; it ends at the sweep's first pass after
      // 1,000 ms (the sweep runs every quarter of the delay).
      await vi.advanceTimersByTimeAsync(300);
      expect(ended).toEqual([]);
      await vi.advanceTimersByTimeAsync(500);
      expect(ended).toEqual([{ room: '13001/page/abcdefgh', editors: ['Alice', 'Bob'], text: 'Bob Alice ' }]);

      // No edit since: leaving ends nothing. An edit then the last client leaving: at once.
      alice.closed();
      await vi.advanceTimersByTimeAsync(5000);
      expect(ended).toHaveLength(1);
      bob.receive(updateMessage(edit(a, 'Fin ')));
      reader.closed();
      expect(ended).toHaveLength(1);
      bob.closed();
      expect(ended).toHaveLength(2);
      expect(ended[1]).toMatchObject({ editors: ['Bob'], text: 'Fin Bob Alice ' });
      await vi.advanceTimersByTimeAsync(5000);
      expect(ended).toHaveLength(2);
      await rooms.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('encodeUpdateMessage', () => {
  it('writes what a lib0 encoder writes, for every length class', () => {
    for (const length of [0, 1, 127, 128, 16_383, 16_384, 2_097_152]) {
      const update = new Uint8Array(length).map((_, i) => i % 251);
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeUpdate(e, update);
      expect(new Uint8Array(encodeUpdateMessage(update))).toEqual(encoding.toUint8Array(e));
    }
  });
});

describe('updates the guard cannot order', () => {
  it('[HOT-6] structs of two clients waiting for one another: what integrated stays, the rest is dropped, the connection closed', async () => {
    const rooms = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const room = await rooms.open('13001/page/cycle');
    const socket = new MemorySocket();
    const conn = room.addConnection(socket, ALICE);
    conn.receive(updateMessage(edit(new Y.Doc(), 'hello')));
    // Client 5: 'a' after 6:0, then 'b' in the text; client 6: 'c' after 5:1 — a cycle.
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 2);
    for (const [client, structs] of [
      [6, [{ origin: [5, 1] as const, text: 'c' }]],
      [
        5,
        [
          { origin: [6, 0] as const, text: 'a' },
          { origin: null, text: 'b' },
        ],
      ],
    ] as const) {
      encoding.writeVarUint(e, structs.length);
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 0);
      for (const struct of structs) {
        encoding.writeUint8(e, struct.origin ? 4 | 128 : 4);
        if (struct.origin) {
          encoding.writeVarUint(e, struct.origin[0]);
          encoding.writeVarUint(e, struct.origin[1]);
        } else {
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, 't');
        }
        encoding.writeVarString(e, struct.text);
      }
    }
    encoding.writeVarUint(e, 0);
    conn.receive(updateMessage(encoding.toUint8Array(e)));
    expect(socket.closedWith).toEqual(CLOSE.MALFORMED);
    expect(room.doc.store.pendingStructs).toBeNull();
    expect(room.doc.getText('t').toString()).toContain('hello');
    await rooms.close();
  });
});

describe('a batch that closes its connection', () => {
  it('[HOT-5] the last connection leaving inside a batch ends the session after it, with its edits and its name', async () => {
    const ended: Array<{ editors: string[]; text: string }> = [];
    const rooms = new RoomManager({
      store: new MemoryDocStore(),
      logger: silentLogger,
      onSessionEnd: (room, editors) =>
        ended.push({ editors: [...editors], text: room.doc.getText('t').toString() }),
    });
    const room = await rooms.open('13001/page/batchclose');
    const conn = room.addConnection(new MemorySocket(), ALICE);
    conn.receiveBatch(() => {
      conn.receive(updateMessage(edit(new Y.Doc(), 'bonjour')));
      conn.closed();
    });
    expect(ended).toEqual([{ editors: ['Alice'], text: 'bonjour' }]);
    await rooms.close();
    expect(ended).toHaveLength(1);
  });
});
