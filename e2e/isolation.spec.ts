// Journey e (issue 2): an agent of commune 13001 cannot open a room of 13002; others keep working.
import WebSocket from 'ws';
import { createPage, editor, expect, openPage, test } from './harness';

function closeCodeOf(url: string, protocols: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

test('[e] a room of another commune is refused with 4403 and the server keeps serving the others', async ({
  openAgent,
  server,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const bruno = await openAgent({ displayName: 'Bruno Roux' });
  await createPage(alice, 'Associations');
  await openPage(bruno, 'Associations');

  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: alice.email, password: alice.password }),
  });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const syncUrl = server.url.replace(/^http/, 'ws') + '/sync';

  expect(await closeCodeOf(`${syncUrl}/13002/site`, ['usine.v1', accessToken])).toBe(4403);
  expect(await closeCodeOf(`${syncUrl}/13002/page/AAAAAAAAAAAAAAAAAAAAA`, ['usine.v1', accessToken])).toBe(
    4403,
  );
  expect(await closeCodeOf(`${syncUrl}/13001/site`, ['usine.v1', 'not-a-valid-token'])).toBe(4401);

  // The server keeps serving the commune's own rooms.
  await editor(alice.page).click();
  await alice.page.keyboard.type('Liste des associations de la commune.');
  await expect(editor(bruno.page)).toContainText('Liste des associations de la commune.');
});
