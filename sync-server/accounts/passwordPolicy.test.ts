// The password policy's dictionaries (~15 MB of heap) live only while passwords are checked: a
// server keeps none of it for its whole life after one account was created.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dictionariesLoaded, passwordProblem } from './passwordPolicy';

afterEach(() => {
  vi.useRealTimers();
});

describe('password policy memory', () => {
  it('lets the dictionaries go 10 s after the last check, and loads them again for the next', () => {
    vi.useFakeTimers();
    expect(passwordProblem('azertyazerty')).toMatch(/caractères répétés/);
    expect(dictionariesLoaded()).toBe(true);
    vi.advanceTimersByTime(9_000);
    expect(passwordProblem('Calanques-et-garrigue-2026')).toBeNull();
    vi.advanceTimersByTime(9_000);
    expect(dictionariesLoaded()).toBe(true);
    vi.advanceTimersByTime(1_500);
    expect(dictionariesLoaded()).toBe(false);
    // Same verdicts once loaded again.
    expect(passwordProblem('azertyazerty')).toMatch(/caractères répétés/);
    expect(passwordProblem('Calanques-et-garrigue-2026')).toBeNull();
  });
});
