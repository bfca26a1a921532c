/**
 * The connections of one login session share one identity object. Each upgrade reads the
 * agent's row again (a token is checked against the database every time), so each connection
 * carried its own copies of the same six values — ~300 bytes per connection for as long as it
 * lived. An agent's editor keeps several sockets open (the site's room and each open page's).
 *
 * Held weakly: an identity no connection holds any more is collected, and its entry with it. A
 * change of name, colour, role, address or protocol version makes another identity (all seven
 * values are the key).
 * Frozen: a connection cannot change what the others of its session show.
 */
import type { ConnectionIdentity } from '../sync/Room';

export interface SharedIdentities {
  /** The identity equal to `identity` that live connections already share, or `identity`. */
  of(identity: ConnectionIdentity): ConnectionIdentity;
  /** Identities currently shared (for the tests). */
  readonly size: number;
}

export function sharedIdentities(): SharedIdentities {
  const shared = new Map<string, WeakRef<Readonly<ConnectionIdentity>>>();
  const forget = new FinalizationRegistry<string>((key) => {
    if (shared.get(key)?.deref() === undefined) shared.delete(key);
  });
  return {
    of(identity) {
      const { agentId, displayName, color, readOnly, sessionId, address, protocolVersion } = identity;
      const key = JSON.stringify([
        agentId,
        sessionId,
        displayName,
        color,
        readOnly,
        address,
        protocolVersion,
      ]);
      const found = shared.get(key)?.deref();
      if (found) return found;
      const frozen = Object.freeze({
        agentId,
        displayName,
        color,
        readOnly,
        sessionId,
        address,
        protocolVersion,
      });
      shared.set(key, new WeakRef(frozen));
      forget.register(frozen, key);
      return frozen;
    },
    get size() {
      return shared.size;
    },
  };
}
