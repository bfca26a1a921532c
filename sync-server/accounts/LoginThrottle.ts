/**
 * Failed-login throttling that slows guessing without handing anyone a way to lock an agent
 * out. Three counters, in the AccountStore (DATA_DIR's SQLite, or PostgreSQL shared by every node;
 * the admin CLI's `unlock` reaches them either way):
 *
 * - **per account and client address** — the growing delay and the lock
 *   (`lockAfterFailures`, default 10, for `lockSeconds`): an attacker typing wrong passwords
 *   for an agent from address A locks that agent out *from A only*; the agent still logs in
 *   from the town hall's address B.
 * - **per address, across all accounts** — credential stuffing (one address trying many
 *   e-mails): past `addressFailureBudget` failures (default 30) within `lockSeconds`, the
 *   address is refused for `lockSeconds` (429 `too-many-attempts`), before any password is
 *   checked. A successful login does not refill it (an attacker with one real account could).
 * - **per account, across all addresses** — a softer cap (`accountLockAfterFailures`,
 *   default 50) against guessing spread over many addresses: past it the account is locked
 *   for `lockSeconds` everywhere, as before. Only a distributed attack reaches it.
 *
 * Counts start again when a window of `lockSeconds` passes without reaching the cap, and
 * after a lock ends. Unknown e-mails are counted like real ones (no account enumeration).
 *
 * An attempt is counted as a failure *before* its password is hashed (`reserve`), and given
 * back if it succeeds: a burst of parallel guesses cannot all pass the check while the first
 * hashes run — past the cap, the rest are refused, the right password among them.
 */
import { throttleKey } from '../observability/addressKey';
import type {
  AccountStore,
  ThrottleKey,
  ThrottleRow,
  ThrottleScope,
  ThrottleWrites,
} from '../storage/AccountStore';

export const DEFAULT_ADDRESS_FAILURE_BUDGET = 30;
export const DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES = 50;

export interface LoginThrottleOptions {
  now: () => number;
  /** Failures of one account from one address before that pair is locked. */
  lockAfterFailures: number;
  lockMs: number;
  /** Failures from one address, any accounts, before the address is refused. */
  addressFailureBudget?: number;
  /** Failures of one account, any addresses, before the account is locked everywhere. */
  accountLockAfterFailures?: number;
}

type Scope = ThrottleScope;

export type ThrottleVerdict = { blocked: false } | { blocked: true; scope: Scope; until: number };

interface Counter extends ThrottleKey {
  cap: number;
}

export class LoginThrottle {
  private readonly store: AccountStore;
  private readonly options: Required<LoginThrottleOptions>;
  /** Reserved attempts not yet settled, per counter (this process's logins). */
  private readonly pending = new Map<string, number>();

  constructor(store: AccountStore, options: LoginThrottleOptions) {
    this.store = store;
    // `??`, not a spread: an option given as undefined must not erase its default.
    this.options = {
      ...options,
      addressFailureBudget: options.addressFailureBudget ?? DEFAULT_ADDRESS_FAILURE_BUDGET,
      accountLockAfterFailures: options.accountLockAfterFailures ?? DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
    };
  }

  /** Whether a login of `email` from `address` is refused before its password is checked. */
  check(email: string, clientAddress: string): Promise<ThrottleVerdict> {
    const now = this.options.now();
    const counters = this.counters(email, clientAddress);
    return this.store.throttleTransaction(counters, (rows): { writes: []; result: ThrottleVerdict } => {
      for (const [i, { scope }] of counters.entries()) {
        const row = rows[i];
        if (row && row.lockedUntil > now)
          return { writes: [], result: { blocked: true, scope, until: row.lockedUntil } };
      }
      return { writes: [], result: { blocked: false } };
    });
  }

  /**
   * Before the password is hashed: refuses a login of a locked pair, address or account — or
   * one whose cap is already taken by attempts still being checked — else counts the attempt
   * as a failure on the three counters, in one transaction. Parallel guesses thus cannot all
   * pass the check while the first hashes run. The caller then settles the attempt:
   * `settleFailure`, `settleSuccess` or `release`.
   */
  async reserve(email: string, clientAddress: string): Promise<ThrottleVerdict> {
    const now = this.options.now();
    const { lockMs } = this.options;
    const counters = this.counters(email, clientAddress);
    const verdict = await this.store.throttleTransaction(counters, (rows) => {
      const current = rows.map((row) => this.current(row, now));
      for (const [i, { scope, cap }] of counters.entries()) {
        const row = current[i]!;
        if (row.lockedUntil > now)
          return { writes: [], result: { blocked: true, scope, until: row.lockedUntil } };
        // The cap is reached by attempts not yet settled: they lock it if they fail.
        if (row.failures >= cap) return { writes: [], result: { blocked: true, scope, until: now + lockMs } };
      }
      const writes = current.map((row) => ({ ...row, failures: row.failures + 1 }));
      return { writes, result: { blocked: false } as ThrottleVerdict };
    });
    if (!verdict.blocked) for (const counter of counters) this.addPending(counter, 1);
    return verdict;
  }

  /**
   * A reserved attempt failed: it is already counted; a counter at its cap locks. Returns the
   * pair's failure count (for the growing delay) and the lock it triggered, if any.
   */
  settleFailure(
    email: string,
    clientAddress: string,
  ): Promise<{ failures: number; locked: ThrottleVerdict }> {
    const now = this.options.now();
    const { lockMs } = this.options;
    const counters = this.counters(email, clientAddress);
    for (const counter of counters) this.addPending(counter, -1);
    return this.store.throttleTransaction(counters, (rows) => {
      let locked: ThrottleVerdict = { blocked: false };
      let pairFailures = 1;
      const writes: ThrottleWrites = counters.map(({ scope, cap }, i) => {
        const current = this.current(rows[i], now);
        if (scope === 'pair') pairFailures = Math.max(1, current.failures);
        if (current.failures < cap || current.lockedUntil > now) return undefined;
        if (!locked.blocked) locked = { blocked: true, scope, until: now + lockMs };
        return { ...current, lockedUntil: now + lockMs };
      });
      return { writes, result: { failures: pairFailures, locked } };
    });
  }

  /** Counts a failure now (reserve then settle): for callers that check no password. */
  async recordFailure(
    email: string,
    clientAddress: string,
  ): Promise<{ failures: number; locked: ThrottleVerdict }> {
    const now = this.options.now();
    const counters = this.counters(email, clientAddress);
    await this.store.throttleTransaction(counters, (rows) => ({
      writes: rows.map((row) => {
        const current = this.current(row, now);
        return { ...current, failures: current.failures + 1 };
      }),
      result: undefined,
    }));
    for (const counter of counters) this.addPending(counter, 1);
    return this.settleFailure(email, clientAddress);
  }

  /**
   * A reserved attempt succeeded: that account's count from that address and its count across
   * addresses are cleared, down to the attempts still being checked — not its locks from other
   * addresses, nor the address's budget (an attacker with one real account could otherwise
   * refill it), nor a lock that parallel failures set while this password was being checked:
   * there only the reservation is given back.
   */
  settleSuccess(email: string, clientAddress: string): Promise<void> {
    const now = this.options.now();
    const counters = this.counters(email, clientAddress);
    const stillPending = counters.map((counter) => this.addPending(counter, -1));
    return this.store.throttleTransaction(counters, (rows) => ({
      writes: counters.map(({ scope }, i) => {
        const row = rows[i];
        if (scope === 'address' || (row && row.lockedUntil > now)) return giveBack(row);
        if (row && stillPending[i]! > 0) return { ...row, failures: stillPending[i]! };
        return row ? null : undefined;
      }),
      result: undefined,
    }));
  }

  /** A reserved attempt ended without a verdict (a disabled account, an error): given back. */
  release(email: string, clientAddress: string): Promise<void> {
    const counters = this.counters(email, clientAddress);
    for (const counter of counters) this.addPending(counter, -1);
    return this.store.throttleTransaction(counters, (rows) => ({
      writes: rows.map(giveBack),
      result: undefined,
    }));
  }

  /** Changes a counter's unsettled attempts by `delta`; returns how many remain. */
  private addPending({ scope, email, address }: ThrottleKey, delta: number): number {
    const key = `${scope}\u0000${email}\u0000${address}`;
    const count = Math.max(0, (this.pending.get(key) ?? 0) + delta);
    if (count > 0) this.pending.set(key, count);
    else this.pending.delete(key);
    return count;
  }

  /** The three counters of a login, with their caps. */
  private counters(email: string, clientAddress: string): Counter[] {
    const address = throttleKey(clientAddress);
    const { lockAfterFailures, addressFailureBudget, accountLockAfterFailures } = this.options;
    return [
      { scope: 'address', email: '', address, cap: addressFailureBudget },
      { scope: 'account', email, address: '', cap: accountLockAfterFailures },
      { scope: 'pair', email, address, cap: lockAfterFailures },
    ];
  }

  /**
   * A counter as it stands at `now`: a window that passed without reaching the cap, or a lock
   * that ended, starts the count again.
   */
  private current(previous: ThrottleRow | undefined, now: number): ThrottleRow {
    const fresh =
      !previous ||
      (previous.lockedUntil !== 0 && previous.lockedUntil <= now) ||
      (previous.lockedUntil === 0 && now - previous.windowStart > this.options.lockMs);
    return fresh ? { failures: 0, windowStart: now, lockedUntil: 0 } : previous;
  }

  /** Operator action: lifts every lock and count of an account (all addresses). */
  unlockAccount(email: string): Promise<void> {
    return this.store.deleteThrottle({ email });
  }

  /** Operator action: lifts an address's budget and its locks on every account. */
  unlockAddress(address: string): Promise<void> {
    return this.store.deleteThrottle({ address: throttleKey(address) });
  }
}

/** One failure given back (never below zero); the window and the lock unchanged. */
function giveBack(row: ThrottleRow | undefined): ThrottleRow | undefined {
  return row && row.failures > 0 ? { ...row, failures: row.failures - 1 } : undefined;
}
