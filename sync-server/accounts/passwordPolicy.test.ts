// The password policy's dictionaries (~15 MB of heap) live only while passwords are checked: a
// server keeps none of it for its whole life after one account was created.
import { createRequire } from 'node:module';
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
    // Nothing of the packages stays in Node's module cache: each dictionary is a module holding
    // its decompressed words (~120,000 strings kept for the server's life otherwise).
    const cached = Object.keys(createRequire(import.meta.url).cache).filter((file) =>
      file.includes('@zxcvbn-ts'),
    );
    expect(cached).toEqual([]);
    // Same verdicts once loaded again.
    expect(passwordProblem('azertyazerty')).toMatch(/caractères répétés/);
    expect(passwordProblem('Calanques-et-garrigue-2026')).toBeNull();
  });
});
