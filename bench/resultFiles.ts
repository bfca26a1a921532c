/**
 * Bench results as JSON, one file per step in bench/results/ (committed: a regression shows in
 * the diff). Keys are written in a fixed order; each file says when, on what machine, under what
 * load and by which command it was measured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the step started: > 0.5 per CPU means others were working. */
  loadAverage: number;
}

export function machine(): Machine {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

/** The command that reproduces a step: `BENCH_ONLY=…` and the variables given, BENCH_RUNS if set. */
export function command(only: string, variables: Record<string, string> = {}): string {
  const runs = process.env.BENCH_RUNS ? `BENCH_RUNS=${process.env.BENCH_RUNS} ` : '';
  const more = Object.entries(variables).map(([name, value]) => `${name}=${value} `);
  return `${runs}BENCH_ONLY=${only} ${more.join('')}npm run bench`;
}

/** Writes bench/results/<step>.json (formatted as the repository's other files) and returns its path. */
export async function writeResult(
  step: string,
  load: Machine,
  body: Record<string, unknown>,
  reproduce: string = command(step),
): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${step}.json`);
  const document = {
    step,
    date: new Date().toISOString(),
    command: reproduce,
    machine: load,
    ...body,
  };
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(JSON.stringify(document), { ...options, filepath: file }));
  return file;
}
