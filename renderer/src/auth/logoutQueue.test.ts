import { describe, expect, it } from 'vitest';
import { LogoutQueue, PENDING_LOGOUTS_KEY, sendLogout, type PendingLogout } from './logoutQueue';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  };
}

const LOGOUT: PendingLogout = {
  serverUrl: 'https://usine.example',
  accessToken: 'acces-1',
  refreshToken: 'rafraichissement-1',
};

describe('logout queue', () => {
  it('sends the logout at once when the server answers', async () => {
    const sent: PendingLogout[] = [];
    const queue = new LogoutQueue(memoryStorage(), async (logout) => {
      sent.push(logout);
      return 'ended';
    });
    await queue.logout(LOGOUT);
    expect(sent).toEqual([LOGOUT]);
    expect(queue.pending()).toEqual([]);
  });

  it('offline, keeps the logout across a restart and sends it at the next connection', async () => {
    const storage = memoryStorage();
    let online = false;
    const sent: PendingLogout[] = [];
    const send = async (logout: PendingLogout) => {
      if (!online) return 'retry' as const;
      sent.push(logout);
      return 'ended' as const;
    };
    await new LogoutQueue(storage, send).logout(LOGOUT);
    expect(sent).toEqual([]);
    expect(JSON.parse(storage.data.get(PENDING_LOGOUTS_KEY)!)).toEqual([LOGOUT]);
    // The app restarts (a new queue on the same storage), then the network comes back.
    const restarted = new LogoutQueue(storage, send);
    await restarted.flush();
    expect(sent).toEqual([]);
    online = true;
    await restarted.flush();
    expect(sent).toEqual([LOGOUT]);
    expect(restarted.pending()).toEqual([]);
  });

  it('posts API_LOGOUT with the access token and the refresh token; unreachable → retry, 401 → ended', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const answering = (status: number) =>
      (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response('{}', { status });
      }) as unknown as typeof fetch;
    expect(await sendLogout(LOGOUT, answering(200))).toBe('ended');
    expect(calls[0]!.url).toBe('https://usine.example/api/auth/logout');
    expect(calls[0]!.init.headers).toMatchObject({ authorization: 'Bearer acces-1' });
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ refreshToken: 'rafraichissement-1' });
    expect(await sendLogout(LOGOUT, answering(401))).toBe('ended');
    expect(await sendLogout(LOGOUT, answering(503))).toBe('retry');
    const unreachable = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    expect(await sendLogout(LOGOUT, unreachable)).toBe('retry');
  });
});
