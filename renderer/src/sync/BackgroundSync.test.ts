import { describe, expect, it } from 'vitest';
import { availableText, backgroundText } from '../ui/BackgroundSyncStatus';
import type { RoomSeqInfo } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import type { LocalDocs } from '../store/LocalStore';
import {
  BACKGROUND_CONCURRENCY,
  BackgroundSync,
  type RoomHold,
  roomsToSync,
  type SeqMemory,
  withUnsentRooms,
} from './BackgroundSync';
import type { BatchOutcome } from './batchSync';

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

/** A background sync whose rooms are synced by the test, and whose server list it answers. */
function harness(
  unsentRooms: string[],
  serverAnswered = true,
  /** What the batches acknowledge (default: nothing, every room goes over its socket). */
  batchSaves: (rooms: readonly string[]) => string[] = () => [],
) {
  const seqs = new Map<string, number>();
  const dirty = new Set(unsentRooms);
  const memory: SeqMemory = {
    get: (room) => seqs.get(room),
    set: (room, seq) => seqs.set(room, seq),
    dirty: () => new Set(dirty),
    markDirty: (room, isDirty) => (isDirty ? dirty.add(room) : dirty.delete(room)),
  };
  let answer!: (docs: { docs: RoomSeqInfo[] }) => void;
  let fail!: (error: Error) => void;
  const listed = new Promise<{ docs: RoomSeqInfo[] }>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  let asked = 0;
  const auth = {
    current: { serverUrl: 'http://serveur.test' },
    withAccessToken: () => {
      asked += 1;
      return listed;
    },
  } as unknown as AuthSession;
  const started: string[] = [];
  const finishers = new Map<string, (outcome: 'saved' | 'failed') => void>();
  const batches: string[][] = [];
  class TestSync extends BackgroundSync {
    protected override syncBatch(rooms: readonly string[]): Promise<ReadonlyMap<string, BatchOutcome>> {
      batches.push([...rooms]);
      return Promise.resolve(new Map(batchSaves(rooms).map((room) => [room, 'saved' as const])));
    }
    protected override syncRoom(room: string): Promise<'saved' | 'failed' | 'skipped'> {
      started.push(room);
      return new Promise((resolve) => finishers.set(room, resolve));
    }
  }
  const background = new TestSync(
    {} as LocalDocs,
    auth,
    '13001',
    memory,
    () => new Set(),
    undefined,
    () => serverAnswered,
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { background, memory, seqs, started, batches, finishers, answer, fail, settle, asked: () => asked };
}

describe('BackgroundSync.run', () => {
  it('sends the pages left with unsent edits before the server has listed its documents', async () => {
    const h = harness(['13001/page/a', '13001/page/b']);
    const run = h.background.run(['a', 'b', 'c'], true);
    await h.settle();
    // The server has not answered GET docs yet: only the pages holding local work have started.
    expect(h.started).toEqual(['13001/page/a', '13001/page/b']);
    h.finishers.get('13001/page/a')!('saved');
    h.answer({
      docs: [
        { room: '13001/page/a', seq: 4 },
        { room: '13001/page/b', seq: 2 },
        { room: '13001/page/c', seq: 7 },
      ],
    });
    await h.settle();
    expect(h.started).toEqual(['13001/page/a', '13001/page/b', '13001/page/c']);
    h.finishers.get('13001/page/b')!('saved');
    h.finishers.get('13001/page/c')!('saved');
    await run;
    expect(h.background.getState()).toMatchObject({ kind: 'done', total: 3, failed: 0, available: 3 });
    // A seq is remembered only when it was read before the room's sync began (c): the others
    // are checked again at the next run rather than trusted with a seq that may cover more.
    expect([...h.seqs]).toEqual([['13001/page/c', 7]]);
    expect(h.memory.dirty().size).toBe(0);
  });

  it('says « tout le site » only once the page list comes from the synced manifest', async () => {
    const h = harness(['13001/page/a']);
    const run = h.background.run(['a'], false);
    await h.settle();
    h.answer({ docs: [{ room: '13001/page/a', seq: 1 }] });
    h.finishers.get('13001/page/a')!('saved');
    await run;
    expect(h.background.getState()).toMatchObject({ kind: 'running', done: 1, total: 1 });

    const confirmed = harness(['13001/page/a']);
    const second = confirmed.background.run(['a'], false);
    await confirmed.settle();
    // The manifest syncs with the same page list while the run goes on: no second run.
    void confirmed.background.run(['a'], true);
    confirmed.answer({ docs: [{ room: '13001/page/a', seq: 1 }] });
    confirmed.finishers.get('13001/page/a')!('saved');
    await second;
    expect(confirmed.started).toEqual(['13001/page/a']);
    expect(confirmed.background.getState()).toMatchObject({ kind: 'done', total: 1 });
  });

  it('stops starting rooms when the server does not answer, and says so', async () => {
    const h = harness([
      '13001/page/a',
      '13001/page/b',
      ...'cdefghij'.split('').map((x) => `13001/page/${x}`),
    ]);
    const ids = 'abcdefghij'.split('');
    const run = h.background.run(ids, true);
    await h.settle();
    expect(h.started).toHaveLength(BACKGROUND_CONCURRENCY);
    h.fail(new Error('injoignable'));
    await h.settle();
    for (const finish of h.finishers.values()) finish('failed');
    await run;
    expect(h.started).toHaveLength(BACKGROUND_CONCURRENCY);
    expect(h.background.getState()).toEqual({ kind: 'unreachable' });
  });

  it('offline (no answer from the server yet), starts nothing before the list, and a later request is not lost', async () => {
    const h = harness(['13001/page/a'], false);
    const run = h.background.run(['a'], true);
    await h.settle();
    expect(h.started).toEqual([]);
    // The manifest connects meanwhile: its request waits for this run, then is made.
    void h.background.run(['a'], false);
    h.fail(new Error('injoignable'));
    await run;
    await h.settle();
    expect(h.started).toEqual([]);
    // The second run asks the server again (the same stand-in has failed): still nothing lost,
    // the page stays marked as waiting.
    expect(h.asked()).toBe(2);
    expect(h.memory.dirty()).toEqual(new Set(['13001/page/a']));
    expect(h.background.getState()).toEqual({ kind: 'unreachable' });
  });

  it('sends rooms by batches of one request; only those a batch did not acknowledge use their socket', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const rooms = ids.map((id) => `13001/page/${id}`);
    // The batch acknowledges every room but the 3rd and the 35th (left out, refused…).
    const h = harness(rooms, true, (batch) => batch.filter((r) => r !== rooms[2] && r !== rooms[34]));
    const run = h.background.run(ids, true);
    await h.settle();
    h.answer({ docs: rooms.map((room) => ({ room, seq: 1 })) });
    await h.settle();
    await h.settle();
    // 40 unsent rooms: a batch of 32 then one of 8, one after the other.
    expect(h.batches.map((b) => b.length)).toEqual([32, 8]);
    expect(h.started).toEqual([rooms[2], rooms[34]]);
    h.finishers.get(rooms[2]!)!('saved');
    h.finishers.get(rooms[34]!)!('failed');
    await run;
    expect(h.background.getState()).toMatchObject({ kind: 'done', total: 40, failed: 1, available: 39 });
    expect(h.memory.dirty()).toEqual(new Set([rooms[34]]));
  });
});

describe('BackgroundSync.reserve (the editor opens a page the background is syncing)', () => {
  it('never waits for the network: a socket sync that would hang gives the room up at once, and the room stays to be sent', async () => {
    const room = '13001/page/marche';
    const dirty = new Set([room]);
    const memory: SeqMemory = {
      get: () => undefined,
      set: () => undefined,
      dirty: () => new Set(dirty),
      markDirty: (r, isDirty) => (isDirty ? dirty.add(r) : dirty.delete(r)),
    };
    const auth = {
      current: { serverUrl: 'http://serveur.test' },
      withAccessToken: () => Promise.resolve({ docs: [{ room, seq: 3 }] }),
    } as unknown as AuthSession;
    let socketStarted!: () => void;
    const started = new Promise<void>((resolve) => (socketStarted = resolve));
    class HangingNetwork extends BackgroundSync {
      protected override syncBatch(): Promise<ReadonlyMap<string, BatchOutcome>> {
        return Promise.resolve(new Map()); // the batch acknowledged nothing: its socket, then
      }
      protected override syncOverSocket(_: string, hold: RoomHold): Promise<'saved' | 'failed' | 'skipped'> {
        socketStarted();
        // A network that silently drops packets: no answer, ever, unless the room is given up.
        return new Promise((resolve) => hold.onGiveUp(() => resolve('skipped')));
      }
    }
    const background = new HangingNetwork(
      {} as LocalDocs,
      auth,
      '13001',
      memory,
      () => new Set(),
      undefined,
      () => true,
    );
    const run = background.run(['marche'], true);
    await started;
    const reserved = await Promise.race([
      background.reserve(room).then(() => 'reserved'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000)),
    ]);
    expect(reserved).toBe('reserved');
    await run;
    // Neither sent nor failed: the editor's own room sends it; it is still counted unsent.
    expect(background.getState()).toMatchObject({ kind: 'done', failed: 0 });
    expect(dirty).toEqual(new Set([room]));
  });

  it('a room the editor took while its batch was under way is never marked sent: the edits typed since stay counted', async () => {
    const ids = ['horaires', 'marche'];
    const rooms = ids.map((id) => `13001/page/${id}`);
    // The batch acknowledges both rooms; meanwhile the agent opened « Marché » and typed.
    const h = harness(rooms, true, (batch) => {
      void h.background.reserve(rooms[1]!);
      return [...batch];
    });
    const run = h.background.run(ids, true);
    await h.settle();
    h.answer({ docs: rooms.map((room) => ({ room, seq: 1 })) });
    await run;
    expect(h.memory.dirty()).toEqual(new Set([rooms[1]]));
    expect(h.background.getState()).toMatchObject({ kind: 'done', failed: 0 });
  });
});
