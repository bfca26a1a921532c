// Stored date and time strings ↔ the values of React Aria's date and time fields. The stored
// formats never change (site/pageTypes: `AAAA-MM-JJ`, `AAAA-MM-JJTHH:MM`, `HH:MM`; a scheduled
// publication's time also `HH:MM:SS`): the fields only show and edit them in French.
import { CalendarDate, CalendarDateTime, Time, type ZonedDateTime } from '@internationalized/date';

export type DateKind = 'date' | 'datetime' | 'time' | 'time-seconds';
export type FieldValue = CalendarDate | CalendarDateTime | Time;
/** What the fields hand back (a zoned value never comes from them, but is typed as possible). */
export type FieldOutput = FieldValue | ZonedDateTime;

/** A stored string as a field reads it: nothing yet, a value, or something it cannot show. */
export type Stored<T> = { state: 'empty' } | { state: 'ok'; value: T } | { state: 'malformed'; raw: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;
const TIME_SECONDS = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

const two = (n: number) => String(n).padStart(2, '0');
const four = (n: number) => String(n).padStart(4, '0');

/** A calendar date only if it exists (React Aria would roll 31 février over into 28 février). */
function calendarDate(year: number, month: number, day: number): CalendarDate | undefined {
  if (year < 1) return undefined;
  const date = new CalendarDate(year, month, day);
  return date.year === year && date.month === month && date.day === day ? date : undefined;
}

function clock(hour: number, minute: number, second = 0): Time | undefined {
  return hour <= 23 && minute <= 59 && second <= 59 ? new Time(hour, minute, second) : undefined;
}

function read<T>(raw: string, parse: (raw: string) => T | undefined): Stored<T> {
  if (raw.trim() === '') return { state: 'empty' };
  const value = parse(raw.trim());
  return value === undefined ? { state: 'malformed', raw } : { state: 'ok', value };
}

export function readStoredDate(raw: string): Stored<CalendarDate> {
  return read(raw, (s) => {
    const m = DATE.exec(s);
    return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
  });
}

export function readStoredDateTime(raw: string): Stored<CalendarDateTime> {
  return read(raw, (s) => {
    const m = DATETIME.exec(s);
    if (!m) return undefined;
    const day = calendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
    const time = clock(Number(m[4]), Number(m[5]));
    return day && time
      ? new CalendarDateTime(day.year, day.month, day.day, time.hour, time.minute)
      : undefined;
  });
}

export function readStoredTime(raw: string, withSeconds = false): Stored<Time> {
  return read(raw, (s) => {
    const m = (withSeconds ? TIME_SECONDS : TIME).exec(s);
    return m ? clock(Number(m[1]), Number(m[2]), Number(m[3] ?? 0)) : undefined;
  });
}

/** The stored string of `kind` read as its field's value. */
export function readStored(kind: DateKind, raw: string): Stored<FieldValue> {
  switch (kind) {
    case 'date':
      return readStoredDate(raw);
    case 'datetime':
      return readStoredDateTime(raw);
    case 'time':
      return readStoredTime(raw);
    case 'time-seconds':
      return readStoredTime(raw, true);
  }
}

/** A field's value as the string stored for `kind` (empty when the field was emptied). */
export function toStored(kind: DateKind, value: FieldOutput | null): string {
  if (value === null) return '';
  if (kind === 'time' || kind === 'time-seconds') {
    if (!('hour' in value)) return '';
    const hm = `${two(value.hour)}:${two(value.minute)}`;
    return kind === 'time' ? hm : `${hm}:${two(value.second)}`;
  }
  if (!('year' in value)) return '';
  const day = `${four(value.year)}-${two(value.month)}-${two(value.day)}`;
  if (kind === 'date') return day;
  const time = 'hour' in value ? value : { hour: 0, minute: 0 };
  return `${day}T${two(time.hour)}:${two(time.minute)}`;
}

/**
 * What a field's change writes: the new stored string, or `undefined` to write nothing — when it
 * would not change the value, or when the field was emptied while holding a value it could not
 * read (that value is kept until the agent types or picks a new one).
 */
export function storedAfterChange(
  kind: DateKind,
  stored: string,
  next: FieldOutput | null,
): string | undefined {
  if (next === null && readStored(kind, stored).state === 'malformed') return undefined;
  const written = toStored(kind, next);
  return written === stored ? undefined : written;
}
