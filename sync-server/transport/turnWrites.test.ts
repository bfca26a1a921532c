// [HOT-1] [HOT-11] What a turn sends one socket: the first frame leaves at once, the frames
// after it in the same turn leave together in one write at the end of the turn. A stream that
// records its writes (each call of _write or _writev is one write to the kernel for a socket).
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTurnWrites } from './turnWrites';

class RecordingSocket extends Duplex {
  writes: number[][] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.writes.push([chunk[0]!]);
    callback();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: () => void): void {
    this.writes.push(chunks.map((c) => c.chunk[0]!));
    callback();
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const frame = (n: number) => new Uint8Array([n]);

describe('turn writes', () => {
  it('[HOT-11] the first frame of a turn to a socket is written at once, not at the end of the turn', () => {
    const writes = createTurnWrites();
    const a = new RecordingSocket();
    const b = new RecordingSocket();
    writes.send(a, frame(1));
    writes.send(b, frame(2));
    // Before anything else of the turn runs: a relay read first is not held back by the reads after it.
    expect(a.writes).toEqual([[1]]);
    expect(b.writes).toEqual([[2]]);
    writes.flush();
  });

  it('[HOT-1] the frames after the first in one turn leave together in one write at its end', async () => {
    const writes = createTurnWrites();
    const socket = new RecordingSocket();
    for (let n = 1; n <= 5; n++) writes.send(socket, frame(n));
    expect(socket.writes).toEqual([[1]]);
    await nextTurn();
    expect(socket.writes).toEqual([[1], [2, 3, 4, 5]]);
    // The next turn starts afresh: its first frame leaves at once again.
    writes.send(socket, frame(6));
    expect(socket.writes).toEqual([[1], [2, 3, 4, 5], [6]]);
    await nextTurn();
    expect(socket.writes).toHaveLength(3);
  });
});
