import { describe, expect, it } from 'vitest';
import { createRecentErrors, MAX_ERROR_LENGTH, MAX_ERRORS } from './recentErrors';

describe('createRecentErrors', () => {
  it('keeps the last errors, dated, each cut to a bounded length', () => {
    const errors = createRecentErrors(() => new Date('2026-12-04T10:00:00.000Z'));
    for (let i = 0; i < MAX_ERRORS + 5; i += 1) errors.add(`erreur ${i}`);
    errors.add('x'.repeat(10_000));
    const list = errors.list();
    expect(list).toHaveLength(MAX_ERRORS);
    expect(list[0]).toBe('2026-12-04T10:00:00.000Z erreur 6');
    expect(list.at(-1)!.length).toBe('2026-12-04T10:00:00.000Z '.length + MAX_ERROR_LENGTH);
  });
});
