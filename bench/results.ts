/**
 * Bench results as JSON, one file per step in bench/results/ (committed: a regression shows in
 * the diff). Keys are written in a fixed order; each file says when, on what machine, under what
 * load and by which command it was measured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The command that reproduces this step. */
export function command(step: string): string {
  const runs = process.env.BENCH_RUNS ? `BENCH_RUNS=${process.env.BENCH_RUNS} ` : '';
  return `${runs}BENCH_ONLY=${step} npm run bench`;
}

/** Writes bench/results/<step>.json and returns its path. */
export function writeResult(step: string, load: Machine, body: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${step}.json`);
  const document = {
    step,
    date: new Date().toISOString(),
    command: command(step),
    machine: load,
    ...body,
  };
  fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
