/**
 * Coalesces what goes to one socket during one turn of the event loop into one write: a room
 * relaying a burst of 20 updates to a reader made 20 system calls when each frame was written at
 * once. The first send of a turn corks the TCP socket; one `setImmediate` for every socket
 * corked in that turn uncorks them once the poll phase — every message received in that turn —
 * is done, and Node writes each socket's queue in one `writev`.
 *
 * Nothing waits longer than the turn. A socket destroyed while corked (`terminate`) drops what
 * was corked, as it drops anything unwritten; the write callbacks of its messages run with
 * Node's ERR_STREAM_DESTROYED (the room's callbacks read no argument).
 */
import type { Duplex } from 'node:stream';
import { forgetLastFrame } from './websocket/frames';

export interface TurnWrites {
  /** Writes `frame` on `socket`, coalesced with the turn's other writes to it. */
  send(socket: Duplex, frame: Uint8Array, onWritten?: () => void): void;
  /** Uncorks every socket now (shutdown, tests). */
  flush(): void;
}

export function createTurnWrites(): TurnWrites {
  const corked: Duplex[] = [];
  let scheduled = false;
  const corkedThisTurn = new WeakSet<Duplex>();

  function flush(): void {
    scheduled = false;
    for (const socket of corked) {
      corkedThisTurn.delete(socket);
      socket.uncork();
    }
    corked.length = 0;
    forgetLastFrame();
  }

  function cork(socket: Duplex): void {
    if (socket.destroyed || corkedThisTurn.has(socket)) return;
    socket.cork();
    corkedThisTurn.add(socket);
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    send(socket, frame, onWritten) {
      cork(socket);
      socket.write(frame, onWritten);
    },
    flush,
  };
}
