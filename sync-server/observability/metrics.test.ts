import { describe, expect, it } from 'vitest';
import { Metrics } from './Metrics';

function gauge(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)![1]);
}

describe('Metrics: updates applied', () => {
  it('the updates/s gauge is the mean of the last minute, at a rate of thousands per second', () => {
    let now = Date.UTC(2026, 11, 5, 9, 0, 0);
    const metrics = new Metrics(() => now);
    // 30 s at 1,000 updates/s, then 70 s at 5,000/s (300,000 in the last minute).
    for (let second = 0; second < 100; second++) {
      const rate = second < 30 ? 1_000 : 5_000;
      for (let ms = 0; ms < 1000; ms++, now++) for (let i = 0; i < rate / 1000; i++) metrics.updateApplied();
    }
    const text = metrics.render();
    expect(gauge(text, 'usine_sync_updates_total')).toBe(30 * 1_000 + 70 * 5_000);
    expect(gauge(text, 'usine_sync_updates_per_second')).toBe(5_000);
  });

  it('says 0 once nothing was applied for a minute', () => {
    let now = Date.UTC(2026, 11, 5, 9, 0, 0);
    const metrics = new Metrics(() => now);
    for (let i = 0; i < 100; i++) metrics.updateApplied();
    now += 61_000;
    expect(gauge(metrics.render(), 'usine_sync_updates_per_second')).toBe(0);
    expect(gauge(metrics.render(), 'usine_sync_updates_total')).toBe(100);
  });
});
