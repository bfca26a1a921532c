// The stored strings of dates and times read by the French fields and written back unchanged.
import { CalendarDate, CalendarDateTime, Time } from '@internationalized/date';
import { describe, expect, it } from 'vitest';
import { DATE, DATETIME, TIME } from '../../../../site/pageTypes';
import {
  readStored,
  readStoredDate,
  readStoredDateTime,
  readStoredTime,
  storedAfterChange,
  toStored,
} from './dateValues';

describe('readStored*', () => {
  it('reads well-formed stored values', () => {
    expect(readStoredDate('2026-07-01')).toEqual({ state: 'ok', value: new CalendarDate(2026, 7, 1) });
    expect(readStoredDateTime('2026-07-14T21:30')).toEqual({
      state: 'ok',
      value: new CalendarDateTime(2026, 7, 14, 21, 30),
    });
    expect(readStoredTime('08:30')).toEqual({ state: 'ok', value: new Time(8, 30) });
    expect(readStoredTime('00:00')).toEqual({ state: 'ok', value: new Time(0, 0) });
    expect(readStoredTime('14:00:05', true)).toEqual({ state: 'ok', value: new Time(14, 0, 5) });
    expect(readStoredTime('14:00', true)).toEqual({ state: 'ok', value: new Time(14, 0) });
  });

  it('treats an empty or blank value as empty', () => {
    for (const kind of ['date', 'datetime', 'time', 'time-seconds'] as const) {
      expect(readStored(kind, '')).toEqual({ state: 'empty' });
      expect(readStored(kind, '   ')).toEqual({ state: 'empty' });
    }
  });

  it('keeps a malformed value as it is, never as another date', () => {
    const malformed: Array<[Parameters<typeof readStored>[0], string]> = [
      ['date', '2026-02-31'],
      ['date', '2026-13-45<script>'],
      ['date', '01/07/2026'],
      ['date', '0000-01-01'],
      ['date', '2026-7-1'],
      ['datetime', '2026-01-01T25:99"><b>'],
      ['datetime', '2026-01-01'],
      ['datetime', '2026-01-01T10:00:00'],
      ['datetime', '2026-02-30T10:00'],
      ['time', '8h"><script>'],
      ['time', '24:00'],
      ['time', '8:30'],
      ['time', '08:30:00'],
      ['time-seconds', '12:60:00'],
      ['time-seconds', '12:00:61'],
    ];
    for (const [kind, raw] of malformed)
      expect(readStored(kind, raw), `${kind} ${raw}`).toEqual({ state: 'malformed', raw });
  });
});

describe('toStored', () => {
  it('writes the exact formats the site and the shared schema expect', () => {
    expect(toStored('date', new CalendarDate(2026, 7, 1))).toBe('2026-07-01');
    expect(toStored('datetime', new CalendarDateTime(2026, 7, 14, 9, 5))).toBe('2026-07-14T09:05');
    expect(toStored('time', new Time(8, 30))).toBe('08:30');
    expect(toStored('time-seconds', new Time(8, 30, 7))).toBe('08:30:07');
    expect(DATE.test(toStored('date', new CalendarDate(987, 1, 2)))).toBe(true);
    expect(DATETIME.test(toStored('datetime', new CalendarDateTime(2026, 12, 31, 23, 59)))).toBe(true);
    expect(TIME.test(toStored('time', new Time(23, 59)))).toBe(true);
  });

  it('writes an emptied field as an empty string', () => {
    for (const kind of ['date', 'datetime', 'time', 'time-seconds'] as const)
      expect(toStored(kind, null)).toBe('');
  });

  it('drops the seconds a date-time field never shows', () => {
    expect(toStored('datetime', new CalendarDateTime(2026, 1, 2, 3, 4, 59))).toBe('2026-01-02T03:04');
    expect(toStored('time', new Time(3, 4, 59))).toBe('03:04');
  });

  it('round-trips every well-formed value unchanged', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`dateValues round-trip seed ${seed}`);
    let state = seed;
    const next = (n: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 500; i += 1) {
      const date = `${1900 + next(200)}-${two(1 + next(12))}-${two(1 + next(28))}`;
      const time = `${two(next(24))}:${two(next(60))}`;
      for (const [kind, raw] of [
        ['date', date],
        ['datetime', `${date}T${time}`],
        ['time', time],
        ['time-seconds', `${time}:${two(next(60))}`],
      ] as const) {
        const read = readStored(kind, raw);
        expect(read.state).toBe('ok');
        if (read.state === 'ok') expect(toStored(kind, read.value)).toBe(raw);
      }
    }
  });
});

describe('storedAfterChange', () => {
  it('writes a typed or picked value, and an emptied field as empty', () => {
    expect(storedAfterChange('date', '', new CalendarDate(2026, 7, 1))).toBe('2026-07-01');
    expect(storedAfterChange('time', '08:30', new Time(9, 0))).toBe('09:00');
    expect(storedAfterChange('date', '2026-07-01', null)).toBe('');
  });

  it('writes nothing when the value does not change', () => {
    expect(storedAfterChange('date', '2026-07-01', new CalendarDate(2026, 7, 1))).toBeUndefined();
    expect(storedAfterChange('time', '', null)).toBeUndefined();
  });

  it('never erases a malformed stored value by emptying the field, but replaces it by a new one', () => {
    expect(storedAfterChange('time', '8h"><script>', null)).toBeUndefined();
    expect(storedAfterChange('date', '2026-02-31', null)).toBeUndefined();
    expect(storedAfterChange('datetime', '2026-01-01T25:99', null)).toBeUndefined();
    expect(storedAfterChange('time', '8h', new Time(8, 0))).toBe('08:00');
  });
});
