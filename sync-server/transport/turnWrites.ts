/**
 * Coalesces what goes to one socket during one turn of the event loop into one write. `ws`
 * writes each message at once (a `writev` of its header and payload): a room relaying a burst
 * of 20 updates to a reader made 20 system calls. The first send of a turn corks the TCP
 * socket (`ws`'s maintainers' advice: `websocket._socket.cork()`, websockets/ws#1999); one
 * `setImmediate` for every socket corked in that turn uncorks them once the poll phase — every
 * message received in that turn — is done, and Node writes each socket's queue in one `writev`.
 *
 * Nothing waits longer than the turn. A socket destroyed while corked (`terminate`) drops what
 * was corked, as it drops anything unwritten; the write callbacks of its messages never run.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The TCP socket under a `ws` connection (not in its types; stable since ws 1). */
function tcpSocketOf(ws: WebSocket): Duplex | undefined {
  return (ws as unknown as { _socket?: Duplex })._socket;
}

export interface TurnWrites {
  /** Sends `data` on `ws`, coalesced with the turn's other sends to it. */
  send(ws: WebSocket, data: Uint8Array, onWritten?: () => void): void;
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
  }

  function cork(ws: WebSocket): void {
    const socket = tcpSocketOf(ws);
    if (!socket || socket.destroyed || corkedThisTurn.has(socket)) return;
    socket.cork();
    corkedThisTurn.add(socket);
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    send(ws, data, onWritten) {
      cork(ws);
      ws.send(data, onWritten && (() => onWritten()));
    },
    flush,
  };
}
