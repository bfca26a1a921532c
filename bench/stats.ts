/**
 * Repeated measures: each figure is kept as its runs, reported as median and min–max. A ratio
 * is computed per pair of runs (run i of ours over run i of the reference, measured side by
 * side) and summarized the same way, so its spread shows how much the machine moved.
 */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` significant digits (the JSON stays readable and its diffs meaningful). */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

export function summarize(values: number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: round(median(finite)),
    min: round(finite.length ? Math.min(...finite) : NaN),
    max: round(finite.length ? Math.max(...finite) : NaN),
    runs: values.map((v) => round(v)),
  };
}

/** Ratio of paired runs a[i] / b[i]. */
export function pairedRatio(a: number[], b: number[]): Summary {
  return summarize(a.map((v, i) => v / (b[i] ?? NaN)));
}

/** « 12.3 (10.1–15.0) » with a unit and a number of decimals. */
export function formatSummary(s: Summary | undefined, unit = '', decimals = 1): string {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
  return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}
