// [CONN-3] The re-authorization pass is spread over turns of the event loop: no slice runs past
// its budget (SLICE_BUDGET_MS), the accounts' read has a turn of its own, other work runs
// between them, and by the end of the pass every connection was checked and the refused ones
// closed with the right code. [CONN-4] The accounts are asked
// once per pass, for all connections together. Real RoomManager and rooms, in memory sockets;
// a clock advanced by each connection handled (CHECK_COST_MS), so the slices are decided by the
// budget, not by the machine's load.
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../site/syncProtocol';
import { silentLogger } from '../observability/Logger';
import { MemoryDocStore } from '../storage/MemoryDocStore';
import type { ConnectionIdentity, Room, RoomSocket } from '../sync/Room';
import { RoomManager } from '../sync/RoomManager';
import type { ConnectionCheck } from '../accounts/Accounts';
import { createReauthorization, SLICE_BUDGET_MS, type Verdict } from './reauthorization';

class ClosableSocket implements RoomSocket {
  bufferedAmount = 0;
  closedWith: number | null = null;
  sendMessage(): void {}
  closeWith(code: number): void {
    this.closedWith = code;
  }
}

/**
 * What handling one connection costs on the test's clock: a few fit in a slice. A power of two
 * (1/16 ms) so that the clock's sums are exact and a slice holds exactly PER_SLICE of them.
 */
const CHECK_COST_MS = 1 / 16;
const PER_SLICE = Math.ceil(SLICE_BUDGET_MS / CHECK_COST_MS);

async function roomsWithConnections(count: number, rooms = 40) {
  const manager = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
  const sockets: Array<{ agentId: string; socket: ClosableSocket }> = [];
  for (let i = 0; i < count; i++) {
    const room = await manager.open(`13001/page/reauth-${i % rooms}`);
    const socket = new ClosableSocket();
    // One agent per connection: every check is a database query (no cached verdict).
    const agentId = `agent-${i}`;
    room.addConnection(socket, { agentId, displayName: agentId, color: '#1f5fbf', readOnly: false });
    sockets.push({ agentId, socket });
  }
  return { manager, sockets };
}

describe('re-authorization of live connections', () => {
  it('[CONN-3] [CONN-4] a pass over 1,000 connections runs in slices within their budget, the loop turning between them, with one read of the accounts in a turn of its own', async () => {
    const { manager, sockets } = await roomsWithConnections(1000);
    let clock = 0;
    let checksInSlice = 0;
    const slices: number[] = [];
    let turnsBetweenSlices = 0;
    let reads = 0;
    let handledBeforeRead = -1;
    const verdictOf = (agentId: string): Verdict =>
      agentId === 'agent-7' ? 'forbidden' : agentId === 'agent-500' ? 'session-ended' : 'ok';
    const reauthorization = createReauthorization({
      rooms: () => manager.loadedRooms(),
      judge: async () => {
        reads += 1;
        handledBeforeRead = checksInSlice;
        return (check) => verdictOf(check.agentId);
      },
      // Each connection handled (gathered, then judged) costs CHECK_COST_MS: the clock is read once
      // per connection after the slice's first reading.
      now: () => {
        checksInSlice += 1;
        return (clock += CHECK_COST_MS);
      },
      defer: (next) => {
        slices.push(checksInSlice);
        checksInSlice = 0;
        // Other work gets its turn before the next slice.
        setTimeout(() => {
          turnsBetweenSlices += 1;
          next();
        }, 0);
      },
    });
    const result = await reauthorization.pass();
    slices.push(checksInSlice);

    expect(result.checked).toBe(1000);
    expect(reads).toBe(1);
    // A slice stops at the first connection that reaches the budget: its first reading, then
    // ≤ PER_SLICE connections.
    expect(Math.max(...slices)).toBeLessThanOrEqual(PER_SLICE + 1);
    // Gathering 1,000 then judging 1,000, ≤ PER_SLICE per slice.
    expect(result.slices).toBeGreaterThanOrEqual(2000 / PER_SLICE);
    // The read came at the start of a turn (nothing handled in it before), one more turn.
    expect(handledBeforeRead).toBe(0);
    expect(turnsBetweenSlices).toBe(result.slices);
    expect(result.closed).toBe(2);
    const closed = sockets.filter((s) => s.socket.closedWith !== null);
    expect(closed.map((s) => [s.agentId, s.socket.closedWith])).toEqual([
      ['agent-7', CLOSE.FORBIDDEN.code],
      ['agent-500', CLOSE.TOKEN_EXPIRED.code],
    ]);
    expect(manager.connectionCount).toBe(998);
    reauthorization.stop();
    await manager.close();
  });

  it('[CONN-3] with the real clock, a pass over 1,500 connections yields every slice budget of wall time', async () => {
    const { manager } = await roomsWithConnections(1500, 500);
    // ~20 µs of real work per connection judged (one agent per connection).
    const query =
      async () =>
      (check: ConnectionCheck): Verdict => {
        const until = performance.now() + 0.02;
        while (performance.now() < until) void check.agentId.length;
        return 'ok';
      };
    const sliceMs: number[] = [];
    let sliceStarted = performance.now();
    const reauthorization = createReauthorization({
      rooms: () => manager.loadedRooms(),
      judge: query,
      defer: (next) => {
        sliceMs.push(performance.now() - sliceStarted);
        setImmediate(() => {
          sliceStarted = performance.now();
          next();
        });
      },
    });
    sliceStarted = performance.now();
    const result = await reauthorization.pass();
    sliceMs.push(performance.now() - sliceStarted);
    const sorted = [...sliceMs].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
    console.log(
      `[CONN-3] ${result.checked} checks in ${result.slices} slices: ` +
        `median ${sorted[sorted.length >> 1]!.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`,
    );
    expect(result.checked).toBe(1500);
    // 1,500 × 20 µs = 30 ms of checks: ~120 slices of 0.25 ms; one unsliced pass would be one slice.
    expect(result.slices).toBeGreaterThanOrEqual(10);
    // Wall time on a shared machine: the bounds guard the slicing (a slice stops at its first
    // check past its budget), not the speed. A slice preempted by the OS (a few ms on a loaded
    // machine) or hit by a GC pause runs longer, hence the median and the loose p95.
    expect(sorted[sorted.length >> 1]!).toBeLessThan(SLICE_BUDGET_MS + 0.5);
    expect(p95).toBeLessThan(15);
    reauthorization.stop();
    await manager.close();
  });

  it('[CONN-3] one identity object in two communes is judged per commune; equal identities in distinct objects make one check', async () => {
    const manager = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    const shared = Object.freeze({
      agentId: 'm',
      sessionId: 's',
      displayName: 'M',
      color: '#1f5fbf',
      readOnly: false,
    });
    const sockets: Record<string, ClosableSocket[]> = { '13001': [], '13002': [] };
    for (let i = 0; i < 6; i++) {
      const insee = i % 2 === 0 ? '13001' : '13002';
      const room = await manager.open(`${insee}/page/shared-${i}`);
      const socket = new ClosableSocket();
      // Every other connection of 13001 has its own object, equal to the shared one.
      room.addConnection(socket, i === 2 ? { ...shared } : shared);
      sockets[insee]!.push(socket);
    }
    let checksAsked: ConnectionCheck[] = [];
    const reauthorization = createReauthorization({
      rooms: () => manager.loadedRooms(),
      judge: async (checks) => {
        checksAsked = checks;
        // The agent lost its role in 13002 only.
        return (check) => (check.insee === '13002' ? 'forbidden' : 'ok');
      },
    });
    const result = await reauthorization.pass();
    expect(checksAsked.map((c) => c.insee).sort()).toEqual(['13001', '13002']);
    expect(result).toMatchObject({ checked: 6, closed: 3 });
    expect(sockets['13001']!.map((s) => s.closedWith)).toEqual([null, null, null]);
    expect(sockets['13002']!.map((s) => s.closedWith)).toEqual(Array(3).fill(CLOSE.FORBIDDEN.code));
    await manager.close();
  });

  it('[CONN-3] a verdict is asked once per agent, session, commune and access kind within a pass', async () => {
    const manager = new RoomManager({ store: new MemoryDocStore(), logger: silentLogger });
    for (let i = 0; i < 30; i++) {
      const room = await manager.open(`13001/page/same-${i % 3}`);
      room.addConnection(new ClosableSocket(), {
        agentId: 'same',
        sessionId: 's1',
        displayName: 'Même',
        color: '#1f5fbf',
        readOnly: false,
      });
    }
    let asked = 0;
    const reauthorization = createReauthorization({
      rooms: () => manager.loadedRooms(),
      judge: async (checks) => {
        expect(checks).toHaveLength(1);
        return () => {
          asked += 1;
          return 'ok';
        };
      },
    });
    expect((await reauthorization.pass()).checked).toBe(30);
    expect(asked).toBe(1);
    await manager.close();
  });

  it('[CONN-3] walks past rooms without connections and skips a room unloaded mid-pass: each live connection checked once', async () => {
    interface StubConnection {
      identity: ConnectionIdentity;
      kicks: number;
      kick(): void;
    }
    const rooms = new Map<
      string,
      { name: string; conns: StubConnection[]; allConnections(): StubConnection[] }
    >();
    const sizes = [0, 3, 0, 0, 5, 0, 2, 4, 0];
    sizes.forEach((size, i) => {
      const name = `13001/page/walk-${i}`;
      const conns = Array.from({ length: size }, (_, k) => ({
        identity: {
          agentId: `a${i}-${k}`,
          sessionId: 's',
          displayName: 'A',
          color: '#1f5fbf',
          readOnly: false,
        },
        kicks: 0,
        kick() {
          this.kicks += 1;
        },
      }));
      rooms.set(name, { name, conns, allConnections: () => [...conns] });
    });
    const unloaded = rooms.get('13001/page/walk-7')!;
    let clock = 0;
    let turns = 0;
    const reauthorization = createReauthorization({
      rooms: () => rooms.values() as unknown as Iterator<Room>,
      judge: async () => () => 'forbidden',
      now: () => (clock += CHECK_COST_MS),
      // Four connections a slice, whatever the default budget.
      sliceBudgetMs: 4 * CHECK_COST_MS - CHECK_COST_MS / 2,
      // After the first slice (the first room's connections and one more), room 7 is unloaded.
      defer: (next) => {
        if (++turns === 1) rooms.delete(unloaded.name);
        setImmediate(next);
      },
    });
    const result = await reauthorization.pass();
    const live = [...rooms.values()].flatMap((room) => room.conns);
    expect(result.checked).toBe(3 + 5 + 2);
    expect(live.map((conn) => conn.kicks)).toEqual(Array(10).fill(1));
    expect(unloaded.conns.map((conn) => conn.kicks)).toEqual([0, 0, 0, 0]);
    // Stopped while gathering: the pass ends, nothing judged, nothing closed.
    const stopping = createReauthorization({
      rooms: () => rooms.values() as unknown as Iterator<Room>,
      judge: async () => () => 'forbidden',
      now: () => (clock += CHECK_COST_MS),
      defer: (next) => {
        stopping.stop();
        setImmediate(next);
      },
    });
    expect(await stopping.pass()).toMatchObject({ checked: 0, closed: 0 });
    expect(live.map((conn) => conn.kicks)).toEqual(Array(10).fill(1));
  });
});
