// Tier b: the seeded convergence fuzz (sync-server/sync/fuzz/syncFuzz.ts) — N in-memory clients,
// the real RoomManager/Room and stores, faults and restarts chosen by one PRNG per seed.
// Every run: 50 fresh seeds (base from the clock, or FUZZ_SEED to replay one) plus every seed
// that ever failed, pinned below by name. `npm run fuzz` runs 10,000.
import { describe, expect, it } from 'vitest';
import { runFuzzSeed, type FuzzStats } from './fuzz/syncFuzz';

/** Seeds that once failed, with what they caught; they run in every CI run. */
const PINNED_SEEDS: Array<{ seed: number; caught: string }> = [];

const FRESH_SEEDS = 50;
const replay = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : null;
const base = replay ?? Date.now() % 1_000_000_007;
const fresh = replay !== null ? [replay] : Array.from({ length: FRESH_SEEDS }, (_, i) => base + i);
console.log(
  `sync fuzz: seeds ${fresh[0]}…${fresh[fresh.length - 1]} (replay one: FUZZ_SEED=<seed> npx vitest run sync-server/sync/syncFuzz.test.ts)`,
);

const totals: Partial<Record<keyof FuzzStats, number>> = {};

async function runSeed(seed: number): Promise<void> {
  try {
    const stats = await runFuzzSeed(seed);
    for (const [key, value] of Object.entries(stats)) {
      totals[key as keyof FuzzStats] = (totals[key as keyof FuzzStats] ?? 0) + Number(value);
    }
  } catch (error) {
    console.error(
      `FAILED fuzz seed ${seed} — replay: FUZZ_SEED=${seed} npx vitest run sync-server/sync/syncFuzz.test.ts`,
    );
    throw error;
  }
}

describe('sync fuzz', () => {
  for (const { seed, caught } of PINNED_SEEDS) {
    it(`pinned seed ${seed} (${caught})`, () => runSeed(seed));
  }
  for (const seed of fresh) {
    it(`seed ${seed}`, () => runSeed(seed));
  }
  it('replays a seed exactly (same steps, faults and acks)', async () => {
    const first = await runFuzzSeed(fresh[0]!);
    expect(await runFuzzSeed(fresh[0]!)).toEqual(first);
  });
  it.runIf(replay === null)('exercised edits, acks, write failures, unloads, crashes and restarts', () => {
    expect(totals.edits).toBeGreaterThan(0);
    expect(totals.acks).toBeGreaterThan(0);
    expect(totals.writeFailures).toBeGreaterThan(0);
    expect(totals.unloads).toBeGreaterThan(0);
    expect(totals.crashes).toBeGreaterThan(0);
    expect(totals.restarts).toBeGreaterThan(0);
    expect(totals.drops).toBeGreaterThan(0);
  });
});
