/**
 * Repeatable groups of fields (élus, associations, opening hours, closures, cantine menus):
 * the item type and the conversion of the older « a ; b » textarea values, so sites written
 * before the structured lists keep working (converted on read; written back as lists on the
 * first edit). Pure: no I/O, no DOM.
 */

/** One entry of a list field: sub-field name → string value (like scalar fields). */
export type ListItem = Record<string, string>;

export const WEEKDAYS = [
  { value: 'lundi', label: 'Lundi' },
  { value: 'mardi', label: 'Mardi' },
  { value: 'mercredi', label: 'Mercredi' },
  { value: 'jeudi', label: 'Jeudi' },
  { value: 'vendredi', label: 'Vendredi' },
  { value: 'samedi', label: 'Samedi' },
  { value: 'dimanche', label: 'Dimanche' },
] as const;

export const MENU_LABELS = [
  { value: 'bio', label: 'Bio' },
  { value: 'fait-maison', label: 'Fait maison' },
  { value: 'local', label: 'Produit local' },
  { value: 'vegetarien', label: 'Végétarien' },
] as const;

/** Lines of an old textarea value, `;` splitting each into trimmed cells. */
function legacyLines(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(';').map((cell) => cell.trim()));
}

function weekday(text: string): string {
  const word = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
  return WEEKDAYS.find((d) => d.value === word)?.value ?? '';
}

/** « Sophie Martin ; maire » per line. */
export function legacyMembers(text: string): ListItem[] {
  return legacyLines(text).map(([name = '', role = '', ...rest]) => ({
    name,
    role,
    delegation: rest.filter(Boolean).join(' ; '),
    photo: '',
  }));
}

/** « nom ; activité ; contact… » per line; each contact goes where it belongs. */
export function legacyAssociations(text: string): ListItem[] {
  return legacyLines(text).map(([name = '', description = '', ...contacts]) => {
    const item: ListItem = { name, description, email: '', phone: '', website: '' };
    const other: string[] = [];
    for (const c of contacts.filter(Boolean)) {
      if (!item.email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c)) item.email = c;
      else if (!item.website && /^https?:\/\/\S+$/.test(c)) item.website = c;
      else if (!item.phone && /^\+?[\d .-]{8,}$/.test(c)) item.phone = c;
      else other.push(c);
    }
    if (other.length) item.description = [item.description, ...other].filter(Boolean).join(' – ');
    return item;
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** « 8 h 30 – 12 h », « 14h-17h30 » → [['08:30', '12:00'], …]. */
function timeRanges(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /(\d{1,2})\s*[h:]\s*(\d{2})?\s*(?:–|-|à)\s*(\d{1,2})\s*[h:]\s*(\d{2})?/g;
  for (const m of text.matchAll(re)) {
    const [h1, m1, h2, m2] = [+m[1]!, +(m[2] ?? 0), +m[3]!, +(m[4] ?? 0)];
    if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) continue;
    out.push([`${pad(h1)}:${pad(m1)}`, `${pad(h2)}:${pad(m2)}`]);
  }
  return out;
}

/**
 * « lundi ; 8 h 30 – 12 h » per line. What cannot be read as a weekday and up to two time
 * ranges is kept word for word in the item's remark: nothing is lost.
 */
export function legacyHours(text: string): ListItem[] {
  return legacyLines(text).map(([day = '', ...rest]) => {
    const value = weekday(day);
    const times = rest.join(' ; ');
    const ranges = timeRanges(times).slice(0, 2);
    const rangeText = times.replace(/[\d\sh:–\-à,;et]/g, '');
    return {
      day: value,
      opens: ranges[0]?.[0] ?? '',
      closes: ranges[0]?.[1] ?? '',
      reopens: ranges[1]?.[0] ?? '',
      recloses: ranges[1]?.[1] ?? '',
      note:
        value && ranges.length && rangeText === ''
          ? ''
          : [value ? '' : day, times].filter(Boolean).join(' ; '),
    };
  });
}

/** `YYYY-MM-DD` + n days (UTC calendar), or '' when `date` is not a date. */
export function addDays(date: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return '';
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]! + days));
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 10) : '';
}

/**
 * « lundi ; carottes râpées, poisson, yaourt » per line, in the week of `weekOf`: the date
 * comes from the weekday, the dishes from the commas (first = entrée, last = dessert).
 */
export function legacyMenu(text: string, weekOf: string): ListItem[] {
  return legacyLines(text).map(([day = '', ...rest]) => {
    const index = WEEKDAYS.findIndex((d) => d.value === weekday(day));
    const dishes = rest
      .join(', ')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const date = index >= 0 ? addDays(weekOf, index) : '';
    const item: ListItem = {
      date,
      starter: '',
      main: '',
      side: '',
      dairy: '',
      dessert: '',
      labels: '',
      allergens: '',
    };
    if (dishes.length >= 3) {
      item.starter = dishes[0]!;
      item.main = dishes.slice(1, -1).join(', ');
      item.dessert = dishes[dishes.length - 1]!;
    } else if (dishes.length === 2) {
      item.main = dishes[0]!;
      item.dessert = dishes[1]!;
    } else item.main = dishes[0] ?? '';
    // A day name that is not a weekday of that week stays visible with the dishes.
    if (!date && day) item.main = [day, item.main].filter(Boolean).join(' : ');
    return item;
  });
}
