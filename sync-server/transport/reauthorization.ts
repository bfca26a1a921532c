/**
 * The periodic re-authorization of live sync connections ([CONN-3]): an account disabled or a
 * role removed by the admin CLI (another process), or a session that expired, ends its sockets
 * here. One pass per interval, spread over turns of the event loop: each slice checks
 * connections until its budget (1 ms) is spent, then yields (setImmediate), so that a pass over
 * thousands of connections never holds the main thread longer than a slice. Verdicts are cached
 * for the pass (one database check per agent, session, commune and access kind).
 */
import { performance } from 'node:perf_hooks';
import { CLOSE } from '../../site/syncProtocol';
import { inseeOfRoom } from '../storage/DocStore';
import type { ConnectionIdentity, Room, RoomConnection } from '../sync/Room';

export type Verdict = 'ok' | 'session-ended' | 'forbidden';

export interface ReauthorizationOptions {
  /** Every live connection with its room (RoomManager.liveConnections). */
  connections: () => Iterator<[RoomConnection, Room]>;
  /** Accounts.connectionAllowed. */
  connectionAllowed: (
    agentId: string,
    sessionId: string | undefined,
    insee: string,
    readOnly: boolean,
  ) => Verdict;
  /** Longest a slice may run, in ms (default 1). */
  sliceBudgetMs?: number;
  /** Test hooks: the clock and how the next slice is scheduled. */
  now?: () => number;
  defer?: (next: () => void) => void;
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
  stop(): void;
}

export function createReauthorization(options: ReauthorizationOptions): Reauthorization {
  const budget = options.sliceBudgetMs ?? 1;
  const now = options.now ?? (() => performance.now());
  const defer = options.defer ?? ((next: () => void) => void setImmediate(next));
  let running: Promise<PassResult> | null = null;
  let interval: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  function pass(): Promise<PassResult> {
    const verdicts = new Map<string, Verdict>();
    const verdict = (identity: ConnectionIdentity, insee: string): Verdict => {
      const key = `${identity.agentId} ${identity.sessionId ?? ''} ${insee} ${identity.readOnly}`;
      let answer = verdicts.get(key);
      if (!answer) {
        answer = options.connectionAllowed(identity.agentId, identity.sessionId, insee, identity.readOnly);
        verdicts.set(key, answer);
      }
      return answer;
    };
    const connections = options.connections();
    const result: PassResult = { slices: 0, checked: 0, closed: 0 };
    return new Promise((resolve) => {
      const slice = () => {
        result.slices += 1;
        const deadline = now() + budget;
        for (;;) {
          const next = connections.next();
          if (next.done || stopped) return resolve(result);
          const [conn, room] = next.value;
          result.checked += 1;
          const answer = verdict(conn.identity, inseeOfRoom(room.name));
          if (answer !== 'ok') {
            conn.kick(answer === 'session-ended' ? CLOSE.TOKEN_EXPIRED : CLOSE.FORBIDDEN);
            result.closed += 1;
          }
          if (now() >= deadline) break;
        }
        defer(slice);
      };
      slice();
    });
  }

  return {
    pass,
    start(intervalMs) {
      interval = setInterval(() => {
        if (running) return;
        running = pass().finally(() => (running = null));
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
