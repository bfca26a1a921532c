// [WS-14] The heartbeat pings each open socket once per period, a few at a time: 1,500 sockets
// over 300 slots of a 30 s period are pinged 5 every 100 ms, never all in one turn of the event
// loop; a socket that did not answer its ping is cut at its next visit, one that answered is
// pinged again; a socket gone is neither; the registry lists every open socket. Fake timers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_MS, HEARTBEAT_SLOTS, SocketHeartbeat, type HeartbeatSocket } from './heartbeat';

class FakeSocket implements HeartbeatSocket {
  alive = true;
  heartbeatSlot = 0;
  pings = 0;
  terminated = false;
  answers = true;
  /** The registry it leaves when cut (as a socket's 'close' does). */
  registry: SocketHeartbeat<FakeSocket> | null = null;
  constructor(private readonly log: FakeSocket[]) {}
  ping(): void {
    this.pings += 1;
    this.log.push(this);
    // A client that answers does so before the next visit.
    if (this.answers) queueMicrotask(() => (this.alive = true));
  }
  terminate(): void {
    this.terminated = true;
    this.registry?.delete(this);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the heartbeat', () => {
  it('[WS-14] pings 1,500 sockets once per period, at most 5 at a time, and cuts the ones that did not answer', async () => {
    vi.useFakeTimers();
    const pinged: FakeSocket[] = [];
    const heartbeat = new SocketHeartbeat<FakeSocket>();
    const sockets = Array.from({ length: 1500 }, () => new FakeSocket(pinged));
    sockets.forEach((socket) => {
      socket.registry = heartbeat;
      heartbeat.add(socket);
    });
    expect([...heartbeat].length).toBe(1500);
    heartbeat.start();
    heartbeat.start();
    const perVisit: number[] = [];
    for (let visit = 0; visit < HEARTBEAT_SLOTS; visit++) {
      const before = pinged.length;
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS / HEARTBEAT_SLOTS);
      perVisit.push(pinged.length - before);
    }
    // One period: every socket pinged once, 5 at each of the 300 visits.
    expect(sockets.every((socket) => socket.pings === 1)).toBe(true);
    expect(Math.max(...perVisit)).toBe(5);
    expect(Math.min(...perVisit)).toBe(5);

    // Socket 7 stops answering, socket 8 closes: at the next period 7 is pinged, then cut.
    sockets[7]!.answers = false;
    heartbeat.delete(sockets[8]!);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(sockets[7]!.pings).toBe(2);
    expect(sockets[7]!.terminated).toBe(false);
    expect(sockets[8]!.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(sockets[7]!.terminated).toBe(true);
    expect(sockets[7]!.pings).toBe(2);
    expect(sockets.filter((socket) => socket.terminated)).toEqual([sockets[7]]);
    expect(sockets[9]!.pings).toBe(3);
    expect([...heartbeat].length).toBe(1498);

    // Stopped: nothing more.
    heartbeat.stop();
    const total = pinged.length;
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(pinged.length).toBe(total);
  });

  it('[WS-14] spreads sockets opened in a burst over the slots, and makes a slot only when one lands in it', () => {
    const heartbeat = new SocketHeartbeat<FakeSocket>(HEARTBEAT_MS, 10);
    const sockets = Array.from({ length: 3 }, () => new FakeSocket([]));
    sockets.forEach((socket) => heartbeat.add(socket));
    expect(sockets.map((socket) => socket.heartbeatSlot)).toEqual([0, 1, 2]);
    expect((Reflect.get(heartbeat, 'slots') as unknown[]).filter(Boolean)).toHaveLength(3);
  });

  it('[WS-14] keeps its period when the timer fires late: the visits follow the clock', async () => {
    vi.useFakeTimers();
    // Each firing of the 100 ms timer finds the clock 150 ms further (a loaded event loop).
    let clock = 0;
    const pinged: FakeSocket[] = [];
    const heartbeat = new SocketHeartbeat<FakeSocket>(HEARTBEAT_MS, HEARTBEAT_SLOTS, () => clock);
    const sockets = Array.from({ length: 600 }, () => new FakeSocket(pinged));
    sockets.forEach((socket) => heartbeat.add(socket));
    heartbeat.start();
    const visitMs = HEARTBEAT_MS / HEARTBEAT_SLOTS;
    for (let firing = 0; firing < 200; firing++) {
      clock += 1.5 * visitMs;
      await vi.advanceTimersByTimeAsync(visitMs);
    }
    // 200 late firings, 30 s of the clock: one period, every socket pinged once.
    expect(sockets.every((socket) => socket.pings === 1)).toBe(true);
    heartbeat.stop();
  });

  it('[WS-14] refuses a period without slots', () => {
    expect(() => new SocketHeartbeat<FakeSocket>(HEARTBEAT_MS, 0)).toThrow(RangeError);
  });
});
