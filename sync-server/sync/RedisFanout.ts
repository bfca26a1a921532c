/**
 * Rooms across nodes (cluster mode: `REDIS_URL` with `DATABASE_URL`). Each node keeps its own
 * rooms (Room.ts) and commits to PostgreSQL as before; this fan-out publishes, on one Redis
 * pub/sub channel per room, what the node COMMITTED (its updates with their sequence numbers)
 * and its clients' presence, and applies what the other nodes publish. Redis only carries
 * messages: PostgreSQL holds every edit, so a late or lost message — Redis restarted, a node
 * subscribing late — is caught up from the store by sequence number ([CLUSTER-4]).
 *
 * Message (lib0 encoding): varString nodeId, varUint kind, then
 *  - KIND_UPDATES: varUint fromSeq, varUint toSeq, varUint n, n × varUint8Array update (n = 0:
 *    too large for a message, the receivers read it from the store);
 *  - KIND_AWARENESS: varUint8Array awareness update;
 *  - KIND_HELLO: nothing (a node opened the room: the others answer with their presence).
 */
import crypto from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import type { Room, RoomFanout } from './Room';

const KIND_UPDATES = 0;
const KIND_AWARENESS = 1;
const KIND_HELLO = 2;

/** What the fan-out reads from the documents' store (PgDocStore). */
export interface CatchUpStore {
  loadSince(room: string, afterSeq: number): Promise<{ updates: Uint8Array[]; seq: number }>;
  roomSeqs(rooms: string[]): Promise<Map<string, number>>;
}

export interface RedisFanoutOptions {
  /** `redis://…` or `rediss://…` (env REDIS_URL). */
  url: string;
  /** Redis's password (env REDIS_PASSWORD), kept out of the URL (and so of any log of it). */
  password?: string;
  store: CatchUpStore;
  logger: Logger;
  metrics?: Metrics;
  /** Largest message published or accepted (default 10 MiB, the sync messages' bound). */
  maxMessageBytes?: number;
  /** Every open room is compared with the store this often (default 10 s) … */
  sweepIntervalMs?: number;
  /** … and this often while Redis is unreachable (default 1 s): co-editing goes on, slower. */
  sweepIntervalWhenDownMs?: number;
  /** A gap in sequence numbers is caught up after this delay (messages may still arrive). */
  gapDelayMs?: number;
  /** Channel prefix (default `usine`). */
  prefix?: string;
  /** Test hook: this node's id (default random). */
  nodeId?: string;
}

export class RedisFanout implements RoomFanout {
  readonly nodeId: string;
  private readonly options: RedisFanoutOptions;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly rooms = new Map<string, Room>();
  private readonly gaps = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly maxMessageBytes: number;
  private readonly prefix: string;
  private sweepTimer: ReturnType<typeof setInterval>;
  private lastSweep = 0;
  private sweeping = false;
  /** Both connections ready; false from start until they are. */
  private up = false;
  /** Redis was seen unreachable at least once (logged once per outage). */
  private downLogged = false;
  private stopped = false;

  constructor(options: RedisFanoutOptions) {
    this.options = options;
    this.nodeId = options.nodeId ?? crypto.randomUUID();
    this.maxMessageBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
    this.prefix = options.prefix ?? 'usine';
    const common: RedisOptions = {
      // Reconnect for ever, at most every 2 s: the node serves its clients meanwhile.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
      connectTimeout: 5_000,
      lazyConnect: false,
      ...(options.password ? { password: options.password } : {}),
    };
    // Publishing while Redis is away fails at once (not queued): the store catches up.
    this.pub = new Redis(options.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // Subscriptions wait for Redis and are renewed by the client after a reconnect.
    this.sub = new Redis(options.url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    for (const client of [this.pub, this.sub]) {
      client.on('ready', () => this.connectionChanged());
      client.on('close', () => this.connectionChanged());
      client.on('error', (error: Error) => this.connectionChanged(error));
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel, message));
    options.metrics?.gauge('usine_redis_up', 'Cluster mode: 1 while Redis is reachable, else 0.', () =>
      this.up ? 1 : 0,
    );
    options.metrics?.counter('usine_redis_messages_total', 'Fan-out messages, by direction (in, out).');
    options.metrics?.counter(
      'usine_cluster_catch_ups_total',
      'Rooms caught up from the store, by reason (gap, sweep, redis_ready).',
    );
    this.sweepTimer = setInterval(() => this.maybeSweep(), 250);
    this.sweepTimer.unref();
  }

  /** True while both Redis connections are ready. */
  get connected(): boolean {
    return this.up;
  }

  private channelOf(room: string): string {
    return `${this.prefix}:room:${room}`;
  }

  opened(room: Room): void {
    if (this.stopped) return;
    this.rooms.set(room.name, room);
    const channel = this.channelOf(room.name);
    // Updates committed between the room's load and the subscription are read from the store.
    this.sub.subscribe(channel).then(
      () => {
        if (this.rooms.get(room.name) !== room) return;
        void room.catchUp();
        this.publish(room.name, this.header(KIND_HELLO));
      },
      (error: unknown) =>
        this.options.logger.log('warn', 'cluster.subscribe_failed', { room: room.name, error }),
    );
  }

  closed(room: Room): void {
    if (this.rooms.get(room.name) !== room) return;
    this.rooms.delete(room.name);
    const gap = this.gaps.get(room.name);
    if (gap) clearTimeout(gap);
    this.gaps.delete(room.name);
    if (!this.stopped) this.sub.unsubscribe(this.channelOf(room.name)).catch(() => {});
  }

  committed(room: Room, updates: Uint8Array[], toSeq: number): void {
    if (this.stopped) return;
    const encoder = this.header(KIND_UPDATES);
    encoding.writeVarUint(encoder, toSeq - updates.length + 1);
    encoding.writeVarUint(encoder, toSeq);
    const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0);
    if (bytes + 64 > this.maxMessageBytes) {
      encoding.writeVarUint(encoder, 0); // too large: the other nodes read it from PostgreSQL
    } else {
      encoding.writeVarUint(encoder, updates.length);
      for (const update of updates) encoding.writeVarUint8Array(encoder, update);
    }
    this.publish(room.name, encoder);
  }

  awareness(room: Room, update: Uint8Array): void {
    if (this.stopped || update.byteLength + 64 > this.maxMessageBytes) return;
    const encoder = this.header(KIND_AWARENESS);
    encoding.writeVarUint8Array(encoder, update);
    this.publish(room.name, encoder);
  }

  gap(room: Room): void {
    if (this.stopped || this.gaps.has(room.name)) return;
    this.gaps.set(
      room.name,
      setTimeout(() => {
        this.gaps.delete(room.name);
        if (this.rooms.get(room.name) !== room) return;
        this.options.metrics?.inc('usine_cluster_catch_ups_total', { reason: 'gap' });
        void room.catchUp();
      }, this.options.gapDelayMs ?? 200),
    );
  }

  loadSince(room: string, afterSeq: number): Promise<{ updates: Uint8Array[]; seq: number }> {
    return this.options.store.loadSince(room, afterSeq);
  }

  private header(kind: number): encoding.Encoder {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, this.nodeId);
    encoding.writeVarUint(encoder, kind);
    return encoder;
  }

  private publish(room: string, encoder: encoding.Encoder): void {
    if (!this.up) return; // nothing queued: the others catch up from the store
    const message = Buffer.from(encoding.toUint8Array(encoder));
    this.pub.publish(this.channelOf(room), message).then(
      () => this.options.metrics?.inc('usine_redis_messages_total', { direction: 'out' }),
      () => this.options.metrics?.inc('usine_errors_total', { kind: 'redis_publish' }),
    );
  }

  private receive(channel: Buffer, message: Buffer): void {
    const name = channel.toString('utf8').slice(this.prefix.length + 6);
    const room = this.rooms.get(name);
    if (!room) return;
    this.options.metrics?.inc('usine_redis_messages_total', { direction: 'in' });
    if (message.byteLength > this.maxMessageBytes) {
      // From a trusted node, yet bounded: what it said is in the store.
      this.options.logger.log('warn', 'cluster.message_too_large', { room: name, bytes: message.byteLength });
      this.gap(room);
      return;
    }
    try {
      const decoder = decoding.createDecoder(message);
      if (decoding.readVarString(decoder) === this.nodeId) return; // our own message
      const kind = decoding.readVarUint(decoder);
      if (kind === KIND_UPDATES) {
        const fromSeq = decoding.readVarUint(decoder);
        const toSeq = decoding.readVarUint(decoder);
        const n = decoding.readVarUint(decoder);
        if (n === 0) {
          if (toSeq > room.knownSeq) this.gap(room);
          return;
        }
        // A node commits one row per update: a range wider or narrower than its updates is
        // not a node's message (a forged toSeq would make the room skip others' real ones).
        if (toSeq - fromSeq + 1 !== n) throw new Error(`range ${fromSeq}…${toSeq} for ${n} updates`);
        const updates: Uint8Array[] = [];
        for (let i = 0; i < n; i++) updates.push(decoding.readVarUint8Array(decoder));
        room.applyRemote(fromSeq, toSeq, updates);
      } else if (kind === KIND_AWARENESS) {
        room.applyRemoteAwareness(decoding.readVarUint8Array(decoder));
      } else if (kind === KIND_HELLO) {
        const presence = room.localAwareness();
        if (presence) this.awareness(room, presence);
      }
    } catch (error) {
      this.options.logger.log('warn', 'cluster.malformed_message', { room: name, error });
      this.gap(room);
    }
  }

  private connectionChanged(error?: Error): void {
    const up = this.pub.status === 'ready' && this.sub.status === 'ready';
    if (up === this.up) {
      if (error && !up && !this.downLogged) this.logDown(error);
      return;
    }
    this.up = up;
    if (this.stopped) return;
    if (!up) {
      this.logDown(error);
      return;
    }
    this.downLogged = false;
    this.options.logger.log('info', 'cluster.redis_up', { nodeId: this.nodeId, rooms: this.rooms.size });
    // Back (or first up): what was published meanwhile is read from the store, presence asked again.
    this.options.metrics?.inc('usine_cluster_catch_ups_total', { reason: 'redis_ready' });
    for (const room of this.rooms.values()) {
      void room.catchUp();
      this.publish(room.name, this.header(KIND_HELLO));
    }
  }

  private logDown(error?: Error): void {
    this.downLogged = true;
    this.options.logger.log('warn', 'cluster.redis_down', {
      message: 'Redis injoignable : ce nœud sert ses clients et rattrape les autres nœuds depuis PostgreSQL.',
      error: error?.message,
    });
  }

  private maybeSweep(): void {
    const interval = this.up
      ? (this.options.sweepIntervalMs ?? 10_000)
      : (this.options.sweepIntervalWhenDownMs ?? 1_000);
    if (this.sweeping || this.stopped || Date.now() - this.lastSweep < interval) return;
    this.lastSweep = Date.now();
    this.sweeping = true;
    void this.sweep().finally(() => {
      this.sweeping = false;
    });
  }

  /** Compares every open room's sequence number with the store's; catches up those behind. */
  async sweep(): Promise<void> {
    if (this.rooms.size === 0) return;
    try {
      const seqs = await this.options.store.roomSeqs([...this.rooms.keys()]);
      for (const [name, seq] of seqs) {
        const room = this.rooms.get(name);
        if (!room || seq <= room.knownSeq) continue;
        this.options.metrics?.inc('usine_cluster_catch_ups_total', { reason: 'sweep' });
        await room.catchUp();
      }
    } catch (error) {
      this.options.logger.log('warn', 'cluster.sweep_failed', { error });
    }
  }

  /** Stops following the rooms and closes both connections (at once, even if Redis is away). */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const timer of this.gaps.values()) clearTimeout(timer);
    this.gaps.clear();
    this.rooms.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
