// The hash gate alone (tier a): how many tasks run at once, the waiting line, the share of one
// address, and places given back by tasks that end, fail or never run.
import { describe, expect, it } from 'vitest';
import { HashGate, type HashTicket } from './HashGate';

/** A task that ends when told to, and says whether it started. */
function controlled() {
  let finish: (value: string) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const state = { started: false };
  const task = () =>
    new Promise<string>((resolve, reject) => {
      state.started = true;
      finish = resolve;
      fail = reject;
    });
  return { task, state, finish: (v: string) => finish(v), fail: (e: Error) => fail(e) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function admitted(gate: HashGate, key: string): HashTicket {
  const admission = gate.enter(key);
  if (!admission.ok) throw new Error(`refused: ${admission.reason}`);
  return admission.ticket;
}

describe('HashGate', () => {
  it('[AUTH-12] runs at most `concurrency` tasks, queues `maxWaiting`, refuses the rest at once', async () => {
    const gate = new HashGate({ concurrency: 2, maxWaiting: 1, perAddress: 10 });
    const tasks = [controlled(), controlled(), controlled()];
    const runs = tasks.map((t, i) => admitted(gate, `198.51.100.${i}`).run(t.task));
    expect(gate.enter('198.51.100.9')).toEqual({ ok: false, reason: 'server' });
    await tick();
    expect(tasks.map((t) => t.state.started)).toEqual([true, true, false]);
    tasks[0]!.finish('a');
    await tick();
    expect(tasks[2]!.state.started).toBe(true);
    tasks[1]!.fail(new Error('scrypt'));
    tasks[2]!.finish('c');
    await expect(runs[0]).resolves.toBe('a');
    await expect(runs[1]).rejects.toThrow('scrypt');
    await expect(runs[2]).resolves.toBe('c');
    // A failed task gave its slot back like the others.
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it('[AUTH-12] one address holds at most `perAddress` places; leaving gives them back', async () => {
    const gate = new HashGate({ concurrency: 1, maxWaiting: 10, perAddress: 2 });
    const first = admitted(gate, '203.0.113.7');
    const second = admitted(gate, '203.0.113.7');
    expect(gate.enter('203.0.113.7')).toEqual({ ok: false, reason: 'address' });
    expect(gate.enter('203.0.113.8').ok).toBe(true);
    // A waiting ticket that leaves frees its place in the line; a running one, its slot.
    second.leave();
    expect(gate.load.waiting).toBe(1);
    first.leave();
    await tick();
    expect(gate.load).toEqual({ running: 1, waiting: 0 });
    expect(gate.enter('203.0.113.7').ok).toBe(true);
  });

  it('[AUTH-12] authenticated operations wait for a slot without bounds', async () => {
    const gate = new HashGate({ concurrency: 1, maxWaiting: 0, perAddress: 1 });
    const blocker = controlled();
    const running = admitted(gate, '192.0.2.1').run(blocker.task);
    const trusted = gate.enterTrusted().run(async () => 'hash');
    expect(gate.enter('192.0.2.2')).toEqual({ ok: false, reason: 'server' });
    await tick();
    expect(gate.load).toEqual({ running: 1, waiting: 1 });
    blocker.finish('done');
    await expect(running).resolves.toBe('done');
    await expect(trusted).resolves.toBe('hash');
  });
});
