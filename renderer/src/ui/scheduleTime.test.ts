// Date and time of a scheduled publication: given, valid, in the future; French messages.
import { describe, expect, it } from 'vitest';
import { parseScheduleTime, SCHEDULE_MESSAGES_FR } from './scheduleTime';

const NOW = new Date(2026, 10, 22, 14, 0, 0).getTime();

describe('parseScheduleTime', () => {
  it('reads the local date and time, seconds optional', () => {
    expect(parseScheduleTime('2026-11-22', '14:30', NOW)).toEqual({
      ok: true,
      at: new Date(2026, 10, 22, 14, 30).getTime(),
    });
    expect(parseScheduleTime('2026-11-22', '14:00:05', NOW)).toEqual({
      ok: true,
      at: NOW + 5_000,
    });
  });

  it('refuses a missing, invalid or past date with a French message', () => {
    expect(parseScheduleTime('', '14:30', NOW)).toEqual({ ok: false, message: SCHEDULE_MESSAGES_FR.missing });
    expect(parseScheduleTime('2026-11-22', ' ', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.missing,
    });
    expect(parseScheduleTime('2027-02-31', '10:00', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.invalid,
    });
    expect(parseScheduleTime('22/11/2026', '10:00', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.invalid,
    });
    expect(parseScheduleTime('2026-11-22', '25:00', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.invalid,
    });
    expect(parseScheduleTime('2026-11-22', '14:00', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.past,
    });
    expect(parseScheduleTime('2025-12-31', '23:59', NOW)).toEqual({
      ok: false,
      message: SCHEDULE_MESSAGES_FR.past,
    });
  });
});
