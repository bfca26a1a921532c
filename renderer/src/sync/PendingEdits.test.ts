import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Session } from '../auth/Session';
import { AuthSession } from '../auth/AuthSession';
import { DexieLocalStore } from '../store/DexieLocalStore';
import { PendingEdits, pendingEditsKey } from './PendingEdits';
import { SyncClient } from './SyncClient';
import { pendingEditsText } from './syncStatus';

// y-websocket reads the global WebSocket at construction (Node 20 has none). The rooms of
// these tests are never connected (an agent offline): any connection attempt fails the test.
globalThis.WebSocket ??= class {
  constructor() {
    throw new Error('these rooms must stay offline');
  }
} as unknown as typeof globalThis.WebSocket;

/** A localStorage stand-in; `full` makes every write throw like a full quota. */
function memoryStorage(): Storage & { full: boolean } {
  const items = new Map<string, string>();
  return {
    full: false,
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem(key, value) {
      if (this.full) throw new DOMException('quota', 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

let counter = 0;
function session(): Session {
  counter += 1;
  return {
    // Nothing listens there: the rooms stay offline, as on a PC without network.
    serverUrl: 'http://127.0.0.1:9',
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    accessExpiresAt: 1_700_000_000_000,
    agent: {
      id: `agent-pending-${counter}-${Date.now()}`,
      email: 'secretariat@mairie-test.fr',
      displayName: 'Alice Martin',
      color: '#b34700',
      admin: false,
      communes: [{ insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence', role: 'agent' }],
    },
  };
}

describe('PendingEdits', () => {
  it('keeps each room’s count across a new instance (a reload) and forgets it once acknowledged', () => {
    const storage = memoryStorage();
    const first = new PendingEdits(storage, 'k');
    first.add('13001/page/a');
    first.add('13001/page/a');
    first.add('13001/page/b');
    first.flush();
    const afterReload = new PendingEdits(storage, 'k');
    expect(afterReload.count('13001/page/a')).toBe(2);
    expect(afterReload.count('13001/page/b')).toBe(1);
    expect(afterReload.total()).toBe(3);
    expect(afterReload.rooms()).toEqual(['13001/page/a', '13001/page/b']);
    afterReload.clear('13001/page/a');
    afterReload.flush();
    expect(new PendingEdits(storage, 'k').total()).toBe(1);
    afterReload.clear('13001/page/b');
    afterReload.flush();
    expect(storage.getItem('k')).toBeNull();
  });

  it('writes localStorage once per burst of changes, not once per change, and still survives the task', async () => {
    const storage = memoryStorage();
    const writes: string[] = [];
    const setItem = storage.setItem.bind(storage);
    storage.setItem = (key, value) => {
      writes.push(key);
      setItem(key, value);
    };
    const pending = new PendingEdits(storage, 'k');
    // 5,000 local transactions replayed in one task (the reconnect benchmark's offline edits).
    for (let i = 0; i < 5000; i++) pending.add(`13001/page/p${i % 50}`);
    expect(writes).toEqual([]);
    await Promise.resolve();
    expect(writes.sort()).toEqual(['k', 'k:edited']);
    // The next task (a reload) reads every count.
    expect(new PendingEdits(storage, 'k').total()).toBe(5000);
    expect(new PendingEdits(storage, 'k').rooms()).toHaveLength(50);
  });

  it('still counts for this session when localStorage is full, and ignores a damaged entry', () => {
    const storage = memoryStorage();
    storage.setItem('k', '{"13001/page/a": 2, "13001/page/b": "beaucoup", "13001/page/c": -1}');
    const pending = new PendingEdits(storage, 'k');
    expect(pending.total()).toBe(2);
    storage.full = true;
    pending.add('13001/page/a');
    expect(pending.count('13001/page/a')).toBe(3);
    storage.setItem = () => {
      throw new Error('unreachable');
    };
    expect(new PendingEdits(memoryStorage(), 'k').total()).toBe(0);
    storage.full = false;
    expect(new PendingEdits(storage, 'k').count('13001/page/a')).toBe(2);
  });

  it('notifies with a new snapshot when the rooms waiting change (for the tree)', () => {
    const pending = new PendingEdits(memoryStorage(), 'k');
    const seen: boolean[] = [];
    const off = pending.subscribe(() => seen.push(pending.getSnapshot().has('r')));
    const before = pending.getSnapshot();
    pending.add('r');
    expect(pending.getSnapshot()).not.toBe(before);
    pending.clear('r');
    pending.clear('r');
    off();
    pending.add('r');
    expect(seen).toEqual([true, false]);
  });

  it('a keystroke in a page already waiting re-renders nothing, and is still counted and written', async () => {
    const storage = memoryStorage();
    const pending = new PendingEdits(storage, 'k');
    let heard = 0;
    pending.subscribe(() => (heard += 1));
    pending.add('r');
    const snapshot = pending.getSnapshot();
    for (let i = 0; i < 50; i++) pending.add('r');
    expect(heard).toBe(1);
    expect(pending.getSnapshot()).toBe(snapshot);
    expect(pending.count('r')).toBe(51);
    await Promise.resolve();
    expect(new PendingEdits(storage, 'k').count('r')).toBe(51);
  });
});

describe('SyncClient pending count across an offline reload', () => {
  it('counts local edits of each page, and a new session on this computer shows the same numbers', async () => {
    const storage = memoryStorage();
    const s = session();
    const store = new DexieLocalStore(undefined, memoryStorage());
    const key = pendingEditsKey(s.serverUrl, s.agent.id);
    const roomA = '13001/page/pendinga';
    const roomB = '13001/page/pendingb';

    const auth = new AuthSession(s, store, () => undefined);
    const sync = new SyncClient(auth, new PendingEdits(storage, key));
    const docs = store.docs({ serverUrl: s.serverUrl, agentId: s.agent.id });
    const a = await docs.open(roomA);
    const providerA = sync.openRoom(a);
    await a.load();
    await a.whenLoaded;
    await Promise.resolve();
    // Three edits offline: two on page A, one on page B (one Yjs transaction each).
    a.doc.getText('t').insert(0, 'Horaires');
    a.doc.getText('t').insert(8, ' d’été');
    const b = await docs.open(roomB);
    const providerB = sync.openRoom(b);
    await b.load();
    await Promise.resolve();
    b.doc.getMap('fields').set('summary', 'Concerts');
    expect(sync.roomState(providerA)).toMatchObject({ saved: false, pending: 2 });
    expect(sync.roomState(providerB)).toMatchObject({ saved: false, pending: 1 });
    expect(sync.pending.total()).toBe(3);
    // Page B is closed: its count stays in the site's total.
    sync.closeRoom(providerB);
    b.release();
    expect(sync.pending.total()).toBe(3);
    // The window is reloaded (no ack ever came).
    sync.destroy();
    a.release();
    docs.close();

    const afterReload = new SyncClient(
      new AuthSession(s, store, () => undefined),
      new PendingEdits(storage, key),
    );
    expect(afterReload.pending.total()).toBe(3);
    expect(pendingEditsText(afterReload.pending.total())).toBe('3 modifications en attente d’envoi');
    expect(afterReload.pending.count(roomB)).toBe(1);
    const docsAgain = store.docs({ serverUrl: s.serverUrl, agentId: s.agent.id });
    const a2 = await docsAgain.open(roomA);
    const reopened = afterReload.openRoom(a2);
    await a2.load();
    await Promise.resolve();
    // Reading the page back from this computer is not a new edit.
    expect(a2.doc.getText('t').toString()).toBe('Horaires d’été');
    expect(afterReload.roomState(reopened)).toMatchObject({ saved: false, pending: 2 });
    expect(afterReload.pending.total()).toBe(3);
    afterReload.destroy();
    a2.release();
    docsAgain.close();
  });
});

describe('SyncClient while typing offline', () => {
  it('tells its subscribers (top bar, page status…) once per page that starts waiting, not per keystroke', async () => {
    const s = session();
    const store = new DexieLocalStore(undefined, memoryStorage());
    const key = pendingEditsKey(s.serverUrl, s.agent.id);
    const sync = new SyncClient(
      new AuthSession(s, store, () => undefined),
      new PendingEdits(memoryStorage(), key),
    );
    const docs = store.docs({ serverUrl: s.serverUrl, agentId: s.agent.id });
    const page = await docs.open('13001/page/typing');
    const provider = sync.openRoom(page);
    await page.load();
    await Promise.resolve();
    let heard = 0;
    const off = sync.subscribe(() => (heard += 1));
    const text = page.doc.getText('t');
    for (let i = 0; i < 40; i++) text.insert(i, 'x');
    // The first keystroke makes the page « pas encore envoyée »; the next 39 change nothing shown.
    expect(heard).toBe(1);
    expect(sync.getSnapshot().pendingRooms).toEqual(['13001/page/typing']);
    expect(sync.roomState(provider)).toMatchObject({ saved: false, pending: 40 });
    off();
    sync.destroy();
    page.release();
    docs.close();
  });
});
