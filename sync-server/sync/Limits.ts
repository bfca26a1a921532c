/**
 * The server's limits on what clients may ask for: message rate (every message type, every
 * role) and update rate per agent and per address,
 * connection rate per agent and per address, and the storage quota of each commune. Each check
 * answers null (accepted) or the close code that refuses it; nothing here touches a socket.
 */
import { CLOSE } from '../../site/syncProtocol';
import { inseeOfRoom } from '../storage/DocStore';
import { RateLimiter, type RateLimit } from './RateLimiter';
import type { CloseCode, ConnectionIdentity } from './Room';

export interface LimitsOptions {
  /** Sync messages of any type (step 1, awareness, queries, updates) per second per agent. */
  messagesPerAgent: RateLimit;
  /** Sync messages of any type per second per remote address. */
  messagesPerAddress: RateLimit;
  /** Updates per second per agent (all its connections), with a burst. */
  updatesPerAgent: RateLimit;
  /** Updates per second per remote address. */
  updatesPerAddress: RateLimit;
  /** New sync connections per second per agent. */
  connectionsPerAgent: RateLimit;
  /** New sync connections per second per address (checked before authentication). */
  connectionsPerAddress: RateLimit;
  /** Bytes of stored updates a commune may hold. */
  communeQuotaBytes: number;
  /** Bytes a commune holds now (read once per commune, then counted here). */
  communeBytes: (insee: string) => number;
  now?: () => number;
}

export const DEFAULT_LIMITS: Omit<LimitsOptions, 'communeBytes'> = {
  // y-websocket clients echo every awareness change they receive: in a room of k agents each
  // sends about k times the cursor moves of the room, plus its updates; a first sync of a
  // 300-page site sends ~3 messages per page.
  messagesPerAgent: { ratePerSecond: 300, burst: 3000 },
  messagesPerAddress: { ratePerSecond: 1000, burst: 10_000 },
  // A fast typist sends ~10 updates/s; a reconnect replays a backlog in a few large messages.
  updatesPerAgent: { ratePerSecond: 100, burst: 500 },
  updatesPerAddress: { ratePerSecond: 300, burst: 1500 },
  // The editor opens the manifest and the pages on screen, and its background sync opens one
  // short connection per page (4 at a time): the first sync of a 300-page site must not be
  // throttled into minutes of 4429s, while a runaway client still is.
  connectionsPerAgent: { ratePerSecond: 30, burst: 400 },
  // A town hall behind one NAT address may have a dozen agents.
  connectionsPerAddress: { ratePerSecond: 60, burst: 800 },
  communeQuotaBytes: 500 * 1024 * 1024,
};

export class Limits {
  private readonly options: LimitsOptions;
  private readonly messagesPerAgent: RateLimiter;
  private readonly messagesPerAddress: RateLimiter;
  private readonly updatesPerAgent: RateLimiter;
  private readonly updatesPerAddress: RateLimiter;
  private readonly connectionsPerAgent: RateLimiter;
  private readonly connectionsPerAddress: RateLimiter;
  private readonly used = new Map<string, number>();

  constructor(options: LimitsOptions) {
    this.options = options;
    this.messagesPerAgent = new RateLimiter(options.messagesPerAgent, options.now);
    this.messagesPerAddress = new RateLimiter(options.messagesPerAddress, options.now);
    this.updatesPerAgent = new RateLimiter(options.updatesPerAgent, options.now);
    this.updatesPerAddress = new RateLimiter(options.updatesPerAddress, options.now);
    this.connectionsPerAgent = new RateLimiter(options.connectionsPerAgent, options.now);
    this.connectionsPerAddress = new RateLimiter(options.connectionsPerAddress, options.now);
  }

  admitConnectionFromAddress(address: string): CloseCode | null {
    return this.connectionsPerAddress.take(address) ? null : CLOSE.TOO_FAST;
  }

  admitConnectionOfAgent(agentId: string): CloseCode | null {
    return this.connectionsPerAgent.take(agentId) ? null : CLOSE.TOO_FAST;
  }

  /** Every incoming sync message, whatever its type and the sender's role. */
  admitMessage(identity: ConnectionIdentity): CloseCode | null {
    if (!this.messagesPerAgent.take(identity.agentId)) return CLOSE.TOO_FAST;
    if (identity.address && !this.messagesPerAddress.take(identity.address)) return CLOSE.TOO_FAST;
    return null;
  }

  admitUpdate(identity: ConnectionIdentity, room: string, bytes: number): CloseCode | null {
    if (!this.updatesPerAgent.take(identity.agentId)) return CLOSE.TOO_FAST;
    if (identity.address && !this.updatesPerAddress.take(identity.address)) return CLOSE.TOO_FAST;
    const insee = inseeOfRoom(room);
    const used = this.used.get(insee) ?? this.options.communeBytes(insee);
    if (used + bytes > this.options.communeQuotaBytes) return CLOSE.TOO_LARGE;
    this.used.set(insee, used + bytes);
    return null;
  }

  /**
   * Media files share the commune's storage quota with its documents: reserves `bytes` for a
   * file about to be stored; false (nothing reserved) when the commune would go past it.
   */
  admitStoredFile(insee: string, bytes: number): boolean {
    const used = this.used.get(insee) ?? this.options.communeBytes(insee);
    if (used + bytes > this.options.communeQuotaBytes) return false;
    this.used.set(insee, used + bytes);
    return true;
  }

  get communeQuotaBytes(): number {
    return this.options.communeQuotaBytes;
  }

  /** Forgets the counted usage of a commune (after compaction or deletion): read again next time. */
  recount(insee: string): void {
    this.used.delete(insee);
  }

  recountAll(): void {
    this.used.clear();
  }
}
