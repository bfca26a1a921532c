/**
 * Helpers for the sync-server tests (tier c of STYLE.md): the real server on port 0 with a
 * temporary DATA_DIR, the real y-websocket client over the `ws` package, no socket mocks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import {
  MESSAGE_PERSISTED_ACK,
  type ReceivedState,
  SUBPROTOCOL,
  encodeDocState,
  isCoveredBy,
  readPersistedAck,
  trackProviderReceived,
} from '../../site/syncProtocol';
import type { Logger } from '../observability/Logger';
import { startServer, type RunningServer, type ServerOptions } from './server';

/** Logs only errors, to the test output. */
export const testLogger: Logger = {
  log(level, event, fields) {
    if (level === 'error') console.error(event, fields);
  },
};

export async function tempDataDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usine-sync-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function startTestServer(
  dataDir: string,
  options: Partial<ServerOptions> = {},
): Promise<RunningServer> {
  // The tests' demo référent stays on Aix-en-Provence (13001), as their journeys expect.
  return startServer({
    port: 0,
    dataDir,
    logger: testLogger,
    loginFailureDelayMs: 50,
    demoCommune: '13001',
    ...options,
  });
}

export async function login(server: RunningServer, email: string, password: string): Promise<LoginResponse> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  return (await response.json()) as LoginResponse;
}

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Durable state vectors received from the server, in order. */
  acks: Uint8Array[];
  /** What the server sent on the current connection (others' edits, acknowledged to them). */
  received: ReceivedState;
  destroy(): void;
}

/** The last ack covers everything the client holds but what the server sent it (« enregistré »). */
export function isSaved(client: TestClient): boolean {
  const ack = client.acks.at(-1);
  return ack !== undefined && isCoveredBy(encodeDocState(client.doc), ack, client.received);
}

export function syncUrl(server: RunningServer): string {
  return `${server.url.replace(/^http/, 'ws')}/sync`;
}

export function openClient(
  server: RunningServer,
  room: string,
  accessToken: string,
  doc = new Y.Doc(),
): TestClient {
  const provider = new WebsocketProvider(syncUrl(server), room, doc, {
    protocols: [SUBPROTOCOL, accessToken],
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Same-process providers would otherwise sync through BroadcastChannel, bypassing the server.
    disableBc: true,
  });
  const acks: Uint8Array[] = [];
  provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
    acks.push(readPersistedAck(decoder));
  };
  const received = trackProviderReceived(provider);
  return {
    doc,
    provider,
    acks,
    received,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function waitSynced(client: TestClient): Promise<void> {
  return waitFor(() => client.provider.synced, 'provider synced');
}

/** Opens a raw socket and resolves with the close code the server chose. */
export function closeCodeOf(url: string, protocols: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

/** One JSON API call; returns the status and the parsed body. */
/** Parsed JSON of a test API call: the tests check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiBody = any;

export async function callApi(
  server: RunningServer,
  method: string,
  apiPath: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: ApiBody }> {
  const response = await fetch(`${server.url}${apiPath}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

/**
 * One JSON API call from another loopback source address (127.0.0.2, 127.0.0.3…: Linux routes
 * all of 127/8 to the loopback interface), so a test can be several clients at once. `headers`
 * are added as given (e.g. X-Forwarded-For).
 */
export function callApiFrom(
  server: RunningServer,
  localAddress: string,
  method: string,
  apiPath: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: ApiBody; text: string }> {
  const payload = options.body !== undefined ? JSON.stringify(options.body) : undefined;
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}${apiPath}`,
      {
        method,
        localAddress,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, body, text });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export interface RawSocket {
  socket: WebSocket;
  /** Binary messages received, in order. */
  messages: Uint8Array[];
  opened: Promise<void>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

/** A raw WebSocket on a room (no y-websocket client): for hostile-input and protocol tests. */
export function rawSocket(server: RunningServer, room: string, token: string): RawSocket {
  const socket = new WebSocket(`${syncUrl(server)}/${room}`, [SUBPROTOCOL, token]);
  const messages: Uint8Array[] = [];
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data: Buffer) => messages.push(new Uint8Array(data)));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  return { socket, messages, opened, closed };
}

/** Reads a zip (stored or deflated entries) into name → bytes; enough for our exports. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const localNameLength = zip.readUInt16LE(localOffset + 26);
    const localExtraLength = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLength + localExtraLength;
    const raw = zip.subarray(start, start + compressedSize);
    files.set(name, method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
