/**
 * One timer for the periodic work of every loaded room, instead of timers of each room's own:
 * presence not renewed within y-protocols' `outdatedTimeout` is removed (each Awareness checks
 * that on an interval of its own — a Timeout, a closure and its context per room, for the
 * room's whole life) and editing sessions without an edit for their idle delay end. A pass
 * visits every loaded room and costs a few map reads per room.
 */
export interface SweptRoom {
  /** The periodic work of one room; `now` is the pass's `Date.now()`. */
  sweep(now: number): void;
}

/** y-protocols' Awareness checks its presences every `outdatedTimeout / 10` (3 s). */
export const PRESENCE_CHECK_MS = 3_000;

export class RoomSweep {
  private readonly rooms = new Set<SweptRoom>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly intervalMs: number = PRESENCE_CHECK_MS) {}

  add(room: SweptRoom): void {
    this.rooms.add(room);
    if (this.timer) return;
    this.timer = setInterval(() => this.pass(), this.intervalMs);
    this.timer.unref();
  }

  delete(room: SweptRoom): void {
    this.rooms.delete(room);
    if (this.rooms.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs every room's periodic work once; `now` dates editing sessions (Room.sweep). */
  pass(now = Date.now()): void {
    for (const room of this.rooms) room.sweep(now);
  }
}
