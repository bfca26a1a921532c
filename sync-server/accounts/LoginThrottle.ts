/**
 * Failed-login throttling that slows guessing without handing anyone a way to lock an agent
 * out. Three counters, in the server's SQLite file (so the admin CLI's `unlock` reaches them):
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
import type { SqliteDatabase } from '../storage/database';

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

type Scope = 'pair' | 'address' | 'account';

export type ThrottleVerdict = { blocked: false } | { blocked: true; scope: Scope; until: number };

interface Row {
  failures: number;
  window_start: number;
  locked_until: number;
}

export class LoginThrottle {
  private readonly db: SqliteDatabase;
  private readonly options: Required<LoginThrottleOptions>;
  /** Reserved attempts not yet settled, per counter (this process's logins). */
  private readonly pending = new Map<string, number>();

  constructor(db: SqliteDatabase, options: LoginThrottleOptions) {
    this.db = db;
    // `??`, not a spread: an option given as undefined must not erase its default.
    this.options = {
      ...options,
      addressFailureBudget: options.addressFailureBudget ?? DEFAULT_ADDRESS_FAILURE_BUDGET,
      accountLockAfterFailures: options.accountLockAfterFailures ?? DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
    };
  }

  private row(scope: Scope, email: string, address: string): Row | undefined {
    return this.db
      .prepare(
        'SELECT failures, window_start, locked_until FROM login_throttle WHERE scope = ? AND email = ? AND address = ?',
      )
      .get(scope, email, address) as Row | undefined;
  }

  /** Whether a login of `email` from `address` is refused before its password is checked. */
  check(email: string, clientAddress: string): ThrottleVerdict {
    const now = this.options.now();
    for (const { scope, email: e, address: a } of this.counters(email, clientAddress)) {
      const row = this.row(scope, e, a);
      if (row && row.locked_until > now) return { blocked: true, scope, until: row.locked_until };
    }
    return { blocked: false };
  }

  /**
   * Before the password is hashed: refuses a login of a locked pair, address or account — or
   * one whose cap is already taken by attempts still being checked — else counts the attempt
   * as a failure on the three counters, in one transaction. Parallel guesses thus cannot all
   * pass the check while the first hashes run. The caller then settles the attempt:
   * `settleFailure`, `settleSuccess` or `release`.
   */
  reserve(email: string, clientAddress: string): ThrottleVerdict {
    const now = this.options.now();
    const { lockMs } = this.options;
    return this.db
      .transaction((): ThrottleVerdict => {
        const counters = this.counters(email, clientAddress).map((counter) => ({
          ...counter,
          current: this.current(counter.scope, counter.email, counter.address, now),
        }));
        for (const { scope, cap, current } of counters) {
          if (current.locked_until > now) return { blocked: true, scope, until: current.locked_until };
          // The cap is reached by attempts not yet settled: they lock it if they fail.
          if (current.failures >= cap) return { blocked: true, scope, until: now + lockMs };
        }
        for (const { scope, email: e, address: a, current } of counters) {
          this.write(scope, e, a, { ...current, failures: current.failures + 1 });
          this.addPending(scope, e, a, 1);
        }
        return { blocked: false };
      })
      .immediate();
  }

  /**
   * A reserved attempt failed: it is already counted; a counter at its cap locks. Returns the
   * pair's failure count (for the growing delay) and the lock it triggered, if any.
   */
  settleFailure(email: string, clientAddress: string): { failures: number; locked: ThrottleVerdict } {
    const now = this.options.now();
    const { lockMs } = this.options;
    return this.db
      .transaction(() => {
        let locked: ThrottleVerdict = { blocked: false };
        let pairFailures = 1;
        for (const { scope, email: e, address: a, cap } of this.counters(email, clientAddress)) {
          this.addPending(scope, e, a, -1);
          const current = this.current(scope, e, a, now);
          if (scope === 'pair') pairFailures = Math.max(1, current.failures);
          if (current.failures < cap || current.locked_until > now) continue;
          this.write(scope, e, a, { ...current, locked_until: now + lockMs });
          if (!locked.blocked) locked = { blocked: true, scope, until: now + lockMs };
        }
        return { failures: pairFailures, locked };
      })
      .immediate();
  }

  /** Counts a failure now (reserve then settle): for callers that check no password. */
  recordFailure(email: string, clientAddress: string): { failures: number; locked: ThrottleVerdict } {
    const now = this.options.now();
    this.db
      .transaction(() => {
        for (const { scope, email: e, address: a } of this.counters(email, clientAddress)) {
          const current = this.current(scope, e, a, now);
          this.write(scope, e, a, { ...current, failures: current.failures + 1 });
        }
      })
      .immediate();
    for (const { scope, email: e, address: a } of this.counters(email, clientAddress))
      this.addPending(scope, e, a, 1);
    return this.settleFailure(email, clientAddress);
  }

  /**
   * A reserved attempt succeeded: that account's count from that address and its count across
   * addresses are cleared, down to the attempts still being checked — not its locks from other
   * addresses, nor the address's budget (an attacker with one real account could otherwise
   * refill it), nor a lock that parallel failures set while this password was being checked:
   * there only the reservation is given back.
   */
  settleSuccess(email: string, clientAddress: string): void {
    const address = throttleKey(clientAddress);
    const now = this.options.now();
    this.db
      .transaction(() => {
        for (const { scope, email: e, address: a } of this.counters(email, address)) {
          const stillPending = this.addPending(scope, e, a, -1);
          const row = this.row(scope, e, a);
          if (scope === 'address' || (row && row.locked_until > now)) this.giveBack(scope, e, a);
          else if (row && stillPending > 0) this.write(scope, e, a, { ...row, failures: stillPending });
          else this.delete(scope, e, a);
        }
      })
      .immediate();
  }

  /** A reserved attempt ended without a verdict (a disabled account, an error): given back. */
  release(email: string, clientAddress: string): void {
    this.db
      .transaction(() => {
        for (const { scope, email: e, address: a } of this.counters(email, clientAddress)) {
          this.addPending(scope, e, a, -1);
          this.giveBack(scope, e, a);
        }
      })
      .immediate();
  }

  /** Changes a counter's unsettled attempts by `delta`; returns how many remain. */
  private addPending(scope: Scope, email: string, address: string, delta: number): number {
    const key = `${scope}\u0000${email}\u0000${address}`;
    const count = Math.max(0, (this.pending.get(key) ?? 0) + delta);
    if (count > 0) this.pending.set(key, count);
    else this.pending.delete(key);
    return count;
  }

  private delete(scope: Scope, email: string, address: string): void {
    this.db
      .prepare('DELETE FROM login_throttle WHERE scope = ? AND email = ? AND address = ?')
      .run(scope, email, address);
  }

  private giveBack(scope: Scope, email: string, address: string): void {
    this.db
      .prepare(
        'UPDATE login_throttle SET failures = failures - 1 WHERE scope = ? AND email = ? AND address = ? AND failures > 0',
      )
      .run(scope, email, address);
  }

  /** The three counters of a login, with their caps. */
  private counters(
    email: string,
    clientAddress: string,
  ): Array<{ scope: Scope; email: string; address: string; cap: number }> {
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
  private current(scope: Scope, email: string, address: string, now: number): Row {
    const previous = this.row(scope, email, address);
    const fresh =
      !previous ||
      (previous.locked_until !== 0 && previous.locked_until <= now) ||
      (previous.locked_until === 0 && now - previous.window_start > this.options.lockMs);
    return fresh ? { failures: 0, window_start: now, locked_until: 0 } : previous;
  }

  private write(scope: Scope, email: string, address: string, row: Row): void {
    this.db
      .prepare(
        `INSERT INTO login_throttle (scope, email, address, failures, window_start, locked_until)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, email, address) DO UPDATE SET failures = excluded.failures,
           window_start = excluded.window_start, locked_until = excluded.locked_until`,
      )
      .run(scope, email, address, row.failures, row.window_start, row.locked_until);
  }

  /** Operator action: lifts every lock and count of an account (all addresses). */
  unlockAccount(email: string): void {
    this.db.prepare('DELETE FROM login_throttle WHERE email = ?').run(email);
  }

  /** Operator action: lifts an address's budget and its locks on every account. */
  unlockAddress(address: string): void {
    this.db.prepare('DELETE FROM login_throttle WHERE address = ?').run(throttleKey(address));
  }
}
