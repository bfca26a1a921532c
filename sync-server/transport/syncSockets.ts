/**
 * The WebSocket side of the server (y-websocket protocol, `/sync/{insee}/{doc}`): an upgrade
 * is checked in full — rate per address, room name, commune, protocol version, token, rate
 * per agent, the authorization policy — and its room loaded *before* the socket is accepted;
 * every refusal is logged, counted and audited. Live connections are pinged, and
 * re-authorized periodically (an account disabled or a role removed by the admin CLI, another
 * process, or a session that expired, ends its sockets).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SYNC_PATH } from '../../site/apiContract';
import {
  CLOSE,
  SUPPORTED_PROTOCOL_VERSIONS,
  offeredProtocolVersions,
  parseRoom,
} from '../../site/syncProtocol';
import type { Accounts } from '../accounts/Accounts';
import { allows } from '../accounts/authorization';
import type { AgentIdentity } from '../../site/apiContract';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import type { Metrics } from '../observability/Metrics';
import type { Limits } from '../sync/Limits';
import type { CloseCode, Room } from '../sync/Room';
import type { RoomManager } from '../sync/RoomManager';
import { createReauthorization } from './reauthorization';
import { sharedIdentities } from './sharedIdentities';
import { SocketHeartbeat } from './heartbeat';
import { SyncSocket, type SyncSocketServer } from './syncSocket';
import { createTurnWrites } from './turnWrites';
import { abortHandshake, checkHandshake, destroyOnError, switchingProtocols } from './websocket/handshake';

export interface SyncSocketsOptions {
  accounts: Accounts;
  audit: AuditLog;
  metrics: Metrics;
  logger: Logger;
  limits: Limits;
  rooms: RoomManager;
  maxMessageBytes: number;
  clientAddress: (req: http.IncomingMessage) => string;
  /** How often live connections are re-authorized; default 1 s. */
  reauthorizeIntervalMs?: number;
}

const REAUTHORIZE_MS = 1_000;

/** The newest version of the protocol the client offers and the server speaks, if any. */
function spokenVersion(offered: string[]): number | null {
  const versions = offeredProtocolVersions(offered).filter((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v));
  return versions.length > 0 ? Math.max(...versions) : null;
}

/** The subprotocol answered: the version spoken, or another version of ours so that its client
 * reads the INCOMPATIBLE close; null when none is offered. */
function chosenProtocol(offered: string[]): string | null {
  const version = spokenVersion(offered);
  // The offered string itself: a client accepts only a subprotocol it offered.
  const spoken = offered.find((p) => offeredProtocolVersions([p])[0] === version);
  return spoken ?? offered.find((p) => offeredProtocolVersions([p]).length > 0) ?? null;
}

/** Why an upgrade is refused: the close to send, and what the audit row says. */
interface Refusal {
  close: CloseCode;
  agentId: string | null;
  room?: string;
  detail: string;
}

/**
 * An upgrade whose handshake is valid, being checked: what it needs once accepted. Nothing
 * else of the request is kept (its headers, URL and token are not needed past the checks).
 */
interface Upgrading {
  socket: Duplex;
  head: Buffer;
  key: string;
  protocols: string[];
  address: string;
}

/** An upgrade that passed every check before its room loads. */
interface Admitted {
  room: { name: string; insee: string };
  identity: AgentIdentity;
  sessionId: string;
  readOnly: boolean;
  /** The sync protocol version the connection speaks. */
  protocolVersion: number;
}

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function syncSockets(options: SyncSocketsOptions) {
  const { accounts, audit, metrics, logger, limits, rooms } = options;
  // Every open socket, joined or being refused: the heartbeat pings them, `close` ends them.
  // What a turn of the event loop sends to one socket leaves in one write (turnWrites.ts).
  const server: SyncSocketServer = {
    writes: createTurnWrites(),
    sockets: new SocketHeartbeat<SyncSocket>(),
    logger,
    // Room enforces maxMessageBytes with CLOSE.TOO_LARGE; the frame reader only stops the
    // absurd (1009) before buffering it.
    maxPayload: options.maxMessageBytes * 2,
  };
  /** Connections of one login session share one identity object (sharedIdentities.ts). */
  const identities = sharedIdentities();
  /** Set by `close`: upgrades still being checked are refused. */
  let closed = false;

  /**
   * Answers the handshake and makes the socket a WebSocket (null when the client is already
   * gone). From here the socket's errors and end are the SyncSocket's. What came with the
   * request (`head`) is read once the connection, if any, is set (`joined`).
   */
  function accept(upgrading: Upgrading): SyncSocket | null {
    const { socket, key, protocols } = upgrading;
    // An upgrade whose checks end after `close` (shutdown) would join a closed room and keep the
    // HTTP server from closing: it is answered 503.
    if (closed) {
      abortHandshake(socket, 503, 'Server is closing');
      return null;
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return null;
    }
    socket.off('error', destroyOnError);
    const ws = new SyncSocket(socket as Socket, server);
    server.writes.send(socket, Buffer.from(switchingProtocols(key, chosenProtocol(protocols)), 'latin1'));
    return ws;
  }

  /** Reads what the client sent with its request, once the socket is set up. */
  function readHead(ws: SyncSocket, head: Buffer): void {
    if (head.length > 0) ws.read(head);
  }

  function auditRefusal(refusal: Refusal, address: string): void {
    const { close, agentId, room, detail } = refusal;
    metrics.inc('usine_refusals_total', { code: close.reason });
    // Without a valid token (4401, no agent) or too fast: counted per minute and address.
    audit.refusal(
      {
        event: 'sync.refused',
        insee: room ? room.split('/')[0] : null,
        agentId,
        address,
        outcome: close.reason,
        details: { code: close.code, room, detail },
      },
      {
        authenticated: Boolean(agentId) && close.code !== CLOSE.TOKEN_EXPIRED.code,
        rateLimit: close.code === CLOSE.TOO_FAST.code,
      },
    );
  }

  /** Logs, counts and audits the refusal, then answers it with its close code. */
  function refuse(upgrading: Upgrading, refusal: Refusal) {
    const { close, agentId, room, detail } = refusal;
    logger.log('warn', 'sync.refused', { agentId, room, code: close.code, reason: close.reason, detail });
    auditRefusal(refusal, upgrading.address);
    const ws = accept(upgrading);
    if (!ws) return;
    ws.closeWith(close.code, close.reason);
    readHead(ws, upgrading.head);
  }

  /** Every check an upgrade passes before its room is loaded. */
  async function check(upgrading: Upgrading, pathname: string): Promise<Admitted | Refusal> {
    const tooFast = limits.admitConnectionFromAddress(upgrading.address);
    if (tooFast) return { close: tooFast, agentId: null, detail: 'connection rate per address' };
    const room = parseRoom(pathname.slice(SYNC_PATH.length + 1));
    if (!room) return { close: CLOSE.NOT_FOUND, agentId: null, detail: 'not a room name' };
    const refused = (close: CloseCode, agentId: string | null, detail: string): Refusal => ({
      close,
      agentId,
      room: room.name,
      detail,
    });
    // Only the Métropole's communes have rooms, for every caller (an administrator too).
    if (!accounts.commune(room.insee)) return refused(CLOSE.NOT_FOUND, null, 'commune outside the registry');
    const offered = upgrading.protocols;
    const versions = offeredProtocolVersions(offered);
    const version = spokenVersion(offered);
    if (version === null && versions.length > 0)
      return refused(CLOSE.INCOMPATIBLE, null, `protocol version ${versions.join(', ')}`);
    // The token is the offered subprotocol that is not a version of ours. Never logged.
    const token = offered.find((p) => offeredProtocolVersions([p]).length === 0);
    const auth = token ? await accounts.authenticate(token) : ({ ok: false, reason: 'unknown' } as const);
    if (!auth.ok)
      return refused(
        CLOSE.TOKEN_EXPIRED,
        ('agentId' in auth && auth.agentId) || null,
        `token ${auth.reason}`,
      );
    const { identity } = auth;
    const agentTooFast = limits.admitConnectionOfAgent(identity.id);
    if (agentTooFast) return refused(agentTooFast, identity.id, 'connection rate per agent');
    if (!allows(identity, room.insee, 'read'))
      return refused(CLOSE.FORBIDDEN, identity.id, 'no role in this commune');
    if (await accounts.communeDataDeleted(room.insee))
      return refused(CLOSE.FORBIDDEN, identity.id, 'commune data deleted');
    // A relecteur's connection is read-only: only its own comments pass (sync/commentGuard.ts).
    const readOnly = !allows(identity, room.insee, 'edit');
    // A client naming no version is answered as the first one was (acks after every commit).
    return { room, identity, sessionId: auth.sessionId, readOnly, protocolVersion: version ?? 1 };
  }

  /** Loads the room, checks the rights again (the load may have taken a while), then joins. */
  async function join(upgrading: Upgrading, admitted: Admitted) {
    const { room, identity, sessionId, readOnly, protocolVersion } = admitted;
    const refused = (close: CloseCode, detail: string) =>
      refuse(upgrading, { close, agentId: identity.id, room: room.name, detail });
    let opened: Room;
    try {
      opened = await rooms.open(room.name);
    } catch (error) {
      logger.log('error', 'room.load_failed', { room: room.name, error });
      metrics.inc('usine_errors_total', { kind: 'room_load' });
      return refused(CLOSE.LOAD_FAILED, 'load failed');
    }
    if (upgrading.socket.destroyed) return opened.releaseLease();
    // An account disabled or a role changed meanwhile is refused here rather than admitted
    // until the next re-authorization.
    let stillAllowed: Awaited<ReturnType<typeof accounts.connectionAllowed>>;
    try {
      stillAllowed = await accounts.connectionAllowed(identity.id, sessionId, room.insee, readOnly);
    } catch (error) {
      // The accounts' database did not answer (PostgreSQL unreachable): the room goes back.
      opened.releaseLease();
      logger.log('error', 'sync.authorization_failed', { room: room.name, error });
      metrics.inc('usine_errors_total', { kind: 'room_load' });
      return refused(CLOSE.LOAD_FAILED, 'rights could not be checked');
    }
    if (stillAllowed !== 'ok') {
      opened.releaseLease();
      const close = stillAllowed === 'session-ended' ? CLOSE.TOKEN_EXPIRED : CLOSE.FORBIDDEN;
      return refused(close, 'rights changed while the room loaded');
    }
    const ws = accept(upgrading);
    if (!ws) return opened.releaseLease();
    const { id: agentId, displayName, color } = identity;
    const connectionIdentity = {
      agentId,
      displayName,
      color,
      readOnly,
      sessionId,
      address: upgrading.address,
      protocolVersion,
    };
    ws.connection = opened.addConnection(ws, identities.of(connectionIdentity));
    readHead(ws, upgrading.head);
  }

  async function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', destroyOnError);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!pathname.startsWith(`${SYNC_PATH}/`)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const handshake = checkHandshake(req);
    if (!handshake.ok) return abortHandshake(socket, handshake.status, handshake.message, handshake.headers);
    const { key, protocols } = handshake;
    const upgrading: Upgrading = { socket, head, key, protocols, address: options.clientAddress(req) };
    const admitted = await check(upgrading, pathname);
    if ('close' in admitted) return refuse(upgrading, admitted);
    return join(upgrading, admitted);
  }

  // Each socket pinged once per 30 s, a few every 100 ms (heartbeat.ts, [WS-14]).
  server.sockets.start();
  // Live connections are re-authorized periodically: one read of the accounts per pass, the
  // connections handled in slices of SLICE_BUDGET_MS, 0.25 ms (reauthorization.ts).
  const reauthorization = createReauthorization({
    rooms: () => rooms.loadedRooms(),
    judge: (checks) => accounts.connectionJudge(checks),
    onError: (error) => logger.log('warn', 'sync.reauthorization_failed', { error: error.message }),
  });
  reauthorization.start(options.reauthorizeIntervalMs ?? REAUTHORIZE_MS);

  return {
    /** The `upgrade` listener of the HTTP server. */
    onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
      upgrade(req, socket, head).catch((error: unknown) => {
        logger.log('error', 'sync.upgrade_failed', { error });
        socket.destroy();
      });
    },
    /** Stops the timers and ends every socket at once. */
    close(): void {
      closed = true;
      server.sockets.stop();
      reauthorization.stop();
      server.writes.flush();
      for (const ws of server.sockets) ws.terminate();
    },
  };
}
