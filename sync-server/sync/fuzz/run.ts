/**
 * `npm run fuzz`: runs many seeds of the sync fuzz and prints one summary line.
 *   npm run fuzz                       10,000 seeds from a base taken from the clock
 *   FUZZ_SEED=123 npm run fuzz         that seed only
 *   FUZZ_SEEDS=500 FUZZ_BASE=7 npm run fuzz
 */
import { FuzzFailure, runFuzzSeed, type FuzzStats } from './syncFuzz';

async function main(): Promise<void> {
  const only = process.env.FUZZ_SEED;
  const count = only ? 1 : Number(process.env.FUZZ_SEEDS ?? 10_000);
  const base = only ? Number(only) : Number(process.env.FUZZ_BASE ?? Date.now() % 1_000_000_007);
  console.log(`sync fuzz: ${count} seeds from ${base}`);
  const started = performance.now();
  const totals: Record<string, number> = {};
  const failed: number[] = [];
  for (let seed = base; seed < base + count; seed++) {
    try {
      const stats: FuzzStats = await runFuzzSeed(seed);
      for (const [key, value] of Object.entries(stats)) totals[key] = (totals[key] ?? 0) + Number(value);
    } catch (error) {
      failed.push(seed);
      console.error(error instanceof FuzzFailure ? error.message : error);
      console.error(
        `FAILED seed ${seed} — replay: FUZZ_SEED=${seed} npx vitest run sync-server/sync/syncFuzz.test.ts`,
      );
    }
    const done = seed - base + 1;
    if (done % 500 === 0 && done < count) {
      const elapsed = ((performance.now() - started) / 1000).toFixed(0);
      console.log(`sync fuzz: ${done} seeds, ${failed.length} failures, ${elapsed} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `sync fuzz: ${count} seeds, ${failed.length} failures, ${seconds.toFixed(1)} s` +
      ` (${totals.steps ?? 0} steps, ${totals.edits ?? 0} edits, ${totals.acks ?? 0} acks, ` +
      `${totals.writeFailures ?? 0} failed writes, ${totals.loadFailures ?? 0} failed loads, ` +
      `${totals.crashes ?? 0} crashes, ${totals.restarts ?? 0} restarts, ${totals.unloads ?? 0} unloads, ` +
      `${totals.drops ?? 0} drops, ${totals.sqlite ?? 0} seeds on SQLite)` +
      (failed.length ? ` — failing seeds: ${failed.join(', ')}` : ''),
  );
  process.exitCode = failed.length ? 1 : 0;
}

void main();
