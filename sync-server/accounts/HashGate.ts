/**
 * Bounds the password hashes running at once. scrypt runs on libuv's thread pool (4 threads by
 * default), which also serves file reads — the published sites' static files among them — and
 * each hash holds 128 MB. Without a bound, a flood of logins fills the pool and the memory:
 * published pages wait seconds behind the hashes.
 *
 * At most `concurrency` hashes run; at most `maxWaiting` more wait their turn; one client
 * address (its throttle key) holds at most `perAddress` of these places. Past a bound the
 * login is refused at once (the caller answers 429 or 503 with Retry-After), before any
 * hashing. Operator and référent operations (creating an agent, changing a password) wait for a
 * slot without the bounds: they are authenticated and rare.
 */
import os from 'node:os';

export interface HashGateOptions {
  concurrency: number;
  maxWaiting: number;
  perAddress: number;
}

/**
 * One core left to the event loop (at most 2 hashes: 256 MB), 8 waiting — a legitimate login
 * during a flood waits a few seconds, not minutes — and 4 places per address (a town hall's
 * agents behind one address logging in together).
 */
export const DEFAULT_HASH_GATE: HashGateOptions = {
  concurrency: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
  maxWaiting: 8,
  perAddress: 4,
};

/** A place in the gate: run one task in it, or leave without running. */
export interface HashTicket {
  run<T>(task: () => Promise<T>): Promise<T>;
  leave(): void;
}

export type Admission = { ok: true; ticket: HashTicket } | { ok: false; reason: 'address' | 'server' };

export class HashGate {
  private readonly options: HashGateOptions;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly byKey = new Map<string, number>();

  constructor(options: Partial<HashGateOptions> = {}) {
    this.options = {
      concurrency: options.concurrency ?? DEFAULT_HASH_GATE.concurrency,
      maxWaiting: options.maxWaiting ?? DEFAULT_HASH_GATE.maxWaiting,
      perAddress: options.perAddress ?? DEFAULT_HASH_GATE.perAddress,
    };
  }

  /** Hashes running and waiting, for tests and metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Takes a place for `key` (a client's throttle key), or refuses at once when the address's
   * share or the waiting line is full.
   */
  enter(key: string): Admission {
    const { concurrency, maxWaiting, perAddress } = this.options;
    if ((this.byKey.get(key) ?? 0) >= perAddress) return { ok: false, reason: 'address' };
    if (this.running >= concurrency && this.waiting.length >= maxWaiting)
      return { ok: false, reason: 'server' };
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    return { ok: true, ticket: this.ticket(key) };
  }

  /** A place for an authenticated operation: it waits for a slot, never refused. */
  enterTrusted(): HashTicket {
    return this.ticket(null);
  }

  private ticket(key: string | null): HashTicket {
    const { concurrency } = this.options;
    let state: 'waiting' | 'running' | 'done' = 'waiting';
    let wake: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      wake = () => {
        state = 'running';
        resolve();
      };
    });
    if (this.running < concurrency) {
      this.running++;
      wake();
    } else {
      this.waiting.push(wake);
    }
    const finish = () => {
      if (state === 'done') return;
      if (state === 'running') this.releaseSlot();
      else this.waiting.splice(this.waiting.indexOf(wake), 1);
      state = 'done';
      if (key !== null) {
        const held = (this.byKey.get(key) ?? 1) - 1;
        if (held > 0) this.byKey.set(key, held);
        else this.byKey.delete(key);
      }
    };
    return {
      async run<T>(task: () => Promise<T>): Promise<T> {
        await ready;
        try {
          return await task();
        } finally {
          finish();
        }
      },
      leave: finish,
    };
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
