// The real server on port 0 with the real y-websocket client: sync, durability, access rules.
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LoginResponse } from '../../site/apiContract';
import { CLOSE, SUBPROTOCOL, encodeDocState, isCoveredBy } from '../../site/syncProtocol';
import type { DocStore } from '../storage/DocStore';
import type { RunningServer } from './server';
import {
  closeCodeOf,
  login,
  openClient,
  startTestServer,
  syncUrl,
  tempDataDir,
  isSaved,
  waitFor,
  waitSynced,
  type TestClient,
} from './testHarness';

let server: RunningServer;
let dataDir: { dir: string; remove: () => Promise<void> };
let agent: LoginResponse;
let relecteur: LoginResponse;
const clients: TestClient[] = [];

function client(room: string, token: string): TestClient {
  const c = openClient(server, room, token);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dataDir = await tempDataDir();
  server = await startTestServer(dataDir.dir, {
    createDemoAccount: false,
    // One room whose persisted state cannot be read.
    wrapStore: (store) =>
      Object.assign(Object.create(store) as DocStore, {
        loadDoc: (room: string) =>
          room.includes('brokenload') ? Promise.reject(new Error('I/O error')) : store.loadDoc(room),
      }),
  });
  await server.admin.addAgent({
    commune: '13001',
    email: 'Agent@Mairie.fr',
    password: 'mot-de-passe-agent',
    role: 'agent',
    displayName: 'Alice Martin',
  });
  await server.admin.addAgent({
    commune: '13001',
    email: 'relecteur@mairie.fr',
    password: 'mot-de-passe-relecteur',
    role: 'relecteur',
    displayName: 'Roger Relecteur',
  });
  agent = await login(server, 'agent@mairie.fr', 'mot-de-passe-agent');
  relecteur = await login(server, 'relecteur@mairie.fr', 'mot-de-passe-relecteur');
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
  await dataDir?.remove();
});

describe('HTTP API', () => {
  it('refuses a wrong password with 401 and a French message, and gives tokens for the right one', async () => {
    const wrong = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'agent@mairie.fr', password: 'pas-le-bon' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await wrong.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid-credentials');
    expect(body.error.message).toMatch(/mot de passe incorrect/);

    expect(agent.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(agent.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(agent.expiresIn).toBe(3600);
    expect(agent.agent).toMatchObject({
      email: 'agent@mairie.fr',
      displayName: 'Alice Martin',
      admin: false,
      communes: [{ insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence', role: 'agent' }],
    });

    const me = await fetch(`${server.url}/api/me`, {
      headers: { authorization: `Bearer ${agent.accessToken}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe('agent@mairie.fr');
    const anonymous = await fetch(`${server.url}/api/me`);
    expect(anonymous.status).toBe(401);
  });

  it('rotates refresh tokens, and reusing a rotated one revokes the family', async () => {
    const session = await login(server, 'relecteur@mairie.fr', 'mot-de-passe-relecteur');
    const refresh = (token: string) =>
      fetch(`${server.url}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: token }),
      });
    const first = await refresh(session.refreshToken);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as LoginResponse;
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    // The old refresh token is replayed: the whole family is revoked.
    expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    const me = await fetch(`${server.url}/api/me`, {
      headers: { authorization: `Bearer ${rotated.accessToken}` },
    });
    expect(me.status).toBe(401);
  });

  it('answers CORS preflights for /api/* and /healthz', async () => {
    const preflight = await fetch(`${server.url}/api/auth/login`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('sync', () => {
  it('[ACK-1] two clients converge in a room, each saved by the ack of its own edit', async () => {
    const a = client('13001/site', agent.accessToken);
    const b = client('13001/site', agent.accessToken);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getMap('settings').set('name', 'Aix-en-Provence');
    b.doc.getMap('settings').set('accentColor', '#1f5fbf');
    await waitFor(
      () =>
        a.doc.getMap('settings').get('accentColor') === '#1f5fbf' &&
        b.doc.getMap('settings').get('name') === 'Aix-en-Provence',
      'convergence',
    );
    // Each is saved by an ack of its own edit; the other's edit came relayed (its writer's ack).
    await waitFor(() => isSaved(a), 'a persisted ack covering client a');
    await waitFor(() => isSaved(b), 'ack for b');
  });

  it('acknowledges a client with nothing new right after its initial sync', async () => {
    const c = client('13001/page/nothingnew01', agent.accessToken);
    await waitSynced(c);
    await waitFor(() => c.acks.length > 0, 'initial ack');
    expect(isCoveredBy(encodeDocState(c.doc), c.acks[0]!)).toBe(true);
  });

  it('closes a room of another commune with 4403, a bad token with 4401, and keeps serving', async () => {
    const url = syncUrl(server);
    expect(await closeCodeOf(`${url}/13002/site`, [SUBPROTOCOL, agent.accessToken])).toBe(
      CLOSE.FORBIDDEN.code,
    );
    expect(
      await closeCodeOf(`${url}/13002/page/AAAAAAAAAAAAAAAAAAAAA`, [SUBPROTOCOL, agent.accessToken]),
    ).toBe(4403);
    expect(await closeCodeOf(`${url}/13001/site`, [SUBPROTOCOL, 'not-a-valid-token'])).toBe(
      CLOSE.TOKEN_EXPIRED.code,
    );
    expect(await closeCodeOf(`${url}/13001/site`, [SUBPROTOCOL])).toBe(4401);
    expect(await closeCodeOf(`${url}/13001/nonsense`, [SUBPROTOCOL, agent.accessToken])).toBe(
      CLOSE.NOT_FOUND.code,
    );

    const a = client('13001/page/stillworking', agent.accessToken);
    const b = client('13001/page/stillworking', agent.accessToken);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getText('t').insert(0, 'toujours là');
    await waitFor(() => b.doc.getText('t').toString() === 'toujours là', 'the other room keeps working');
  });

  it("drops a relecteur's updates but sends them everyone else's", async () => {
    const writer = client('13001/page/readonlyroom', agent.accessToken);
    const reader = client('13001/page/readonlyroom', relecteur.accessToken);
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    reader.doc.getText('t').insert(0, 'relecteur ');
    writer.doc.getText('t').insert(0, 'agent');
    await waitFor(() => reader.doc.getText('t').toString().includes('agent'), 'reader receives');
    // Give the reader's update every chance to travel, then check it went nowhere.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(writer.doc.getText('t').toString()).toBe('agent');
    const late = client('13001/page/readonlyroom', agent.accessToken);
    await waitSynced(late);
    expect(late.doc.getText('t').toString()).toBe('agent');
  });

  it('shows the server-verified name and colour in awareness, whatever the client claims', async () => {
    const a = client('13001/page/presence001', agent.accessToken);
    const b = client('13001/page/presence001', relecteur.accessToken);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.provider.awareness.setLocalState({ name: 'Le Maire', color: '#000000', focusing: true });
    await waitFor(() => b.provider.awareness.getStates().has(a.doc.clientID), 'presence of a');
    await waitFor(
      () => b.provider.awareness.getStates().get(a.doc.clientID)?.name === 'Alice Martin',
      'verified name',
    );
    const state = b.provider.awareness.getStates().get(a.doc.clientID)!;
    expect(state).toMatchObject({ name: 'Alice Martin', color: agent.agent.color, focusing: true });
  });

  it('refuses with 4503 a room whose state cannot be loaded, instead of serving an empty doc', async () => {
    const url = `${syncUrl(server)}/13001/page/brokenload01`;
    expect(await closeCodeOf(url, [SUBPROTOCOL, agent.accessToken])).toBe(CLOSE.LOAD_FAILED.code);
  });

  it('closes a malformed message with 4400 and a non-binary one too, without crashing', async () => {
    const closeAfterSending = (payload: Uint8Array | string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${syncUrl(server)}/13001/page/malformed01`, [
          SUBPROTOCOL,
          agent.accessToken,
        ]);
        socket.on('open', () => socket.send(payload));
        socket.on('close', (code) => resolve(code));
        socket.on('error', reject);
      });
    const garbage = encoding.createEncoder();
    encoding.writeVarUint(garbage, 0); // sync
    encoding.writeVarUint(garbage, 2); // update
    encoding.writeVarUint8Array(garbage, new Uint8Array([255, 255, 255, 1, 2, 3]));
    expect(await closeAfterSending(encoding.toUint8Array(garbage))).toBe(CLOSE.MALFORMED.code);
    expect(await closeAfterSending(new Uint8Array([77]))).toBe(CLOSE.MALFORMED.code);
    expect(await closeAfterSending('text')).toBe(CLOSE.MALFORMED.code);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('administration', () => {
  it('disabling an account closes its live sockets and revokes its tokens', async () => {
    const reader = client('13001/page/disabled001', relecteur.accessToken);
    await waitSynced(reader);
    let closedWith = 0;
    reader.provider.on('connection-close', (event) => {
      closedWith = event?.code ?? -1;
    });
    await server.admin.disableAgent('relecteur@mairie.fr');
    await waitFor(() => closedWith !== 0, 'socket closed');
    expect(closedWith).toBe(CLOSE.FORBIDDEN.code);
    const me = await fetch(`${server.url}/api/me`, {
      headers: { authorization: `Bearer ${relecteur.accessToken}` },
    });
    expect(me.status).toBe(401);
  });
});

describe('durability', () => {
  it('keeps the content across a restart on the same DATA_DIR, without duplicating it', async () => {
    const dir = await tempDataDir();
    try {
      const first = await startTestServer(dir.dir);
      const demo = first.demoAccount!;
      expect(demo.email).toBe('referent@13001.demo');
      const session = await login(first, demo.email, demo.password);
      const writer = openClient(first, '13001/page/restart0001', session.accessToken);
      await waitSynced(writer);
      writer.doc.getText('t').insert(0, 'Bonjour la commune');
      await waitFor(() => isSaved(writer), 'durable');
      writer.destroy();
      await first.close();

      const second = await startTestServer(dir.dir);
      expect(second.demoAccount).toBeNull();
      // Tokens are stored too: the session survives the restart.
      const reader = openClient(second, '13001/page/restart0001', session.accessToken);
      await waitSynced(reader);
      expect(reader.doc.getText('t').toString()).toBe('Bonjour la commune');
      // The same client reconnecting with its full state must not duplicate anything.
      const again = new Y.Doc();
      Y.applyUpdate(again, Y.encodeStateAsUpdate(reader.doc));
      const replay = openClient(second, '13001/page/restart0001', session.accessToken, again);
      await waitSynced(replay);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(replay.doc.getText('t').toString()).toBe('Bonjour la commune');
      replay.destroy();
      reader.destroy();
      await second.close();
    } finally {
      await dir.remove();
    }
  });
});
