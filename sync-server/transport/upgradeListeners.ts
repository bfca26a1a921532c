/**
 * The listeners the WebSocket upgrade leaves on a socket ([CONN-1]): module functions, or
 * closures over the socket and the room only, so that nothing of the upgrade handler's scope
 * (the HTTP request, its head buffer, the identity) outlives the upgrade — a closure defined in
 * the handler would keep all of it alive as long as the connection lives.
 */
import type { Duplex } from 'node:stream';
import type { Room } from '../sync/Room';

/** Destroys a socket that errs during the upgrade. */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * If the handshake fails, ws never calls back: gives the room's lease back when the socket dies
 * first. Returns `joined`, to call once ws has the socket: it removes this listener and
 * `destroyOnError` (ws handles the socket's errors from then on).
 */
export function leaseUntilJoined(socket: Duplex, room: Room): () => void {
  const release = () => room.releaseLease();
  socket.once('close', release);
  return () => {
    socket.off('close', release);
    socket.off('error', destroyOnError);
  };
}
