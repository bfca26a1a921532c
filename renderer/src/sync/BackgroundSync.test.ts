import { describe, expect, it } from 'vitest';
import { roomsToSync } from './BackgroundSync';

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
