// Live connections are re-authorized periodically: the admin CLI runs in another process, so
// the server learns of its changes only from the database. Disabling an account or changing a
// role there must still end the agent's sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../../site/syncProtocol';
import { Accounts } from '../accounts/Accounts';
import { SqliteAccountStore } from '../storage/SqliteAccountStore';
import { openDatabase } from '../storage/database';
import { silentLogger } from '../observability/Logger';
import type { RunningServer } from '../app/server';
import { login, rawSocket, startTestServer, tempDataDir } from '../app/testHarness';

const PASSWORD = 'Mot-de-passe-solide-reauth-1';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };

/** What `npm run admin -- …` does: its own connection to the same SQLite file. */
async function asTheCli<T>(change: (accounts: Accounts) => Promise<T>): Promise<T> {
  const db = openDatabase(data.dir);
  try {
    return await change(await Accounts.open(new SqliteAccountStore(db), { logger: silentLogger }));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { createDemoAccount: false, reauthorizeIntervalMs: 100 });
  await Promise.all(
    ['disabled@aix.fr', 'demoted@aix.fr'].map((email) =>
      server.admin.addAgent({
        commune: '13001',
        email,
        password: PASSWORD,
        role: 'agent',
        displayName: email,
      }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await server.close();
  await data.remove();
});

describe('re-authorization of live connections', () => {
  it('[ISO-2] an account disabled by the CLI loses its sockets', async () => {
    const { accessToken } = await login(server, 'disabled@aix.fr', PASSWORD);
    const socket = rawSocket(server, '13001/site', accessToken);
    await socket.opened;
    await asTheCli((accounts) => accounts.setDisabled('disabled@aix.fr', true));
    expect(await socket.closed).toBe(CLOSE.FORBIDDEN.code);
  });

  it('[ISO-3] an agent made relecteur by the CLI is disconnected, then reconnects read-only', async () => {
    const { accessToken } = await login(server, 'demoted@aix.fr', PASSWORD);
    const socket = rawSocket(server, '13001/page/reauthorize01', accessToken);
    await socket.opened;
    await asTheCli((accounts) => accounts.grantRole('demoted@aix.fr', '13001', 'relecteur'));
    expect(await socket.closed).toBe(CLOSE.FORBIDDEN.code);
    const again = rawSocket(server, '13001/page/reauthorize01', accessToken);
    await again.opened;
    // Stays open: the new connection is read-only, as its role now says.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(again.socket.readyState).toBe(again.socket.OPEN);
    again.socket.close();
  });
});

describe('rights changed while a room loads', () => {
  let slow: RunningServer;
  let slowData: { dir: string; remove: () => Promise<void> };
  let releaseLoad: (() => void) | null = null;

  beforeAll(async () => {
    slowData = await tempDataDir();
    slow = await startTestServer(slowData.dir, {
      createDemoAccount: false,
      // The room's load waits for the test: the account changes in between.
      wrapStore: (store) =>
        new Proxy(store, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (property === 'loadDoc' && typeof value === 'function') {
              return async (room: string) => {
                if (room === '13001/page/slowload0001') await new Promise<void>((r) => (releaseLoad = r));
                return value.call(target, room);
              };
            }
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
    });
    await slow.admin.addAgent({
      commune: '13001',
      email: 'late@aix.fr',
      password: PASSWORD,
      role: 'agent',
      displayName: 'Late',
    });
  }, 60_000);

  afterAll(async () => {
    await slow.close();
    await slowData.remove();
  });

  it('[ISO-4] an account disabled during the room load is refused, not admitted', async () => {
    const { accessToken } = await login(slow, 'late@aix.fr', PASSWORD);
    const socket = rawSocket(slow, '13001/page/slowload0001', accessToken);
    while (!releaseLoad) await new Promise((resolve) => setTimeout(resolve, 10));
    await slow.admin.disableAgent('late@aix.fr');
    releaseLoad();
    expect(await socket.closed).toBe(CLOSE.FORBIDDEN.code);
    // Refused before joining: it never received a byte of the document.
    expect(socket.messages).toEqual([]);
  });
});
