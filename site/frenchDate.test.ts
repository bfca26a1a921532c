import { describe, expect, it } from 'vitest';
import { frenchDateFormat } from './frenchDate';

const utc = (y: number, m: number, d: number, h = 12, min = 0) => Date.UTC(y, m - 1, d, h, min);

describe('frenchDateFormat', () => {
  const long = frenchDateFormat({ dateStyle: 'long', timeZone: 'UTC' });
  const full = frenchDateFormat({ dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' });

  it('[DATE-1] writes « 1er » on the first day of a month', () => {
    expect(long.format(utc(2026, 7, 1))).toBe('1er juillet 2026');
    expect(full.format(utc(2026, 7, 1, 14, 5))).toBe('mercredi 1er juillet 2026 à 14:05');
  });

  it('[DATE-2] leaves every other day as a plain number (10, 11, 21, 31 included)', () => {
    expect(long.format(utc(2026, 7, 2))).toBe('2 juillet 2026');
    for (const day of [10, 11, 21, 31]) expect(long.format(utc(2026, 7, day))).toBe(`${day} juillet 2026`);
  });

  it('[DATE-3] a two-digit day format also says « 1er »', () => {
    const padded = frenchDateFormat({ day: '2-digit', month: 'long', timeZone: 'UTC' });
    expect(padded.format(utc(2026, 1, 1))).toBe('1er janvier');
    expect(padded.format(utc(2026, 1, 9))).toBe('09 janvier');
  });
});

describe('published dates', () => {
  it('[DATE-6] a page’s date field is published as « 1er juillet 2026 »', async () => {
    const { timeHtml } = await import('./siteContext');
    expect(timeHtml('2026-07-01')).toBe('<time datetime="2026-07-01">1er juillet 2026</time>');
    expect(timeHtml('2026-07-01T09:30')).toContain('>mercredi 1er juillet 2026 à 09:30</time>');
  });
});
