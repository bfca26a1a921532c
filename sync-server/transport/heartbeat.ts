/**
 * The heartbeat of the sync sockets, and their registry: each open socket is pinged once per
 * period and cut when it did not answer the ping before. The sockets are spread over `slots`
 * slots, round robin as they open, and one slot is visited every `period / slots` ms.
 *
 * Pinging every socket at once held the event loop for one write per socket — with 1,500
 * sockets, 60–120 ms every 30 s at 40–80 µs a write, then as many pongs to read — and every
 * relay waited behind it: in the 1,500-client bench, ours' runs with a p99 over 5 ms (6–21).
 * The reference y-websocket server has a timer per connection, so its pings are spread by the
 * connections' start times; here one timer, and 1,500 sockets opened together make 5 pings a
 * visit. The visits follow the clock, not the timer's count: a repeating timer is re-armed from
 * when its callback ran, and 300 late firings a period would stretch it under load.
 */
export interface HeartbeatSocket {
  /** Answered the last ping (or has just opened). */
  alive: boolean;
  /** The slot the registry put it in (set by `add`). */
  heartbeatSlot: number;
  ping(): void;
  terminate(): void;
}

/** One ping per socket per 30 s ([WS-14]). */
export const HEARTBEAT_MS = 30_000;
/** Slots of the period: one visited every 100 ms. */
export const HEARTBEAT_SLOTS = 300;

export class SocketHeartbeat<S extends HeartbeatSocket> implements Iterable<S> {
  /** Each slot's sockets; a slot's set is made when a socket first lands in it. */
  private readonly slots: Array<Set<S> | undefined>;
  private nextSlot = 0;
  private visiting = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** When the visits started, and how many were made since (start). */
  private startedAt = 0;
  private visits = 0;

  constructor(
    private readonly periodMs = HEARTBEAT_MS,
    slotCount = HEARTBEAT_SLOTS,
    private readonly now: () => number = Date.now,
  ) {
    if (!(slotCount >= 1)) throw new RangeError(`heartbeat slots: ${slotCount}`);
    this.slots = new Array<Set<S> | undefined>(slotCount);
  }

  private get visitMs(): number {
    return this.periodMs / this.slots.length;
  }

  add(socket: S): void {
    socket.heartbeatSlot = this.nextSlot;
    (this.slots[this.nextSlot] ??= new Set()).add(socket);
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
  }

  delete(socket: S): void {
    this.slots[socket.heartbeatSlot]?.delete(socket);
  }

  *[Symbol.iterator](): Iterator<S> {
    for (const slot of this.slots) if (slot) yield* slot;
  }

  /** Visits one slot every `period / slots` ms of the clock until `stop`. */
  start(): void {
    if (this.timer) return;
    this.startedAt = this.now();
    this.visits = 0;
    this.timer = setInterval(() => this.visitDue(), this.visitMs);
    this.timer.unref();
  }

  /** The visits the clock says are due: late ones caught up, at most one period's. */
  private visitDue(): void {
    const due = Math.floor((this.now() - this.startedAt) / this.visitMs);
    const catchUp = Math.min(due - this.visits, this.slots.length);
    for (let i = 0; i < catchUp; i++) this.visit();
    this.visits = due;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The next slot's sockets: cut if they did not answer their last ping, else pinged. */
  visit(): void {
    const slot = this.slots[this.visiting];
    this.visiting = (this.visiting + 1) % this.slots.length;
    if (!slot) return;
    for (const socket of slot) {
      if (!socket.alive) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }
}
