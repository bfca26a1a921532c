/**
 * The opening handshake of a WebSocket (RFC 6455 §4.2): the upgrade request checked before
 * anything else is read of it (method, headers, key, version, the offered subprotocols), the
 * `101 Switching Protocols` answer, and the refusal of a request that is not a WebSocket one.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A base64 nonce of 16 bytes. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** An HTTP token (RFC 7230 §3.2.6), what a subprotocol is. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Offered subprotocols kept at most: ours and a token; more is not a client of ours. */
const MAX_PROTOCOLS = 8;

export type HandshakeCheck =
  | { ok: true; key: string; protocols: string[] }
  | { ok: false; status: number; message: string; headers?: Record<string, string> };

/** The subprotocols offered, or null when the header is not a list of distinct tokens. */
function parseProtocols(header: string | undefined): string[] | null {
  if (header === undefined) return [];
  const protocols = header.split(',').map((p) => p.trim());
  if (protocols.length > MAX_PROTOCOLS) return null;
  if (!protocols.every((p) => TOKEN.test(p))) return null;
  return new Set(protocols).size === protocols.length ? protocols : null;
}

/** Is this upgrade request a WebSocket opening handshake we can answer? */
export function checkHandshake(req: http.IncomingMessage): HandshakeCheck {
  if (req.method !== 'GET') return { ok: false, status: 405, message: 'Invalid HTTP method' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket')
    return { ok: false, status: 400, message: 'Invalid Upgrade header' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key))
    return { ok: false, status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8')
    return {
      ok: false,
      status: 400,
      message: 'Missing or invalid Sec-WebSocket-Version header',
      headers: { 'Sec-WebSocket-Version': '13, 8' },
    };
  const protocols = parseProtocols(req.headers['sec-websocket-protocol']);
  if (protocols === null) return { ok: false, status: 400, message: 'Invalid Sec-WebSocket-Protocol header' };
  return { ok: true, key, protocols };
}

/** The answer that opens the WebSocket, with the chosen subprotocol (null: none). */
export function switchingProtocols(key: string, protocol: string | null): string {
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
  ];
  if (protocol !== null) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Destroys a socket once its answer is written. */
function destroyWhenWritten(this: Duplex): void {
  this.destroy();
}

/** Answers a request that is not a WebSocket handshake with an HTTP error, and closes. */
export function abortHandshake(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(message)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', destroyWhenWritten);
  socket.end(`${head.join('\r\n')}\r\n\r\n${message}`);
}

/** Destroys a socket that errs during the upgrade (before it is a WebSocket). */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}
