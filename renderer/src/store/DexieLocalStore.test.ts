import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { Session } from '../auth/Session';
import { DexieLocalStore, docsDbName, isQuotaError, type SecretVault } from './DexieLocalStore';
import type { LocalWriteFailure } from './LocalStore';
import { WriteAheadJournal } from './WriteAheadJournal';

/** A localStorage stand-in. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

const session: Session = {
  serverUrl: 'http://127.0.0.1:8090',
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  accessExpiresAt: 1_700_000_000_000,
  agent: {
    id: 'agent-1',
    email: 'secretariat@mairie-test.fr',
    displayName: 'Alice Martin',
    color: '#b34700',
    admin: false,
    communes: [{ insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence', role: 'agent' }],
  },
};

let agentCounter = 0;
function scope() {
  agentCounter += 1;
  return { serverUrl: session.serverUrl, agentId: `agent-${agentCounter}-${Date.now()}` };
}

describe('DexieLocalStore session', () => {
  afterEach(async () => {
    await new DexieLocalStore().clearSession();
  });

  it('keeps the session across a restart (a new store instance), then forgets it on logout', async () => {
    await new DexieLocalStore().saveSession(session);
    const reopened = new DexieLocalStore();
    expect(await reopened.loadSession()).toEqual(session);
    await reopened.clearSession();
    expect(await new DexieLocalStore().loadSession()).toBeUndefined();
  });

  it('with a vault, keeps the refresh token out of IndexedDB', async () => {
    const secrets = new Map<string, string>();
    const vault: SecretVault = {
      save: async (server, token) => (secrets.set(server, token), true),
      load: async (server) => secrets.get(server) ?? null,
      clear: async (server) => void secrets.delete(server),
    };
    await new DexieLocalStore(vault).saveSession(session);
    expect((await new DexieLocalStore().loadSession())?.refreshToken).toBe('');
    expect((await new DexieLocalStore(vault).loadSession())?.refreshToken).toBe('refresh-1');
  });
});

describe('DexieLocalStore docs', () => {
  it('stores a seeded doc at creation, once, and loads it back', async () => {
    const docs = new DexieLocalStore().docs(scope());
    await docs.create('13001/page/abcdefgh', (doc) => doc.getText('t').insert(0, 'graine'));
    await docs.create('13001/page/abcdefgh', (doc) => doc.getText('t').insert(0, 'seconde graine'));
    const local = await docs.open('13001/page/abcdefgh');
    expect(local.doc.getText('t').toString()).toBe('');
    await local.load();
    expect(local.doc.getText('t').toString()).toBe('graine');
    local.release();
    docs.close();
  });

  it('keeps every edit across release and reopen, in a fresh Y.Doc', async () => {
    const s = scope();
    const docs = new DexieLocalStore().docs(s);
    const first = await docs.open('13001/site');
    await first.load();
    first.doc.getMap('pages').set('p1', 'Accueil');
    first.doc.getMap('pages').set('p2', 'Actualités');
    first.release();

    const second = await docs.open('13001/site');
    expect(second.doc).not.toBe(first.doc);
    await second.load();
    expect(second.doc.getMap('pages').toJSON()).toEqual({ p1: 'Accueil', p2: 'Actualités' });
    second.release();
    docs.close();

    const afterRestart = new DexieLocalStore().docs(s);
    const third = await afterRestart.open('13001/site');
    await third.load();
    expect(third.doc.getMap('pages').get('p2')).toBe('Actualités');
    third.release();
    afterRestart.close();
  });

  it('keeps the docs of two agents apart', async () => {
    const alice = new DexieLocalStore().docs(scope());
    const bruno = new DexieLocalStore().docs(scope());
    const a = await alice.open('13001/site');
    await a.load();
    a.doc.getMap('pages').set('p1', 'Privé');
    const b = await bruno.open('13001/site');
    await b.load();
    expect(b.doc.getMap('pages').size).toBe(0);
    a.release();
    b.release();
    alice.close();
    bruno.close();
  });
});

describe('DexieLocalStore.readStates (the background sync reads rooms without opening them)', () => {
  it('gives what this computer holds of each room — every stored edit, and those only in the journal — and nothing for a room never stored', async () => {
    const storage = memoryStorage();
    const s = scope();
    const docs = new DexieLocalStore(undefined, storage).docs(s);
    const rooms = ['13001/page/lecture01', '13001/page/lecture02'];
    for (const [i, room] of rooms.entries()) {
      const local = await docs.open(room);
      await local.load();
      // Keystroke by keystroke: one stored row each, as an agent typing.
      for (const letter of `page ${i}`) local.doc.getText('t').insert(local.doc.getText('t').length, letter);
      local.release();
    }
    // An edit of the first room only in the journal (the window closed before IndexedDB wrote it).
    const lost = new Y.Doc();
    lost.getText('j').insert(0, 'journal');
    new WriteAheadJournal(storage, `${docsDbName(s.serverUrl, s.agentId)}|${rooms[0]}`).append(
      Y.encodeStateAsUpdateV2(lost),
    );
    await vi.waitFor(async () => expect((await docs.readStates(rooms)).size).toBe(2));

    const states = await docs.readStates([...rooms, '13001/page/jamaisvue']);
    expect([...states.keys()]).toEqual(rooms);
    const first = new Y.Doc();
    Y.applyUpdate(first, states.get(rooms[0]!)!);
    expect(first.getText('t').toString()).toBe('page 0');
    expect(first.getText('j').toString()).toBe('journal');
    const second = new Y.Doc();
    Y.applyUpdate(second, states.get(rooms[1]!)!);
    expect(second.getText('t').toString()).toBe('page 1');
    docs.close();
  });
});

describe('DexieLocalStore write-ahead journal', () => {
  it('replays local edits whose IndexedDB write never happened (window closed mid-write)', async () => {
    const storage = memoryStorage();
    const s = scope();
    const room = '13001/page/journal01';
    // What the journal holds when the window closed before IndexedDB committed an edit.
    const lost = new Y.Doc();
    lost.getText('t').insert(0, 'frappe perdue ?');
    new WriteAheadJournal(storage, `${docsDbName(s.serverUrl, s.agentId)}|${room}`).append(
      Y.encodeStateAsUpdateV2(lost),
    );

    const docs = new DexieLocalStore(undefined, storage).docs(s);
    const local = await docs.open(room);
    await local.load();
    expect(local.doc.getText('t').toString()).toBe('frappe perdue ?');
    await vi.waitFor(() => expect(storage.length).toBe(0));
    local.release();
    docs.close();

    // Replayed into IndexedDB: a store without the journal finds it too.
    const withoutJournal = new DexieLocalStore(undefined, memoryStorage()).docs(s);
    const again = await withoutJournal.open(room);
    await again.load();
    expect(again.doc.getText('t').toString()).toBe('frappe perdue ?');
    again.release();
    withoutJournal.close();
  });

  it('empties the journal once IndexedDB has committed the edits', async () => {
    const storage = memoryStorage();
    const docs = new DexieLocalStore(undefined, storage).docs(scope());
    const local = await docs.open('13001/site');
    await local.load();
    local.doc.getMap('pages').set('p1', 'Accueil');
    expect(storage.length).toBe(1);
    await vi.waitFor(() => expect(storage.length).toBe(0));
    local.release();
    docs.close();
  });
});

/**
 * The disk is full: IndexedDB refuses every new row of `storeName` as a browser does, with a
 * QuotaExceededError (thrown by fake-indexeddb's real IDBObjectStore.add). Returns the undo.
 */
function refuseWrites(storeName: string): () => void {
  const proto = IDBObjectStore.prototype;
  const add = proto.add;
  proto.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
    if (this.name === storeName) throw new DOMException('Le quota est dépassé', 'QuotaExceededError');
    return add.apply(this, args);
  };
  return () => {
    proto.add = add;
  };
}

describe('DexieLocalStore when the disk is full', () => {
  it('reports a change IndexedDB refused (QuotaExceededError), keeps it in memory and in the journal, and stores it at the next opening', async () => {
    const storage = memoryStorage();
    const s = scope();
    const room = '13001/page/quota001';
    const docs = new DexieLocalStore(undefined, storage).docs(s);
    const failures: LocalWriteFailure[] = [];
    const off = docs.onWriteFailure((failure) => failures.push(failure));
    const local = await docs.open(room);
    await local.load();
    const restore = refuseWrites('$docs.body_updates');
    try {
      local.doc.getText('t').insert(0, 'Conseil municipal jeudi à 18 h');
      await vi.waitFor(() => expect(failures).toEqual([{ room, quota: true, journaled: true }]));
      // The open doc still has it: its room's provider sends it to the server when online.
      expect(local.doc.getText('t').toString()).toBe('Conseil municipal jeudi à 18 h');
      const journal = new WriteAheadJournal(storage, `${docsDbName(s.serverUrl, s.agentId)}|${room}`);
      expect(journal.entries()).toHaveLength(1);
      local.release();
      off();
      docs.close();
    } finally {
      restore();
    }

    // Space was freed; the app is opened again: the change is replayed and written for good.
    const again = new DexieLocalStore(undefined, storage).docs(s);
    const reopened = await again.open(room);
    await reopened.load();
    expect(reopened.doc.getText('t').toString()).toBe('Conseil municipal jeudi à 18 h');
    await vi.waitFor(() => expect(storage.length).toBe(0));
    reopened.release();
    again.close();
    const withoutJournal = new DexieLocalStore(undefined, memoryStorage()).docs(s);
    const fromDisk = await withoutJournal.open(room);
    await fromDisk.load();
    expect(fromDisk.doc.getText('t').toString()).toBe('Conseil municipal jeudi à 18 h');
    fromDisk.release();
    withoutJournal.close();
  });

  it('says when the journal could not keep the change either (localStorage full too), and writes the open doc once space is freed', async () => {
    const storage = memoryStorage();
    const s = scope();
    const room = '13001/page/quota002';
    const docs = new DexieLocalStore(undefined, storage).docs(s);
    const failures: LocalWriteFailure[] = [];
    docs.onWriteFailure((failure) => failures.push(failure));
    let restored = 0;
    docs.onWritesRestored(() => (restored += 1));
    const local = await docs.open(room);
    await local.load();
    const setItem = storage.setItem;
    storage.setItem = () => {
      throw new DOMException('plein', 'QuotaExceededError');
    };
    const restore = refuseWrites('$docs.body_updates');
    try {
      local.doc.getText('t').insert(0, 'Avis de travaux');
      await vi.waitFor(() => expect(failures).toEqual([{ room, quota: true, journaled: false }]));
      // Still full: the retry fails and says so.
      expect(await docs.retryRefusedWrites()).toBe(false);
      expect(restored).toBe(0);
    } finally {
      restore();
      storage.setItem = setItem;
    }
    // Space freed: the page is still open, nothing is reopened.
    expect(await docs.retryRefusedWrites()).toBe(true);
    expect(restored).toBe(1);
    const elsewhere = new DexieLocalStore(undefined, memoryStorage()).docs(s);
    const fromDisk = await elsewhere.open(room);
    await fromDisk.load();
    expect(fromDisk.doc.getText('t').toString()).toBe('Avis de travaux');
    fromDisk.release();
    elsewhere.close();
    local.release();
    docs.close();
  });

  it('writes journaled changes of a page already closed once space is freed, and empties the journal', async () => {
    const storage = memoryStorage();
    const s = scope();
    const room = '13001/page/quota003';
    const docs = new DexieLocalStore(undefined, storage).docs(s);
    let failed = 0;
    docs.onWriteFailure(() => (failed += 1));
    const local = await docs.open(room);
    await local.load();
    const restore = refuseWrites('$docs.body_updates');
    try {
      local.doc.getText('t').insert(0, 'Marché de Noël');
      await vi.waitFor(() => expect(failed).toBe(1));
      local.release();
    } finally {
      restore();
    }
    expect(storage.length).toBe(1);
    expect(await docs.retryRefusedWrites()).toBe(true);
    expect(storage.length).toBe(0);
    const elsewhere = new DexieLocalStore(undefined, memoryStorage()).docs(s);
    const fromDisk = await elsewhere.open(room);
    await fromDisk.load();
    expect(fromDisk.doc.getText('t').toString()).toBe('Marché de Noël');
    fromDisk.release();
    elsewhere.close();
    docs.close();
  });

  it('recognizes the quota error wrapped by Dexie', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toBe(true);
    expect(isQuotaError(new Error('autre'))).toBe(false);
    expect(isQuotaError(undefined)).toBe(false);
  });
});

/** Fails instead of hanging: a room that never opens is the bug these tests look for. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} never resolved`)), 2000)),
  ]);
}

describe('DexieLocalStore: several holders of one room (the editor, the background sync)', () => {
  it('a holder that never loaded releases: the other still loads the shared doc', async () => {
    const docs = new DexieLocalStore().docs(scope());
    const a = await docs.open('r');
    const b = await docs.open('r');
    expect(b.doc).toBe(a.doc);
    a.release();
    await within(b.load(), 'b.load');
    b.doc.getText('t').insert(0, 'x');
    b.release();
    const c = await within(docs.open('r'), 'c.open');
    await within(c.load(), 'c.load');
    expect(c.doc.getText('t').toString()).toBe('x');
  });
  it('the first holder releases after loading: the second keeps the doc and loads it', async () => {
    const docs = new DexieLocalStore().docs(scope());
    const a = await docs.open('r');
    await a.load();
    const b = await docs.open('r');
    a.release();
    await within(b.load(), 'b.load');
    b.doc.getText('t').insert(0, 'y');
    b.release();
    const c = await within(docs.open('r'), 'c.open');
    await within(c.load(), 'c.load');
    expect(c.doc.getText('t').toString()).toBe('y');
  });
  it('one of two loaded holders releases: a third open is not kept waiting (the doc stays loaded)', async () => {
    const docs = new DexieLocalStore().docs(scope());
    const a = await docs.open('r');
    await a.load();
    const b = await docs.open('r');
    await b.load();
    a.release();
    const c = await within(docs.open('r'), 'c.open');
    await within(c.load(), 'c.load');
    b.release();
    c.release();
  });
  it('an open concurrent with the last release waits for the unload, then reads everything from storage', async () => {
    const docs = new DexieLocalStore().docs(scope());
    const a = await docs.open('r');
    await a.load();
    a.doc.getText('t').insert(0, 'z');
    const bOpening = docs.open('r');
    a.release();
    const b = await within(bOpening, 'b.open');
    await within(b.load(), 'b.load');
    expect(b.doc.getText('t').toString()).toBe('z');
  });
});
describe('DexieLocalStore.open({ unloaded })', () => {
  it('the editor asks for an unloaded doc while another holder has it loaded: waits for its release, then gets a fresh doc that loads everything', async () => {
    const docs = new DexieLocalStore().docs(scope());
    const a = await docs.open('r');
    await a.load();
    a.doc.getText('t').insert(0, 'w');
    let got = false;
    const e = docs.open('r', { unloaded: true }).then((h) => ((got = true), h));
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe(false);
    a.release();
    const h = await within(e, 'e.open');
    expect(h.doc).not.toBe(a.doc);
    expect(h.doc.getText('t').toString()).toBe('');
    await h.load();
    expect(h.doc.getText('t').toString()).toBe('w');
  });
});
