// The SQLite writer thread: what one turn asks crosses in one message, each room's sequence
// numbers stay right, and everything is durable in the file when the promises resolve.
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../app/testHarness';
import { DATABASE_FILE, openDatabase } from './database';
import { SqliteWriter, WRITER_NICENESS, type SqliteWriterOptions } from './SqliteWriter';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const rowCount = (dir: string): number => {
  const db = openDatabase(dir);
  try {
    return (db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Each thread of this process and its nice value (/proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): Map<string, number> {
  const nice = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    nice.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nice;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function freshWriter(options?: SqliteWriterOptions): Promise<{ writer: SqliteWriter; dir: string }> {
  const data = await tempDataDir();
  openDatabase(data.dir).close(); // the schema
  const writer = new SqliteWriter(path.join(data.dir, DATABASE_FILE), options);
  cleanups.push(async () => {
    await writer.close();
    await data.remove();
  });
  return { writer, dir: data.dir };
}

describe('SqliteWriter', () => {
  it("[HOT-4] one turn's appends to 50 rooms cross to the thread in one message, each room's seq right", async () => {
    const { writer, dir } = await freshWriter();
    const rooms = Array.from({ length: 50 }, (_, i) => `13001/page/salle-${String(i).padStart(3, '0')}`);
    const first = await Promise.all(
      rooms.map((room) => writer.append(room, [new Uint8Array([1]), new Uint8Array([2])])),
    );
    expect(first).toEqual(rooms.map(() => 2));
    expect(writer.messagesPosted).toBe(1);
    // The next turn: a second message, sequences continue per room.
    const second = await Promise.all(rooms.map((room, i) => writer.append(room, [new Uint8Array([i])])));
    expect(second).toEqual(rooms.map(() => 3));
    expect(writer.messagesPosted).toBe(2);
    expect(rowCount(dir)).toBe(150);
  });

  it('[HOT-4] a close asked in the same turn as the first append still commits it', async () => {
    const { writer, dir } = await freshWriter();
    const appended = writer.append('13001/page/derniere-ligne', [new Uint8Array([7])]);
    await writer.close();
    expect(await appended).toBe(1);
    expect(rowCount(dir)).toBe(1);
  });

  it("[HOT-4] each update's bytes reach the file whole and in order, a compaction of the same turn included; the caller's buffers stay intact", async () => {
    const { writer, dir } = await freshWriter();
    const a = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const b = [new Uint8Array([4]), new Uint8Array([5, 6])];
    const seqs = await Promise.all([
      writer.append('13001/page/aaaaaaaa', a),
      writer.append('13001/page/bbbbbbbb', b),
      writer.replace('13001/page/bbbbbbbb', 2, new Uint8Array([4, 5, 6])),
      writer.append('13001/page/bbbbbbbb', [new Uint8Array([7])]),
    ]);
    expect(seqs).toEqual([3, 2, 2, 3]);
    // Kept by the room for a retry if the write fails: never detached by the transfer.
    expect(a[2]!.length).toBe(300);
    expect([...b[1]!]).toEqual([5, 6]);
    const db = openDatabase(dir);
    try {
      const rows = db.prepare('SELECT room, seq, data FROM doc_updates ORDER BY room, seq').all() as Array<{
        room: string;
        seq: number;
        data: Uint8Array;
      }>;
      expect(rows.map((r) => [r.room.slice(-8), r.seq, [...r.data]])).toEqual([
        ['aaaaaaaa', 1, [1, 2, 3]],
        ['aaaaaaaa', 2, []],
        ['aaaaaaaa', 3, Array(300).fill(9)],
        ['bbbbbbbb', 2, [4, 5, 6]],
        ['bbbbbbbb', 3, [7]],
      ]);
    } finally {
      db.close();
    }
  });

  it('[HOT-7] the first append after a quiet window goes at the end of its turn; those of the next turns wait for the window and go together', async () => {
    // A long window, so that the turns below all fall in it however slow the machine.
    const { writer, dir } = await freshWriter({ commitIntervalMs: 300 });
    const room = '13001/page/fenetre-commit';
    const first = writer.append(room, [new Uint8Array([1])]);
    await nextTurn();
    expect(writer.messagesPosted).toBe(1);
    const later: Array<Promise<number>> = [];
    for (let i = 2; i <= 6; i++) {
      later.push(writer.append(room, [new Uint8Array([i])]));
      await nextTurn();
    }
    // Five turns asked something; nothing more crossed during the window.
    expect(writer.messagesPosted).toBe(1);
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 3, 4, 5, 6]);
    expect(writer.messagesPosted).toBe(2);
    expect(rowCount(dir)).toBe(6);
  });

  it('[HOT-7] a close asked during a window commits what waits for it', async () => {
    const { writer, dir } = await freshWriter({ commitIntervalMs: 300 });
    await writer.append('13001/page/fenetre-close', [new Uint8Array([1])]);
    const waiting = writer.append('13001/page/fenetre-close', [new Uint8Array([2])]);
    const closing = writer.close();
    // Asked after the close, in the same window: refused at once, never left unanswered.
    await expect(writer.append('13001/page/fenetre-close', [new Uint8Array([3])])).rejects.toThrow(
      'SqliteWriter is closed',
    );
    await closing;
    expect(await waiting).toBe(2);
    expect(rowCount(dir)).toBe(2);
  });

  it("[HOT-9] the writer's page cache is bounded at 2 MiB, and two passes of 6 MB of appends over 1,500 rooms still all reach the file", async () => {
    const { writer, dir } = await freshWriter();
    expect(await writer.pageCacheBytes()).toBe(2 * 1024 * 1024);
    const rooms = Array.from({ length: 1500 }, (_, i) => `13001/page/cache-${String(i).padStart(4, '0')}`);
    const update = new Uint8Array(4096).fill(42);
    const seqs = await Promise.all(rooms.map((room) => writer.append(room, [update])));
    expect(seqs).toEqual(rooms.map(() => 1));
    // A second pass reaches every room's rows again, most of them evicted from the cache by now.
    expect(await Promise.all(rooms.map((room) => writer.append(room, [update])))).toEqual(rooms.map(() => 2));
    expect(rowCount(dir)).toBe(3000);
  });

  // Linux only: elsewhere a nice value is the whole process's, and the writer keeps the default.
  it.runIf(process.platform === 'linux')(
    '[HOT-10] the writer thread runs at a lower priority than the thread that relays the edits',
    async () => {
      const before = threadNiceValues();
      const callerNice = getPriority();
      const { writer } = await freshWriter();
      await writer.append('13001/page/priorite', [new Uint8Array([1])]);
      const started = [...threadNiceValues()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      // The writer thread (a process already nicer keeps its own value); the caller's is unchanged.
      expect(started).toContain(Math.max(WRITER_NICENESS, callerNice));
      expect(getPriority()).toBe(callerNice);
    },
  );
});
