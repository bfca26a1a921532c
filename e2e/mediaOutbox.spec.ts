// The editor's media outbox (renderer/src/media) run in Node against the real server of the
// journeys, with Dexie on fake-indexeddb and a network the test can cut: an image and its
// re-encoded copies are uploaded after network failures, originals before their copies, and
// never twice (issue 5 §3, issue 4 §3). It lives here because renderer/ tests may not import
// the server (eslint.config.js); the same outbox runs in Chromium in editorMedia.spec.ts.
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { AuthSession, sessionFromLogin } from '../renderer/src/auth/AuthSession';
import { MediaOutbox } from '../renderer/src/media/MediaOutbox';
import { MediaStore } from '../renderer/src/media/MediaStore';
import type { LocalStore } from '../renderer/src/store/LocalStore';
import type { RunningServer } from '../sync-server/app/server';
import { webp } from '../sync-server/app/mediaFixtures';
import { login } from '../sync-server/app/testHarness';
import { expect, test } from './harness';

/** A real 1200×800 image with its two re-encoded copies (the server decodes every file). */
async function image(note: string) {
  const bytes = new Uint8Array(await webp(1200, 800, note));
  return {
    sha: createHash('sha256').update(bytes).digest('hex'),
    bytes,
    variants: [
      { width: 480, bytes: new Uint8Array(await webp(480, 320, note)) },
      { width: 960, bytes: new Uint8Array(await webp(960, 640, note)) },
    ],
  };
}

let stores = 0;
let accounts = 0;

/** An agent of 13001 logged in on the server (the token stays valid for the test). */
async function agentSession(server: RunningServer): Promise<AuthSession> {
  accounts += 1;
  const email = `outbox${accounts}.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Mot-de-passe-solide-outbox-${accounts}`;
  await server.admin.addAgent({ commune: '13001', email, password, role: 'agent', displayName: 'Agent' });
  const response = await login(server, email, password);
  // Never refreshed within the test, so the session never needs the local store.
  return new AuthSession(sessionFromLogin(server.url, response), {} as LocalStore, () => undefined);
}

/** A computer: its own media database and an outbox whose network can be cut. */
function computer(auth: AuthSession) {
  stores += 1;
  const store = new MediaStore(`outbox-test-${Date.now()}-${stores}`);
  const net = { down: false, failPutOf: new Set<string>() };
  const puts: Array<{ path: string; status: number }> = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input);
    const file = url.slice(url.lastIndexOf('/') + 1);
    if (net.down) throw new TypeError('Failed to fetch');
    if (init?.method === 'PUT' && net.failPutOf.delete(file)) throw new TypeError('Failed to fetch');
    const response = await fetch(input, init);
    if (init?.method === 'PUT') puts.push({ path: file, status: response.status });
    return response;
  };
  const outbox = new MediaOutbox(store, auth, fetchImpl);
  return { store, outbox, net, puts };
}

/** HTTP status of each file of the image on the server. */
async function onServer(server: RunningServer, auth: AuthSession, files: string[]): Promise<number[]> {
  return Promise.all(
    files.map(
      async (file) =>
        (
          await fetch(`${server.url}/api/communes/13001/media/${file}`, {
            method: 'HEAD',
            headers: { authorization: `Bearer ${auth.accessToken}` },
          })
        ).status,
    ),
  );
}

test('[MEDIA-2] offline then online: the image and its copies are uploaded once each, original first', async ({
  server,
}) => {
  const auth = await agentSession(server);
  const a = computer(auth);
  const img = await image('hors ligne');
  const files = [img.sha, `${img.sha}-480`, `${img.sha}-960`];
  a.net.down = true;
  await a.store.add('13001', img.sha, 'image/webp', img.bytes, Date.now(), img.variants);
  a.outbox.start();
  await expect.poll(() => a.outbox.getState().lastError).toMatch(/Failed to fetch/);
  // One file for the agent, whatever the number of copies.
  expect(a.outbox.getState()).toMatchObject({ pending: 1, pendingShas: [img.sha] });
  expect(a.puts).toEqual([]);
  expect(await onServer(server, auth, files)).toEqual([404, 404, 404]);

  // Back online, but the original's upload fails once more: its copies wait for it.
  a.net.down = false;
  a.net.failPutOf.add(img.sha);
  await expect.poll(() => a.outbox.getState().pending, { timeout: 20_000 }).toBe(0);
  expect(a.puts).toEqual(files.map((path) => ({ path, status: 201 })));
  expect(await onServer(server, auth, files)).toEqual([200, 200, 200]);
  // Chosen again on this computer (the same photo): nothing to upload.
  await a.store.add('13001', img.sha, 'image/webp', img.bytes, Date.now(), img.variants);
  a.outbox.kick();
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(a.puts).toHaveLength(3);
  await a.outbox.stop();
  a.store.close();
});

test('[MEDIA-2] another computer with the same image uploads nothing: the server already holds every file', async ({
  server,
}) => {
  const auth = await agentSession(server);
  const a = computer(auth);
  const img = await image('deux postes');
  await a.store.add('13001', img.sha, 'image/webp', img.bytes, Date.now(), img.variants);
  a.outbox.start();
  await expect.poll(() => a.puts.length).toBe(3);
  await a.outbox.stop();
  a.store.close();

  const b = computer(auth);
  await b.store.add('13001', img.sha, 'image/webp', img.bytes, Date.now(), img.variants);
  expect(await b.store.pending()).toHaveLength(3);
  b.outbox.start();
  await expect.poll(async () => (await b.store.pending()).length).toBe(0);
  expect(b.puts).toEqual([]);
  expect(b.outbox.uploads).toBe(0);
  await b.outbox.stop();
  b.store.close();
});
