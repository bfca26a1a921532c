// The date and time of a scheduled publication as the agent types them (date and time fields,
// the computer's local time), checked: both given, valid, and not in the past.
export type ScheduleTime = { ok: true; at: number } | { ok: false; message: string };

export const SCHEDULE_MESSAGES_FR = {
  missing: 'Indiquez la date et l’heure de la publication.',
  invalid: 'Date ou heure invalide : choisissez une date (JJ/MM/AAAA) et une heure (HH:MM).',
  past: 'Cette date est déjà passée : choisissez une date et une heure à venir.',
} as const;

/** `date` as `AAAA-MM-JJ` and `time` as `HH:MM` or `HH:MM:SS` (what the fields give). */
export function parseScheduleTime(date: string, time: string, now: number): ScheduleTime {
  if (date.trim() === '' || time.trim() === '') return { ok: false, message: SCHEDULE_MESSAGES_FR.missing };
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!d || !t) return { ok: false, message: SCHEDULE_MESSAGES_FR.invalid };
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  const at = new Date(year, month - 1, day, hour, minute, second);
  // new Date rolls 31 février over into March: refuse instead.
  if (
    at.getFullYear() !== year ||
    at.getMonth() !== month - 1 ||
    at.getDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return { ok: false, message: SCHEDULE_MESSAGES_FR.invalid };
  if (at.getTime() <= now) return { ok: false, message: SCHEDULE_MESSAGES_FR.past };
  return { ok: true, at: at.getTime() };
}
