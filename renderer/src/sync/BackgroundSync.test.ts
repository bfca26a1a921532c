import { describe, expect, it } from 'vitest';
import { availableText, backgroundText } from '../ui/BackgroundSyncStatus';
import { roomsToSync, withUnsentRooms } from './BackgroundSync';

describe('roomsToSync', () => {
  it('picks new, changed and dirty rooms, never the ones open in the editor', () => {
    const memory = new Map([
      ['c/page/a', 3],
      ['c/page/b', 5],
      ['c/page/d', 1],
    ]);
    const rooms = roomsToSync(
      ['c/page/a', 'c/page/b', 'c/page/c', 'c/page/d', 'c/page/e'],
      [
        { room: 'c/page/a', seq: 3 },
        { room: 'c/page/b', seq: 6 },
        { room: 'c/page/c', seq: 1 },
        { room: 'c/page/d', seq: 1 },
      ],
      { get: (r) => memory.get(r) },
      new Set(['c/page/d']),
      new Set(['c/page/c']),
    );
    // a: unchanged; b: changed; c: open; d: dirty; e: not on the server yet (created offline).
    expect(rooms.map((r) => r.room)).toEqual(['c/page/b', 'c/page/d', 'c/page/e']);
  });
});

describe('background progress, as the agent reads it', () => {
  it('counts the pages available offline out of the whole site', () => {
    expect(backgroundText({ kind: 'running', done: 2, total: 290, available: 12, pages: 300 })).toBe(
      'Copie du site sur cet ordinateur : 12 pages sur 300 disponibles hors ligne…',
    );
    expect(availableText(1, 40)).toBe('1 page sur 40 disponible hors ligne');
    expect(availableText(0, 40)).toBe('0 page sur 40 disponible hors ligne');
    expect(backgroundText({ kind: 'done', total: 10, failed: 2, at: 0, available: 298, pages: 300 })).toBe(
      'Copie du site : 298 pages sur 300 disponibles hors ligne ; 2 pages à réessayer (nouvelle tentative dans une minute).',
    );
  });
});

describe('withUnsentRooms', () => {
  it('adds the commune’s deleted pages left with unsent edits, so they are still sent', () => {
    const unsent = new Set(['13001/page/b', '13001/page/gone', '13001/site', '13002/page/other']);
    expect(withUnsentRooms(['13001/page/a', '13001/page/b'], unsent, '13001')).toEqual([
      '13001/page/a',
      '13001/page/b',
      '13001/page/gone',
    ]);
  });
});
