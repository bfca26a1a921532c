/**
 * The periodic re-authorization of live sync connections ([CONN-3]): an account disabled or a
 * role removed by the admin CLI (another process) or by another node, or a session that
 * expired or was logged out anywhere, ends its sockets here. One pass per interval in three
 * steps: the connections are gathered; the accounts read what their distinct (agent, session,
 * commune, access kind) checks need in ONE read of the store ([CONN-4]); each check is then
 * judged from that read (once per distinct check) and the refused connections closed.
 * Gathering, the read and judging are spread over turns of the event loop: each slice handles
 * connections until its budget (SLICE_BUDGET_MS) is spent, then yields (setImmediate), and the
 * read has a turn of its own, so a pass over thousands of connections never holds the main
 * thread longer than a slice — but for the read itself (one statement per table on SQLite,
 * synchronous, its cost growing with the distinct agents and sessions, not the connections).
 */
import { performance } from 'node:perf_hooks';
import { CLOSE } from '../../site/syncProtocol';
import type { ConnectionCheck, ConnectionVerdict } from '../accounts/Accounts';
import { inseeOfRoom } from '../storage/DocStore';
import type { ConnectionIdentity, Room, RoomConnection } from '../sync/Room';

export type Verdict = ConnectionVerdict;

/**
 * A slice's budget, in ms. The pass runs once a second while the rooms relay: at 1 ms, its
 * slice and the accounts' read after the last one came to 2–5 ms of blocked loop once a pass
 * (the 1,500-client bench, after warm-up: one in four of the server's loop delays over 2 ms,
 * all at the same point of each second), the size of the relay's p99 itself.
 */
export const SLICE_BUDGET_MS = 0.25;

export interface ReauthorizationOptions {
  /** Every loaded room (RoomManager.loadedRooms): the pass visits their live connections. */
  rooms: () => Iterator<Room>;
  /** Accounts.connectionJudge: one read for these checks, then a synchronous verdict per check. */
  judge: (checks: ConnectionCheck[]) => Promise<(check: ConnectionCheck) => Verdict>;
  /** Longest a slice may run, in ms (default SLICE_BUDGET_MS). */
  sliceBudgetMs?: number;
  /** Test hooks: the clock and how the next slice is scheduled. */
  now?: () => number;
  defer?: (next: () => void) => void;
  /** A pass that failed (the accounts' store unreachable); the next one tries again. */
  onError?: (error: Error) => void;
}

export interface PassResult {
  slices: number;
  checked: number;
  closed: number;
}

export interface Reauthorization {
  /** One pass over every live connection; resolves when it is done. */
  pass(): Promise<PassResult>;
  /** A pass every `intervalMs` (none starts while the previous one runs). */
  start(intervalMs: number): void;
  /** Stops for good: a pass under way ends at its next slice; a later start() runs nothing. */
  stop(): void;
}

/** A pass's connections, each with the index of its check in `checks`. */
interface Gathered {
  checks: ConnectionCheck[];
  conns: RoomConnection[];
  checkOf: number[];
}

/**
 * The distinct checks of a pass: one per agent, session, commune and access kind (`byKey`),
 * found for each connection through its identity object — shared by a login session's
 * connections (sharedIdentities) — and its commune: no key string built per connection.
 */
class PassChecks {
  readonly checks: ConnectionCheck[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byIdentity = new Map<ConnectionIdentity, Map<string, number>>();
  private lastRoom: Room | null = null;
  private insee = '';

  indexOf(conn: RoomConnection, room: Room): number {
    if (room !== this.lastRoom) {
      this.lastRoom = room;
      this.insee = inseeOfRoom(room.name);
    }
    let byCommune = this.byIdentity.get(conn.identity);
    if (!byCommune) this.byIdentity.set(conn.identity, (byCommune = new Map()));
    let index = byCommune.get(this.insee);
    if (index === undefined) {
      index = this.indexByKey(conn.identity, this.insee);
      byCommune.set(this.insee, index);
    }
    return index;
  }

  private indexByKey({ agentId, sessionId, readOnly }: ConnectionIdentity, insee: string): number {
    const key = `${agentId} ${sessionId ?? ''} ${insee} ${readOnly}`;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.checks.push({ agentId, sessionId, insee, readOnly }) - 1;
      this.byKey.set(key, index);
    }
    return index;
  }
}

export function createReauthorization(options: ReauthorizationOptions): Reauthorization {
  const budget = options.sliceBudgetMs ?? SLICE_BUDGET_MS;
  const now = options.now ?? (() => performance.now());
  const defer = options.defer ?? ((next: () => void) => void setImmediate(next));
  let running: Promise<PassResult> | null = null;
  let interval: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  /**
   * Runs `step` until it says done, in slices of `budget` ms; counts the slices. `afterYield`:
   * the first slice waits its turn too (the previous step's last slice just ran).
   */
  function sliced(result: PassResult, step: () => boolean, afterYield = false): Promise<void> {
    return new Promise((resolve, reject) => {
      const slice = () => {
        result.slices += 1;
        const deadline = now() + budget;
        try {
          for (;;) {
            if (stopped || step()) return resolve();
            if (now() >= deadline) break;
          }
        } catch (error) {
          // A slice run from setImmediate would throw into the void and the pass never end.
          return reject(error as Error);
        }
        defer(slice);
      };
      if (afterYield) defer(slice);
      else slice();
    });
  }

  /** The next turn of the event loop (the test's `defer` counts it). */
  const nextTurn = () => new Promise<void>((resolve) => defer(resolve));

  /**
   * Every live connection with the index of its check, in slices of one connection a step —
   * walked room by room with no object made per connection (a tuple and an iterator result
   * each, 1,500 a second at the bench's load, were ~4 % of the server's allocations).
   */
  async function gather(result: PassResult): Promise<Gathered> {
    const found = new PassChecks();
    const gathered: Gathered = { checks: found.checks, conns: [], checkOf: [] };
    const rooms = options.rooms();
    let room: Room | null = null;
    let roomConns: RoomConnection[] = [];
    let k = 0;
    await sliced(result, () => {
      while (k === roomConns.length) {
        const next = rooms.next();
        if (next.done) return true;
        room = next.value;
        roomConns = room.allConnections();
        k = 0;
      }
      const conn = roomConns[k++]!;
      gathered.conns.push(conn);
      gathered.checkOf.push(found.indexOf(conn, room!));
      return false;
    });
    return gathered;
  }

  /** Judges each connection (once per check) and closes the refused ones, in slices. */
  function judgeAll(result: PassResult, gathered: Gathered, judge: (check: ConnectionCheck) => Verdict) {
    const { checks, conns, checkOf } = gathered;
    const verdicts: Verdict[] = [];
    let i = 0;
    return sliced(
      result,
      () => {
        if (i === conns.length) return true;
        const conn = conns[i]!;
        const check = checkOf[i++]!;
        result.checked += 1;
        const answer = (verdicts[check] ??= judge(checks[check]!));
        if (answer !== 'ok') {
          conn.kick(answer === 'session-ended' ? CLOSE.TOKEN_EXPIRED : CLOSE.FORBIDDEN);
          result.closed += 1;
        }
        return false;
      },
      true,
    );
  }

  async function pass(): Promise<PassResult> {
    const result: PassResult = { slices: 0, checked: 0, closed: 0 };
    const gathered = await gather(result);
    if (stopped || gathered.conns.length === 0) return result;
    // The read (synchronous on SQLite) in a turn of its own, not after the last slice.
    await nextTurn();
    if (stopped) return result;
    await judgeAll(result, gathered, await options.judge(gathered.checks));
    return result;
  }

  return {
    pass,
    start(intervalMs) {
      interval = setInterval(() => {
        if (running) return;
        // A failed read (PostgreSQL unreachable) skips this pass; the next one tries again.
        running = pass()
          .catch((error: Error) => {
            options.onError?.(error);
            return { slices: 0, checked: 0, closed: 0 };
          })
          .finally(() => (running = null));
      }, intervalMs);
      interval.unref();
    },
    stop() {
      stopped = true;
      if (interval) clearInterval(interval);
      interval = null;
    },
  };
}
