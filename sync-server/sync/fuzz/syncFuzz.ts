/**
 * Seeded convergence fuzz (tier b), in the style of tldraw's syncFuzz: N clients over
 * in-memory sockets talk to the real RoomManager/Room on a real store, while one PRNG decides
 * every step — edits, message deliveries, offline periods, reconnects, store writes that
 * succeed or fail, fake-clock time (write retries), room unloads, crashes and graceful
 * restarts. At the end every client is brought online, everything is delivered and written,
 * and the invariants of invariants.ts are checked. A seed replays exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../storage/schema';
import type { DocStore } from '../../storage/DocStore';
import { silentLogger } from '../../observability/Logger';
import { MemoryDocStore } from '../../storage/MemoryDocStore';
import { RoomManager } from '../RoomManager';
import { SqliteDocStore } from '../../storage/SqliteDocStore';
import { encodeDocState, isCoveredBy } from '../../../site/syncProtocol';
import { FuzzClient } from './FuzzClient';
import { FuzzClock } from './FuzzClock';
import { FuzzStore } from './FuzzStore';
import { InMemorySocket } from './InMemorySocket';
import { docFromRows, divergence, storedTwice } from './invariants';
import { Random } from './Random';
import { randomEdit } from './randomEdits';

const ROOMS = ['13001/page/fuzzpage01', '13001/site'];

export interface FuzzStats {
  steps: number;
  edits: number;
  acks: number;
  writeFailures: number;
  loadFailures: number;
  crashes: number;
  restarts: number;
  unloads: number;
  drops: number;
  sqlite: boolean;
}

export class FuzzFailure extends Error {
  constructor(
    readonly seed: number,
    message: string,
    readonly trace: string[],
  ) {
    super(`seed ${seed}: ${message}\n  last steps: ${trace.slice(-12).join(' | ')}`);
  }
}

interface Incarnation {
  clock: FuzzClock;
  store: FuzzStore;
  rooms: RoomManager;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

class FuzzRun {
  readonly random: Random;
  readonly stats: FuzzStats;
  readonly trace: string[] = [];
  readonly clients: FuzzClient[] = [];
  readonly sockets = new Set<InMemorySocket>();
  server!: Incarnation;
  /** The Room object last seen per room name (to count unloads). */
  private readonly seenRooms = new Map<string, object | undefined>();
  private readonly failRate: number;
  private readonly compactThreshold: number;
  private faultsOn = true;

  constructor(
    readonly seed: number,
    readonly backing: DocStore,
    sqlite: boolean,
  ) {
    this.random = new Random(seed);
    this.failRate = this.random.pick([0, 0.05, 0.2, 0.5]);
    this.compactThreshold = this.random.pick([3, 10, 500]);
    this.stats = {
      steps: 0,
      edits: 0,
      acks: 0,
      writeFailures: 0,
      loadFailures: 0,
      crashes: 0,
      restarts: 0,
      unloads: 0,
      drops: 0,
      sqlite,
    };
    this.server = this.startServer();
    const count = this.random.between(2, 5);
    const roomCount = this.random.between(1, ROOMS.length);
    for (let i = 0; i < count; i++) {
      this.clients.push(new FuzzClient(`c${i}`, ROOMS[i % roomCount]!, this.random.uint32()));
    }
  }

  private startServer(): Incarnation {
    const clock = new FuzzClock();
    const store = new FuzzStore(this.backing);
    const rooms = new RoomManager({
      store,
      logger: silentLogger,
      timers: clock,
      retryDelayMs: 100,
      maxRetryDelayMs: 1600,
      compactThreshold: this.compactThreshold,
    });
    return { clock, store, rooms };
  }

  fail(message: string): never {
    throw new FuzzFailure(this.seed, message, this.trace);
  }

  async connect(client: FuzzClient): Promise<void> {
    const { rooms, store } = this.server;
    if (this.faultsOn && this.random.chance(0.05)) store.failNextLoad = true;
    let room;
    try {
      room = await rooms.open(client.room);
    } catch {
      store.failNextLoad = false;
      this.stats.loadFailures += 1;
      return; // refused with CLOSE.LOAD_FAILED: the client stays offline and retries later
    }
    const socket = new InMemorySocket(client);
    this.sockets.add(socket);
    socket.connection = room.addConnection(socket, {
      agentId: client.name,
      displayName: `Agent ${client.name}`,
      color: '#1f5fbf',
      readOnly: false,
    });
    client.opened(socket);
  }

  /** Completes one held write: the store says ok, or fails (the room retries later). */
  async completeWrite(): Promise<void> {
    const { store } = this.server;
    if (store.heldCount === 0) return;
    const ok = !this.faultsOn || !this.random.chance(this.failRate);
    if (!ok) this.stats.writeFailures += 1;
    await store.complete(this.random.int(store.heldCount), ok);
  }

  async crash(): Promise<void> {
    this.stats.crashes += 1;
    const old = this.server;
    for (const socket of this.sockets) socket.serverDied();
    this.sockets.clear();
    await old.store.crash(this.random);
    // The process is gone: its rooms' awareness timers go with it. Nothing more is written.
    for (const name of ROOMS) old.rooms.get(name)?.destroy();
    this.server = this.startServer();
  }

  async restart(): Promise<void> {
    this.stats.restarts += 1;
    const old = this.server;
    let closed = false;
    const closing = old.rooms.close(2_000).then(() => {
      closed = true;
    });
    for (let i = 0; i < 200 && !closed; i++) {
      await settle();
      if (closed) break;
      if (old.store.heldCount > 0) await this.completeWrite();
      else old.clock.runNext();
    }
    await settle();
    if (!closed) this.fail('graceful shutdown did not finish');
    await closing;
    await old.store.crash(this.random); // nothing should be held; a view that outlives it is dead
    for (const socket of this.sockets) socket.serverDied();
    this.sockets.clear();
    this.server = this.startServer();
  }

  private socketsWhere(test: (s: InMemorySocket) => boolean): InMemorySocket[] {
    return [...this.sockets].filter(test);
  }

  async step(): Promise<void> {
    const action = this.random.weighted({
      edit: 30,
      toServer: 20,
      toClient: 20,
      write: 14,
      clock: 4,
      connect: 6,
      drop: 3,
      notice: 3,
      awareness: 3,
      crash: 0.6,
      restart: 0.6,
    });
    this.trace.push(action);
    switch (action) {
      case 'edit': {
        const client = this.random.pick(this.clients);
        randomEdit(client.doc, this.random);
        this.stats.edits += 1;
        break;
      }
      case 'toServer': {
        const ready = this.socketsWhere((s) => s.pendingToServer > 0);
        if (ready.length) this.random.pick(ready).deliverToServer(this.random.between(1, 5));
        break;
      }
      case 'toClient': {
        const ready = this.socketsWhere((s) => s.pendingToClient > 0);
        if (ready.length) this.random.pick(ready).deliverToClient(this.random.between(1, 5));
        break;
      }
      case 'write':
        await this.completeWrite();
        break;
      case 'clock':
        this.server.clock.advance(this.random.between(50, 2_000));
        break;
      case 'connect': {
        const offline = this.clients.filter((c) => !c.connected);
        if (offline.length) await this.connect(this.random.pick(offline));
        break;
      }
      case 'drop': {
        const online = this.clients.filter((c) => c.connected);
        if (online.length) {
          this.random.pick(online).drop();
          this.stats.drops += 1;
        }
        break;
      }
      case 'notice': {
        const gone = this.socketsWhere((s) => s.clientGone && !s.serverNotified);
        if (gone.length) this.random.pick(gone).notifyServer();
        break;
      }
      case 'awareness': {
        const client = this.random.pick(this.clients);
        client.awareness.setLocalState({ cursor: this.random.int(100), user: { name: 'forged' } });
        break;
      }
      case 'crash':
        await this.crash();
        break;
      case 'restart':
        await this.restart();
        break;
    }
    await settle();
    this.afterStep();
  }

  private afterStep(): void {
    this.stats.steps += 1;
    for (const client of this.clients) {
      if (client.refusedWith !== null)
        this.fail(`${client.name} was refused with close code ${client.refusedWith}`);
    }
    for (const socket of [...this.sockets]) {
      if (!socket.open && socket.serverNotified && socket.pendingToClient === 0) this.sockets.delete(socket);
    }
    for (const name of ROOMS) {
      const current = this.server.rooms.get(name);
      const before = this.seenRooms.get(name);
      if (before && current !== before) this.stats.unloads += 1;
      this.seenRooms.set(name, current);
    }
  }

  /** Whether nothing is left to deliver, write or retry, and every client is synced. */
  private quiet(): boolean {
    if (this.server.store.heldCount > 0 || this.server.clock.pendingTimers > 0) return false;
    if ([...this.sockets].some((s) => s.pendingToClient > 0 || s.pendingToServer > 0)) return false;
    return this.clients.every((c) => c.connected && c.synced);
  }

  /** Faults off: everyone online, everything delivered and written. */
  async quiesce(): Promise<void> {
    this.faultsOn = false;
    for (let round = 0; round < 500; round++) {
      for (const socket of this.sockets) if (socket.clientGone) socket.notifyServer();
      for (const client of this.clients) if (!client.connected) await this.connect(client);
      for (const socket of [...this.sockets]) {
        socket.deliverToServer();
        socket.deliverToClient();
      }
      await settle();
      while (this.server.store.heldCount > 0) await this.completeWrite();
      await settle();
      if (this.server.store.heldCount === 0) this.server.clock.runNext();
      await settle();
      this.afterStep();
      if (this.quiet()) return;
    }
    this.fail('did not quiesce in 500 rounds');
  }

  async checkAcknowledged(): Promise<void> {
    const states = new Map<string, Uint8Array>();
    for (const name of ROOMS) {
      const doc = docFromRows((await this.backing.loadDoc(name)).updates);
      states.set(name, encodeDocState(doc));
      doc.destroy();
    }
    for (const client of this.clients) {
      const stored = states.get(client.room)!;
      this.stats.acks += client.acked.length;
      for (const acked of client.acked) {
        if (!isCoveredBy(acked, stored))
          this.fail(`${client.name}: an acknowledged state is not in the store`);
      }
      // What the server had relayed is its writer's: acknowledged to it, or sent again by it.
      for (const saved of client.saved) {
        // Checked on its own: the server never sends a client its own insertions.
        if (saved.received.insertionsOf(client.doc.clientID).length > 0)
          this.fail(`${client.name}: its own edits counted as sent by the server`);
        if (!isCoveredBy(saved.local, stored, saved.received))
          this.fail(`${client.name}: a state shown as saved is not in the store`);
      }
      client.acked = [];
      client.saved = [];
    }
  }

  async checkFinal(): Promise<void> {
    await this.checkAcknowledged();
    for (const name of ROOMS) {
      const members = this.clients.filter((c) => c.room === name);
      if (members.length === 0) continue;
      const room = this.server.rooms.get(name);
      if (!room) this.fail(`room ${name} is not loaded while its clients are connected`);
      if (room.hasUnsavedUpdates) this.fail(`room ${name} still has unsaved updates`);
      for (const client of members) {
        const diff = divergence(client.doc, room.doc);
        if (diff) this.fail(`${client.name} did not converge with the server's ${name}: ${diff}`);
      }
      const rows = (await this.backing.loadDoc(name)).updates;
      const twice = storedTwice(rows);
      if (twice) this.fail(`${name}: ${twice}`);
      const stored = docFromRows(rows);
      const diff = divergence(stored, room.doc);
      stored.destroy();
      if (diff) this.fail(`the store's ${name} differs from the server's doc: ${diff}`);
    }
  }

  /** Ends the seed like a crash (a failed seed may hold writes no clock will ever retry). */
  async dispose(): Promise<void> {
    for (const client of this.clients) client.destroy();
    await this.server.store.crash(this.random);
    for (const name of ROOMS) this.server.rooms.get(name)?.destroy();
  }
}

export interface FuzzOptions {
  /** Random steps before the final quiescence. */
  steps?: number;
  /** Directory for the SQLite file of the seeds that use one (default: the OS temp dir). */
  tmpDir?: string;
}

/** Runs one seed; rejects with a FuzzFailure naming the seed when an invariant breaks. */
export async function runFuzzSeed(seed: number, options: FuzzOptions = {}): Promise<FuzzStats> {
  const pickStore = new Random(seed ^ 0x5eed);
  const sqlite = pickStore.chance(0.15);
  let dir: string | null = null;
  let db: Database.Database | null = null;
  let backing: DocStore;
  if (sqlite) {
    dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'usine-fuzz-'));
    db = new Database(path.join(dir, 'fuzz.sqlite'));
    db.pragma('journal_mode = WAL');
    // No crash of the machine is simulated: fsyncs would only slow the seeds down.
    db.pragma('synchronous = OFF');
    migrate(db);
    backing = new SqliteDocStore(db, { writer: 'inline' });
  } else {
    backing = new MemoryDocStore();
  }
  const run = new FuzzRun(seed, backing, sqlite);
  try {
    const steps = options.steps ?? run.random.between(40, 160);
    for (let i = 0; i < steps; i++) {
      await run.step();
      if (run.random.chance(0.03)) await run.checkAcknowledged();
    }
    await run.quiesce();
    await run.checkFinal();
    return run.stats;
  } catch (error) {
    if (error instanceof FuzzFailure) throw error;
    throw new FuzzFailure(
      seed,
      `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      run.trace,
    );
  } finally {
    await run.dispose();
    await backing.close();
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
