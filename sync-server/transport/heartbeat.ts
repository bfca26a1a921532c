/**
 * The heartbeat of the sync sockets, and their registry: each open socket is pinged once per
 * period and cut when it did not answer the ping before. The sockets are spread over `slots`
 * slots, round robin as they open, and one slot is visited every `period / slots` ms.
 *
 * Pinging every socket at once held the event loop for one write per socket — with 1,500
 * sockets, tens of milliseconds every 30 s, then as many pongs to read — and every relay
 * waited behind it: in the 1,500-client bench the runs whose p99 reached 6–20 ms. The reference
 * y-websocket server has a timer per connection, so its pings are spread by the connections'
 * start times; here one timer, and 300 slots of 30 s make 5 pings per visit for 1,500 sockets.
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

  constructor(
    private readonly periodMs = HEARTBEAT_MS,
    slotCount = HEARTBEAT_SLOTS,
  ) {
    this.slots = new Array<Set<S> | undefined>(slotCount);
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

  /** Visits one slot every `period / slots` ms until `stop`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.visit(), this.periodMs / this.slots.length);
    this.timer.unref();
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
