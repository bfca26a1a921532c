// « Copier sur les autres jours »: one day's opening hours written on the chosen days — the
// existing entries of those days are updated, the missing days added in week order.
import { type ListItem, WEEKDAYS } from '../../../../site/pageTypes';
import type { ListEdit } from '../../../../site/siteDoc';

/** What is copied: the times and the remark of the day. */
export const COPIED_HOURS_FIELDS = ['opens', 'closes', 'reopens', 'recloses', 'note'] as const;

const rank = (day: string | undefined) => WEEKDAYS.findIndex((d) => d.value === day);

/**
 * The list edits copying entry `from` onto `days` (weekday values). Applied in order, each
 * index is right for the list as the previous edits left it.
 */
export function copyHoursEdits(
  items: readonly ListItem[],
  from: number,
  days: readonly string[],
): ListEdit[] {
  const source = items[from];
  if (!source) return [];
  const edits: ListEdit[] = [];
  const copied = Object.fromEntries(COPIED_HOURS_FIELDS.map((f) => [f, source[f] ?? '']));
  const current = items.map((item) => item.day ?? '');
  const wanted = WEEKDAYS.map((d) => d.value).filter((d) => days.includes(d) && d !== source.day);
  for (const day of wanted) {
    const index = current.indexOf(day);
    if (index >= 0) {
      for (const field of COPIED_HOURS_FIELDS)
        if ((items[index]?.[field] ?? '') !== copied[field])
          edits.push({ op: 'set', index, field, value: copied[field]! });
      continue;
    }
    // After the last entry of an earlier day of the week (or first).
    let at = 0;
    current.forEach((d, i) => {
      if (rank(d) >= 0 && rank(d) < rank(day)) at = i + 1;
    });
    edits.push({ op: 'insert', index: at, item: { day, ...copied } });
    current.splice(at, 0, day);
  }
  return edits;
}

/** The days offered by default: the other weekdays, Monday to Friday. */
export function defaultCopyDays(sourceDay: string | undefined): string[] {
  return WEEKDAYS.slice(0, 5)
    .map((d) => d.value)
    .filter((d) => d !== sourceDay);
}
