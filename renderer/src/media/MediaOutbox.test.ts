import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { AuthSession } from '../auth/AuthSession';
import type { Session } from '../auth/Session';
import type { LocalStore } from '../store/LocalStore';
import { MediaOutbox } from './MediaOutbox';
import { MediaStore } from './MediaStore';

const SESSION: Session = {
  serverUrl: 'http://127.0.0.1:9',
  accessToken: 'jeton',
  refreshToken: 'rafraichir',
  accessExpiresAt: Date.now() + 3_600_000,
  agent: { id: 'a1', email: 'agent@mairie-test.fr', displayName: 'Agent', communes: [] },
} as unknown as Session;

let stores = 0;

/** A server that holds nothing yet and answers each PUT only when the test lets it. */
function slowServer() {
  const puts: string[] = [];
  let arrived: () => void = () => {};
  let answer: () => void = () => {};
  const putArrived = new Promise<void>((resolve) => (arrived = resolve));
  const fetchImpl: typeof fetch = async (input, init) => {
    if (init?.method === 'HEAD') return new Response(null, { status: 404 });
    puts.push(String(input));
    const answered = new Promise<void>((resolve) => (answer = resolve));
    arrived();
    await answered;
    return new Response(null, { status: 201 });
  };
  return { puts, putArrived, answer: () => answer(), fetchImpl };
}

describe('MediaOutbox.stop', () => {
  it('resolves once the upload in progress is recorded: the store closes after, nothing is sent twice', async () => {
    stores += 1;
    const name = `outbox-stop-${stores}`;
    const store = new MediaStore(name);
    await store.add('13001', 'a'.repeat(64), 'application/pdf', new Uint8Array([1, 2, 3]));
    const server = slowServer();
    const auth = new AuthSession(SESSION, {} as LocalStore, () => undefined);
    const outbox = new MediaOutbox(store, auth, server.fetchImpl);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      outbox.start();
      await server.putArrived;
      // The agent leaves while the PUT is on the wire.
      const stopped = outbox.stop();
      server.answer();
      await stopped;
      store.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      // The server's 201 was recorded before the store closed: nothing left to send.
      const again = new MediaStore(name);
      expect(await again.pending()).toEqual([]);
      again.close();
      expect(server.puts).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a failure of this computer’s store is reported in the state, not thrown away unhandled', async () => {
    stores += 1;
    const store = new MediaStore(`outbox-closed-${stores}`);
    store.close();
    const auth = new AuthSession(SESSION, {} as LocalStore, () => undefined);
    const outbox = new MediaOutbox(store, auth, async () => new Response(null, { status: 404 }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      outbox.start();
      await expect.poll(() => outbox.getState().lastError).toMatch(/closed/i);
      expect(unhandled).toEqual([]);
      await outbox.stop();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('on a network that never answers, stop() still resolves (within 5 s) and the store can close', async () => {
    stores += 1;
    const store = new MediaStore(`outbox-silent-${stores}`);
    await store.add('13001', 'b'.repeat(64), 'application/pdf', new Uint8Array([4, 5, 6]));
    const auth = new AuthSession(SESSION, {} as LocalStore, () => undefined);
    let asked!: () => void;
    const headAsked = new Promise<void>((resolve) => (asked = resolve));
    // A request sent into a network that silently drops it: no answer, no error, ever.
    const outbox = new MediaOutbox(store, auth, () => (asked(), new Promise<Response>(() => undefined)));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      outbox.start();
      await headAsked;
      const started = Date.now();
      await outbox.stop();
      expect(Date.now() - started).toBeLessThan(6_000);
      store.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 10_000);
});
