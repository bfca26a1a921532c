// [SYNC-6] The sync handshake carries the protocol version (`usine.v{PROTOCOL_VERSION}`): a
// client speaking another version (an editor older or newer than the server) is refused with a
// close code of its own, audited, and the editor shows a French message saying to update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CLOSE,
  CLOSE_MESSAGES_FR,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  closeReasonForCode,
} from '../../site/syncProtocol';
import type { RunningServer } from '../app/server';
import { login, startTestServer, syncUrl, tempDataDir, waitFor } from '../app/testHarness';

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
    for (const other of [PROTOCOL_VERSION + 1, PROTOCOL_VERSION - 1]) {
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
});
