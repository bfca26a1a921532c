/**
 * French dates as people write them: « 1er juillet 2026 », never « 1 juillet 2026 ». Wraps an
 * `Intl.DateTimeFormat` in French and writes the ordinal « 1er » for the first day of a month
 * (the only day French writes as an ordinal). Shared by the published site and the editor.
 */
export interface FrenchDateFormat {
  format(date: Date | number): string;
}

/** A French formatter with `options`; its output says « 1er » on the first day of a month. */
export function frenchDateFormat(options: Intl.DateTimeFormatOptions): FrenchDateFormat {
  const inner = new Intl.DateTimeFormat('fr-FR', options);
  // formatToParts costs ~20 µs: a site's agenda and registre format the same dates at every
  // publication, so the texts are kept (bounded: forgotten all at once past the limit).
  const memo = new Map<number, string>();
  return {
    format(date) {
      const ms = typeof date === 'number' ? date : date.getTime();
      const known = memo.get(ms);
      if (known !== undefined) return known;
      const text = inner
        .formatToParts(ms)
        .map((part) => (part.type === 'day' && /^0?1$/.test(part.value) ? '1er' : part.value))
        .join('');
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(ms, text);
      return text;
    },
  };
}

const MEMO_LIMIT = 20_000;
