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
 */
import net from 'node:net';
import type { SqliteDatabase } from './database';

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

export type ThrottleVerdict =
  { blocked: false } | { blocked: true; scope: 'address' | 'account' | 'pair'; until: number };

interface Row {
  failures: number;
  window_start: number;
  locked_until: number;
}

export class LoginThrottle {
  private readonly db: SqliteDatabase;
  private readonly options: Required<LoginThrottleOptions>;

  constructor(db: SqliteDatabase, options: LoginThrottleOptions) {
    this.db = db;
    this.options = {
      addressFailureBudget: DEFAULT_ADDRESS_FAILURE_BUDGET,
      accountLockAfterFailures: DEFAULT_ACCOUNT_LOCK_AFTER_FAILURES,
      ...options,
    };
    db.exec(`
      DROP TABLE IF EXISTS login_failures;
      CREATE TABLE IF NOT EXISTS login_throttle (
        scope TEXT NOT NULL,
        email TEXT NOT NULL,
        address TEXT NOT NULL,
        failures INTEGER NOT NULL,
        window_start INTEGER NOT NULL,
        locked_until INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scope, email, address)
      );
    `);
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
    const address = throttleKey(clientAddress);
    const now = this.options.now();
    const keys: Array<[Scope, string, string]> = [
      ['address', '', address],
      ['account', email, ''],
      ['pair', email, address],
    ];
    for (const [scope, e, a] of keys) {
      const row = this.row(scope, e, a);
      if (row && row.locked_until > now) {
        return { blocked: true, scope: scope === 'pair' ? 'pair' : scope, until: row.locked_until };
      }
    }
    return { blocked: false };
  }

  /**
   * Counts a failure on the three counters. Returns the pair's failure count (for the growing
   * delay) and the lock it triggered, if any.
   */
  recordFailure(email: string, clientAddress: string): { failures: number; locked: ThrottleVerdict } {
    const address = throttleKey(clientAddress);
    const now = this.options.now();
    const { lockAfterFailures, addressFailureBudget, accountLockAfterFailures, lockMs } = this.options;
    return this.db
      .transaction(() => {
        const bump = (scope: Scope, e: string, a: string, cap: number) => {
          const previous = this.row(scope, e, a);
          // A window without reaching the cap, or a lock that ended, starts the count again.
          const fresh =
            !previous ||
            (previous.locked_until !== 0 && previous.locked_until <= now) ||
            (previous.locked_until === 0 && now - previous.window_start > lockMs);
          const failures = fresh ? 1 : previous.failures + 1;
          const windowStart = fresh ? now : previous.window_start;
          const lockedUntil = failures >= cap ? now + lockMs : 0;
          this.db
            .prepare(
              `INSERT INTO login_throttle (scope, email, address, failures, window_start, locked_until)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (scope, email, address) DO UPDATE SET failures = excluded.failures,
                 window_start = excluded.window_start, locked_until = excluded.locked_until`,
            )
            .run(scope, e, a, failures, windowStart, lockedUntil);
          return { failures, lockedUntil };
        };
        const pair = bump('pair', email, address, lockAfterFailures);
        const account = bump('account', email, '', accountLockAfterFailures);
        const byAddress = bump('address', '', address, addressFailureBudget);
        const locked: ThrottleVerdict = pair.lockedUntil
          ? { blocked: true, scope: 'pair', until: pair.lockedUntil }
          : account.lockedUntil
            ? { blocked: true, scope: 'account', until: account.lockedUntil }
            : byAddress.lockedUntil
              ? { blocked: true, scope: 'address', until: byAddress.lockedUntil }
              : { blocked: false };
        return { failures: pair.failures, locked };
      })
      .immediate();
  }

  /**
   * A successful login clears that account's count from that address and its count across
   * addresses — not its locks from other addresses, nor the address's budget (an attacker
   * with one real account could otherwise refill it).
   */
  recordSuccess(email: string, clientAddress: string): void {
    const address = throttleKey(clientAddress);
    this.db
      .prepare(
        "DELETE FROM login_throttle WHERE (scope = 'pair' AND email = ? AND address = ?) OR (scope = 'account' AND email = ?)",
      )
      .run(email, address, email);
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

/**
 * The address a throttle counts on: an IPv4 address as is; an IPv6 address by its /64 prefix,
 * since one subscriber usually holds a whole /64 (2^64 addresses would otherwise be as many
 * fresh budgets, and the per-account cap across addresses a cheap way to lock an agent out).
 */
export function throttleKey(address: string): string {
  if (net.isIP(address) !== 6) return address;
  const lower = address.toLowerCase().replace(/%.*$/, '');
  const [head = '', tail] = lower.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const parts =
    tail === undefined
      ? headParts
      : [
          ...headParts,
          ...Array<string>(Math.max(0, 8 - headParts.length - tailParts.length)).fill('0'),
          ...tailParts,
        ];
  return `${parts
    .slice(0, 4)
    .map((part) => part.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
