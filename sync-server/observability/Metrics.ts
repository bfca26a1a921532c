/**
 * The server's metrics, exposed at /metrics in the Prometheus text format (version 0.0.4):
 * counters, gauges read at scrape time, and histograms with fixed buckets. No dependency.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

interface Counter {
  help: string;
  values: Map<string, { labels: Labels; value: number }>;
}

interface Histogram {
  help: string;
  buckets: number[];
  counts: number[];
  sum: number;
  count: number;
}

export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();
  private readonly histograms = new Map<string, Histogram>();
  /** Timestamps of recent updates, for the updates/s gauge (one-minute window). */
  private readonly recentUpdates: number[] = [];
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.counter('usine_sync_updates_total', 'Document updates received from clients and applied.');
    this.counter('usine_errors_total', 'Errors, by kind.');
    this.counter('usine_refusals_total', 'Refused requests and connections, by code.');
    this.gauge(
      'usine_sync_updates_per_second',
      'Updates applied per second, averaged over the last minute.',
      () => this.updatesPerSecond(),
    );
    this.histogram('usine_persist_seconds', 'Time from an update batch to its durable commit.');
    this.histogram('usine_publish_seconds', 'Duration of site publications.');
  }

  counter(name: string, help: string): void {
    if (!this.counters.has(name)) this.counters.set(name, { help, values: new Map() });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const counter = this.counters.get(name);
    if (!counter) throw new Error(`unknown counter ${name}`);
    const key = labelText(labels);
    const entry = counter.values.get(key);
    if (entry) entry.value += by;
    else counter.values.set(key, { labels, value: by });
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  histogram(name: string, help: string, buckets = LATENCY_BUCKETS_SECONDS): void {
    if (this.histograms.has(name)) return;
    this.histograms.set(name, { help, buckets, counts: buckets.map(() => 0), sum: 0, count: 0 });
  }

  observe(name: string, seconds: number): void {
    const h = this.histograms.get(name);
    if (!h) throw new Error(`unknown histogram ${name}`);
    h.buckets.forEach((le, i) => {
      if (seconds <= le) h.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  /** One update applied (feeds the counter and the updates/s gauge). */
  updateApplied(): void {
    this.inc('usine_sync_updates_total');
    const now = this.now();
    this.recentUpdates.push(now);
    if (this.recentUpdates.length > 200_000) this.recentUpdates.splice(0, 100_000);
  }

  private updatesPerSecond(): number {
    const since = this.now() - 60_000;
    while (this.recentUpdates.length > 0 && this.recentUpdates[0]! < since) this.recentUpdates.shift();
    return this.recentUpdates.length / 60;
  }

  counterValue(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.values.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, counter] of this.counters) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      if (counter.values.size === 0) lines.push(`${name} 0`);
      for (const { labels, value } of counter.values.values())
        lines.push(`${name}${labelText(labels)} ${value}`);
    }
    for (const [name, gauge] of this.gauges) {
      lines.push(`# HELP ${name} ${gauge.help}`, `# TYPE ${name} gauge`, `${name} ${gauge.read()}`);
    }
    for (const [name, h] of this.histograms) {
      lines.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      h.buckets.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${h.counts[i]}`));
      lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
    }
    return lines.join('\n') + '\n';
  }
}
