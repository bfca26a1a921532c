import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime } from './formatDate';

describe('formatDate (the editor’s dates)', () => {
  it('[DATE-4] says « 1er » for the first day of a month, in the local time zone', () => {
    expect(formatDate(new Date(2026, 6, 1, 10, 0).getTime())).toBe('1er juillet 2026');
    expect(formatDateTime(new Date(2026, 6, 1, 14, 5).getTime())).toBe('1er juillet 2026 à 14:05');
  });

  it('[DATE-5] other days stay plain numbers', () => {
    expect(formatDate(new Date(2026, 10, 22, 10, 0).getTime())).toBe('22 novembre 2026');
    expect(formatDateTime(new Date(2026, 10, 11, 9, 30).getTime())).toBe('11 novembre 2026 à 09:30');
  });
});
