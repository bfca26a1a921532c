/**
 * Writes frames to sockets, coalescing what goes to one socket in one turn of the event loop: a
 * room relaying a burst of 20 updates to a reader made 20 system calls when each frame was
 * written at once ([HOT-1]).
 *
 * The first frame of a turn to a socket is written at once; a second one in the same turn corks
 * the socket, and what follows goes with it in one `writev` when the turn's `setImmediate`
 * uncorks it, once the poll phase — every message received in that turn — is done. Corking
 * from the first frame held every relay of a turn until the turn's last message was read and
 * checked: after a pause of the loop (a GC, the kernel running another process) a dozen
 * messages wait, and the first one's relay waited for the eleven others ([HOT-11]).
 *
 * Nothing waits longer than the turn. A socket destroyed while corked (`terminate`) drops what
 * was corked, as it drops anything unwritten; the write callbacks of its messages run with
 * Node's ERR_STREAM_DESTROYED (the room's callbacks read no argument).
 */
import type { Duplex } from 'node:stream';
import { forgetLastFrame } from './websocket/frames';

export interface TurnWrites {
  /** Writes `frame` on `socket`, coalesced with the turn's later writes to it. */
  send(socket: Duplex, frame: Uint8Array, onWritten?: () => void): void;
  /** Uncorks every socket now (shutdown, tests). */
  flush(): void;
}

export function createTurnWrites(): TurnWrites {
  const corked: Duplex[] = [];
  const corkedThisTurn = new WeakSet<Duplex>();
  /** The sockets written to in this turn (the first frame went at once). */
  let writtenThisTurn = new WeakSet<Duplex>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    writtenThisTurn = new WeakSet();
    for (const socket of corked) {
      corkedThisTurn.delete(socket);
      socket.uncork();
    }
    corked.length = 0;
    forgetLastFrame();
  }

  /** Corks `socket` for the rest of the turn unless this is its first frame of the turn. */
  function coalesce(socket: Duplex): void {
    if (socket.destroyed || corkedThisTurn.has(socket)) return;
    if (!writtenThisTurn.has(socket)) {
      writtenThisTurn.add(socket);
    } else {
      socket.cork();
      corkedThisTurn.add(socket);
      corked.push(socket);
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    send(socket, frame, onWritten) {
      coalesce(socket);
      socket.write(frame, onWritten);
    },
    flush,
  };
}
