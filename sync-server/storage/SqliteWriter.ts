/**
 * The SQLite writer thread of SqliteDocStore. better-sqlite3 is synchronous and a commit with
 * `synchronous=FULL` waits for fsync — 0.4 ms usually, 20–60 ms now and then on this disk —
 * which would stall every room's fan-out if done on the main thread. Here appends go to a
 * worker thread with its own connection (WAL: the main thread keeps reading), which commits
 * whatever arrived while it was busy in one transaction (group commit) and answers with the
 * rooms' new sequence numbers once the commit is durable.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same under tsx,
 * vitest and a bundler; it requires better-sqlite3 by its resolved path.
 *
 * What one pass of the main thread's event loop asks (every room's appends of it) crosses to the
 * worker in one message, and what one group commit answers comes back in one: a postMessage
 * per room and per answer was 15 % of the server's CPU under load (issue 16).
 *
 * Messages are spaced by a commit window ([HOT-7]): a request made within `commitIntervalMs` of
 * the last message waits for the window's end and goes with every other request of the window;
 * the first request after a quiet window goes at the end of its turn, as before. At 350
 * updates/s spread over 500 rooms, one message (a wake-up of the thread, a transaction, an
 * fsync, an answer) per update cost the thread ~90 ms of CPU per second on 2 vCPU shared with
 * the rooms; the window bounds that at 1000 / commitIntervalMs commits per second, for at most
 * that many milliseconds more before an update's persisted ack.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// This thread only — Linux keeps a nice value per thread; elsewhere it would be the whole
// process's: see WRITER_NICENESS.
if (process.platform === 'linux') try { require('node:os').setPriority(0, workerData.niceness); } catch {}
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -' + workerData.pageCacheKiB);
const roomSeq = db.prepare('SELECT seq FROM doc_rooms WHERE room = ?');
const upsertRoom = db.prepare('INSERT INTO doc_rooms (room, insee, seq) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq');
const insertUpdate = db.prepare('INSERT INTO doc_updates (room, seq, data) VALUES (?, ?, ?)');
const deleteUpTo = db.prepare('DELETE FROM doc_updates WHERE room = ? AND seq <= ?');
const inseeOf = (room) => { const i = room.indexOf('/'); return i === -1 ? room : room.slice(0, i); };
let queue = [];
let scheduled = false;
let replies = [];
const reply = (message) => replies.push(message);
function commitAppends(appends) {
  const seqs = [];
  try {
    db.transaction(() => {
      const current = new Map();
      for (const append of appends) {
        let seq = current.get(append.room);
        if (seq === undefined) seq = (roomSeq.get(append.room) || { seq: 0 }).seq;
        for (const update of append.updates) insertUpdate.run(append.room, ++seq, update);
        current.set(append.room, seq);
        seqs.push(seq);
      }
      for (const [room, seq] of current) upsertRoom.run(room, inseeOf(room), seq);
    }).immediate();
  } catch (error) {
    for (const append of appends) reply({ id: append.id, error: String(error && error.message || error) });
    return;
  }
  appends.forEach((append, i) => reply({ id: append.id, value: seqs[i] }));
}
function replace(message) {
  try {
    db.transaction(() => {
      deleteUpTo.run(message.room, message.lastSeq);
      insertUpdate.run(message.room, message.lastSeq, message.merged);
    }).immediate();
    reply({ id: message.id, value: message.lastSeq });
  } catch (error) {
    reply({ id: message.id, error: String(error && error.message || error) });
  }
}
function pageCache(message) {
  try {
    reply({ id: message.id, value: -db.pragma('cache_size', { simple: true }) * 1024 });
  } catch (error) {
    reply({ id: message.id, error: String(error && error.message || error) });
  }
}
function answer() {
  if (replies.length === 0) return;
  const sent = replies;
  replies = [];
  parentPort.postMessage(sent);
}
function flush() {
  scheduled = false;
  const batch = queue;
  queue = [];
  let appends = [];
  for (const message of batch) {
    if (message.type === 'append') { appends.push(message); continue; }
    if (appends.length) { commitAppends(appends); appends = []; }
    if (message.type === 'replace') replace(message);
    if (message.type === 'pageCache') pageCache(message);
    if (message.type === 'close') { db.close(); reply({ id: message.id, value: 0 }); answer(); return; }
  }
  if (appends.length) commitAppends(appends);
  answer();
}
// One message per turn of the main thread: its requests, and every update's bytes packed in
// one transferred buffer (their lengths in another), taken here in order.
parentPort.on('message', ({ requests, lengths, bytes }) => {
  let at = 0;
  let offset = 0;
  const next = () => { const u = bytes.subarray(offset, offset + lengths[at]); offset += lengths[at++]; return u; };
  for (const request of requests) {
    if (request.type === 'append') {
      const updates = [];
      for (let i = 0; i < request.count; i++) updates.push(next());
      queue.push({ type: 'append', id: request.id, room: request.room, updates });
    } else if (request.type === 'replace') {
      queue.push({ type: 'replace', id: request.id, room: request.room, lastSeq: request.lastSeq, merged: next() });
    } else queue.push(request);
  }
  if (!scheduled) { scheduled = true; setImmediate(flush); }
});
`;

/** `value`: an append's or a replace's new seq; the page cache's bound in bytes; 0 for a close. */
type Reply = { id: number; value: number } | { id: number; error: string };

/**
 * The bound of the writer connection's SQLite page cache, in KiB ([HOT-9]). better-sqlite3
 * builds SQLite with 16 MB per connection; the writer only appends — a few B-tree pages per
 * room, read again from the OS's file cache when evicted — and with 16 MB its cache kept every
 * page it wrote until the database passed 16 MB: ~4.5 KiB of the server's memory per document
 * loaded (heaptrack, 1,000 documents of ~4 KB).
 */
export const WRITER_PAGE_CACHE_KIB = 2048;

/**
 * The writer thread's nice value on Linux (the main thread keeps the process's). On a machine
 * whose cores are all busy, the kernel may run a commit's CPU work in the place of the main
 * thread, which then relays nothing for a scheduler slice (the main thread's CPU profile under
 * the 1,500-client bench has 3–13 ms gaps where some other thread ran): the edits' relay is
 * the latency a colleague sees, the commit's only the ack's, which the window already spaces
 * by up to 100 ms. At 10 the thread still gets ~10 % of a busy core — it is slowed when the
 * cores are contended, never stopped — and all of an idle one. Kept for that principle: its
 * effect on the bench's p99 is within the noise (README).
 */
export const WRITER_NICENESS = 10;

/**
 * The default commit window ([HOT-7]): at most 10 messages to the thread per second. Each wakes
 * the thread and the main thread once more (and on a virtual machine a cross-thread wake-up is
 * costly); at 350 updates/s over 500 rooms, 100 ms instead of 10 took the writer thread from
 * ~55 to ~15 ms of CPU per second and the main thread from ~150 to ~125 (`/proc/<pid>/task`,
 * 4 pairs), for an ack at most 100 ms later, and only while other appends keep the window busy:
 * a lone agent's edit after a quiet tenth of a second commits at once.
 */
export const COMMIT_INTERVAL_MS = 100;

export interface SqliteWriterOptions {
  /** Minimum time between two messages to the thread, in ms (default COMMIT_INTERVAL_MS). */
  commitIntervalMs?: number;
}

type Request =
  | { type: 'append'; room: string; updates: Uint8Array[] }
  | { type: 'replace'; room: string; lastSeq: number; merged: Uint8Array }
  | { type: 'pageCache' }
  | { type: 'close' };

export class SqliteWriter {
  private readonly file: string;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: number) => void; reject: (e: Error) => void }
  >();
  /** This turn's requests, posted together at its end (one message). */
  private outbox: Array<Request & { id: number }> = [];
  /** Messages posted to the thread so far (at most one per turn and per commit window). */
  messagesPosted = 0;
  private readonly commitIntervalMs: number;
  /** When the last message was posted (performance.now()). */
  private lastPostAt = -Infinity;
  /** close() was asked: later requests are refused. */
  private closing = false;

  constructor(file: string, options: SqliteWriterOptions = {}) {
    this.file = file;
    this.commitIntervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        sqlitePath,
        pageCacheKiB: WRITER_PAGE_CACHE_KIB,
        niceness: WRITER_NICENESS,
      },
      // The thread allocates little (updates arrive as transferred buffers): a small young
      // generation instead of V8's default 16 MiB semi-spaces, which it would keep committed.
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    worker.unref();
    worker.on('message', (replies: Reply[]) => {
      for (const reply of replies) {
        const waiter = this.pending.get(reply.id);
        if (!waiter) continue;
        this.pending.delete(reply.id);
        if ('error' in reply) waiter.reject(new Error(reply.error));
        else waiter.resolve(reply.value);
      }
    });
    const fail = (error: Error) => {
      // The next request starts a new worker; these ones failed (the room keeps and retries them).
      if (this.worker === worker) this.worker = null;
      // Not sent yet, and failed with the rest: never sent to the next worker.
      this.outbox = [];
      for (const [id, waiter] of this.pending) {
        this.pending.delete(id);
        waiter.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SQLite writer exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private request(message: Request): Promise<number> {
    // The thread answers nothing asked after its close (it stops there).
    if (this.closing) return Promise.reject(new Error('SqliteWriter is closed'));
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.outbox.length === 0) this.schedulePost();
      this.outbox.push({ ...message, id });
    });
  }

  /**
   * At the end of the event loop's poll phase, not of this task: every socket read of one pass
   * (one task each) then shares one message (quiet A/B: −7 % CPU per update). Within the commit
   * window of the last message, at the window's end.
   */
  private schedulePost(): void {
    const wait = this.lastPostAt + this.commitIntervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.post());
    else setTimeout(() => this.post(), wait);
  }

  /** Sends the requests made since the last message in one message (in the order made). */
  private post(): void {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0) return;
    const { message, transfer } = packRequests(batch);
    this.start().postMessage(message, transfer);
    this.messagesPosted++;
    this.lastPostAt = performance.now();
  }

  /** Appends in the next group commit; resolves with the room's new seq once durable. */
  append(room: string, updates: Uint8Array[]): Promise<number> {
    return this.request({ type: 'append', room, updates });
  }

  /** Replaces a room's rows up to `lastSeq` by one merged row (compaction). */
  replace(room: string, lastSeq: number, merged: Uint8Array): Promise<number> {
    return this.request({ type: 'replace', room, lastSeq, merged });
  }

  /** For tests: the bound of the writer connection's page cache, in bytes, as its thread reads it. */
  pageCacheBytes(): Promise<number> {
    return this.request({ type: 'pageCache' });
  }

  /** Commits what is queued, closes the writer's connection and stops the thread. */
  async close(): Promise<void> {
    // Requests of this very turn not posted yet still go first (the thread starts for them).
    const worker = this.worker ?? (this.outbox.length > 0 ? this.start() : null);
    if (!worker) {
      this.closing = true;
      return;
    }
    const closed = this.request({ type: 'close' });
    this.closing = true;
    try {
      await closed;
    } finally {
      this.worker = null;
      await worker.terminate();
    }
  }
}

type PackedRequest =
  | { type: 'append'; id: number; room: string; count: number }
  | { type: 'replace'; id: number; room: string; lastSeq: number }
  | { type: 'pageCache' | 'close'; id: number };

/**
 * One turn's requests with their updates' bytes copied into one buffer, transferred: copying
 * each small update by structured clone (an ArrayBuffer object per update, made again on the
 * thread) was most of `postMessage`'s 10 % of the server's CPU under load (issue 16).
 */
function packRequests(batch: ReadonlyArray<Request & { id: number }>): {
  message: { requests: PackedRequest[]; lengths: Uint32Array; bytes: Uint8Array };
  transfer: ArrayBuffer[];
} {
  const parts: Uint8Array[] = [];
  const requests: PackedRequest[] = batch.map((request) => {
    if (request.type === 'append') {
      parts.push(...request.updates);
      return { type: 'append', id: request.id, room: request.room, count: request.updates.length };
    }
    if (request.type === 'replace') {
      parts.push(request.merged);
      return { type: 'replace', id: request.id, room: request.room, lastSeq: request.lastSeq };
    }
    return { type: request.type, id: request.id };
  });
  const lengths = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((part, i) => (total += lengths[i] = part.length));
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { message: { requests, lengths, bytes }, transfer: [lengths.buffer, bytes.buffer] };
}
