// [SYNC-6] The sync handshake carries the protocol version (`usine.v{PROTOCOL_VERSION}`): a
// client speaking a version the server does not (an editor too old or newer than the server) is
// refused with a close code of its own, audited, and the editor shows a French message saying to
// update. [ACK-2] Version 1 editors keep the acks they judge « enregistré » on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  CLOSE,
  CLOSE_MESSAGES_FR,
  MESSAGE_PERSISTED_ACK,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  SUPPORTED_PROTOCOL_VERSIONS,
  closeReasonForCode,
  encodeDocState,
  isCoveredBy,
  readPersistedAck,
} from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import {
  login,
  openClient,
  startTestServer,
  syncUrl,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';

let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let token: string;

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { createDemoAccount: false });
  await server.admin.addAgent({
    commune: '13001',
    email: 'agent@aix.fr',
    password: 'Cours-Mirabeau-fontaines-9',
    role: 'agent',
  });
  token = (await login(server, 'agent@aix.fr', 'Cours-Mirabeau-fontaines-9')).accessToken;
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

function closeOf(protocols: string[]): Promise<{ code: number; reason: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${syncUrl(server)}/13001/site`, protocols);
    let protocol = '';
    socket.on('open', () => (protocol = socket.protocol));
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), protocol }));
    socket.on('error', reject);
  });
}

describe('protocol version in the handshake [SYNC-6]', () => {
  it('[SYNC-6] a client of another protocol version is refused with 4426 protocol-version, audited; the editor has a French message for it', async () => {
    expect(SUBPROTOCOL).toBe(`usine.v${PROTOCOL_VERSION}`);
    expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual([1, PROTOCOL_VERSION]);
    for (const other of [PROTOCOL_VERSION + 1, 0]) {
      const refused = await closeOf([`usine.v${other}`, token]);
      expect(refused).toEqual({ code: 4426, reason: 'protocol-version', protocol: `usine.v${other}` });
    }
    await waitFor(
      async () => (await server.audit.list({ insee: '13001' })).some((e) => e.outcome === 'protocol-version'),
      'refusal audited',
    );
    expect(closeReasonForCode(CLOSE.INCOMPATIBLE.code)).toBe('protocol-version');
    expect(CLOSE_MESSAGES_FR['protocol-version']).toMatch(/mettez-la à jour/);
    // The right version, same token: accepted and kept open.
    const socket = new WebSocket(`${syncUrl(server)}/13001/site`, [SUBPROTOCOL, token]);
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => resolve());
      socket.on('close', (code) => reject(new Error(`closed with ${code}`)));
    });
    expect(socket.protocol).toBe(SUBPROTOCOL);
    socket.close();
  });

  it('[ACK-2] a version 1 editor is answered in version 1 and acknowledged after every commit, the edits relayed to it included; a version 2 reader is not', async () => {
    const room = '13001/page/version1rdr';
    const writer = openClient(server, room, token);
    const readers = [1, 2].map((version) => {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(syncUrl(server), room, doc, {
        protocols: [`usine.v${version}`, token],
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      const acks: Uint8Array[] = [];
      provider.messageHandlers[MESSAGE_PERSISTED_ACK] = (_encoder, decoder) => {
        acks.push(readPersistedAck(decoder));
      };
      return { version, doc, provider, acks };
    });
    try {
      await waitSynced(writer);
      await waitFor(() => readers.every((r) => r.provider.synced && r.acks.length === 1), 'initial acks');
      expect(readers.map((r) => r.provider.ws?.protocol)).toEqual(['usine.v1', 'usine.v2']);
      writer.doc.getText('t').insert(0, 'Ordre du jour du conseil');
      const [v1, v2] = readers as [(typeof readers)[0], (typeof readers)[0]];
      await waitFor(
        () => v1.acks.length > 1 && isCoveredBy(encodeDocState(v1.doc), v1.acks.at(-1)!),
        'the version 1 reader acknowledged with the relayed edit',
      );
      await waitFor(() => v2.doc.getText('t').length > 0, 'relayed to the version 2 reader');
      // The writer's ack went out with the version 1 reader's (the same commit's).
      await waitFor(() => writer.acks.length > 1, 'the writer acknowledged');
      expect(v2.acks).toHaveLength(1);
    } finally {
      writer.destroy();
      for (const r of readers) {
        r.provider.destroy();
        r.doc.destroy();
      }
    }
  });
});
