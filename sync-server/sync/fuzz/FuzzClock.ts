/** A fake clock for the rooms' timers: time moves only when the fuzz advances it. */
import type { RoomTimers } from '../Room';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

export class FuzzClock implements RoomTimers {
  now = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.now + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running the timers due, in order (ties: first set first). */
  advance(ms: number): number {
    const until = this.now + ms;
    let ran = 0;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.callback();
      ran += 1;
    }
    this.now = until;
    return ran;
  }

  /** Runs the next timer, whenever it is due; false if none is set. */
  runNext(): boolean {
    const next = [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
    if (!next) return false;
    this.advance(next.at - this.now);
    return true;
  }
}
