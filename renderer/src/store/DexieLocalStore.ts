// LocalStore on IndexedDB: the session in one small Dexie database, and the Y.Docs of each
// (server, agent) pair in their own database, persisted by y-dexie (one row per room, its
// `body` a Y.Doc whose updates y-dexie appends to a companion table and merges on load).
import { Dexie, type EntityTable } from 'dexie';
import yDexie, { DexieYProvider } from 'y-dexie';
import * as Y from 'yjs';
import type { Session } from '../auth/Session';
import type { LocalDoc, LocalDocs, LocalStore, LocalWriteFailure } from './LocalStore';
import { WriteAheadJournal } from './WriteAheadJournal';

/** Keeps the refresh token somewhere safer than IndexedDB (Electron's safeStorage). */
export interface SecretVault {
  save(serverUrl: string, refreshToken: string): Promise<boolean>;
  load(serverUrl: string): Promise<string | null>;
  clear(serverUrl: string): Promise<void>;
}

interface SessionRow {
  key: 'current';
  session: Session;
}

interface DocRow {
  room: string;
  body: Y.Doc;
}

type SessionDb = Dexie & { session: EntityTable<SessionRow, 'key'> };
type DocsDb = Dexie & { docs: EntityTable<DocRow, 'room'> };

const SESSION_DB = 'usine-a-sites';
const DOCS_TABLE = 'docs';
const BODY_PROP = 'body';
/** The companion table where y-dexie appends the updates of `docs.body`. */
const BODY_UPDATES_TABLE = `$${DOCS_TABLE}.${BODY_PROP}_updates`;
const ORIGIN_JOURNAL_REPLAY = 'usine:journal-replay';
/** How often a write refused by IndexedDB (disk full) is tried again. */
const RETRY_REFUSED_MS = 15_000;

/** Dexie wraps the browser's error (its `inner`); either may carry the quota's name. */
export function isQuotaError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 3; depth += 1) {
    const { name, inner } = e as { name?: unknown; inner?: unknown };
    if (name === 'QuotaExceededError') return true;
    e = inner;
  }
  return false;
}

function defaultJournalStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function docsDbName(serverUrl: string, agentId: string): string {
  return `usine-a-sites:${serverUrl}:${agentId}`;
}

export class DexieLocalStore implements LocalStore {
  private readonly db: SessionDb;

  constructor(
    private readonly vault?: SecretVault,
    private readonly journalStorage: Storage | undefined = defaultJournalStorage(),
  ) {
    this.db = new Dexie(SESSION_DB) as SessionDb;
    this.db.version(1).stores({ session: 'key' });
  }

  async loadSession(): Promise<Session | undefined> {
    const row = await this.db.session.get('current');
    if (!row) return undefined;
    if (!this.vault) return row.session;
    const refreshToken = (await this.vault.load(row.session.serverUrl).catch(() => null)) ?? '';
    return { ...row.session, refreshToken };
  }

  async saveSession(session: Session): Promise<void> {
    let stored = session;
    if (this.vault) {
      // Whether or not the vault accepts it, the refresh token never goes to IndexedDB here.
      await this.vault.save(session.serverUrl, session.refreshToken).catch(() => false);
      stored = { ...session, refreshToken: '' };
    }
    await this.db.session.put({ key: 'current', session: stored });
  }

  async clearSession(): Promise<void> {
    const row = await this.db.session.get('current');
    if (row && this.vault) await this.vault.clear(row.session.serverUrl).catch(() => undefined);
    await this.db.session.delete('current');
  }

  docs(scope: { serverUrl: string; agentId: string }): LocalDocs {
    return new DexieLocalDocs(docsDbName(scope.serverUrl, scope.agentId), this.journalStorage);
  }
}

class DexieLocalDocs implements LocalDocs {
  private readonly db: DocsDb;
  /** Rooms open now (or being unloaded), with their shared doc and how many handles hold it. */
  private readonly opened = new Map<string, SharedDoc>();
  private readonly failureListeners = new Set<(failure: LocalWriteFailure) => void>();

  onWriteFailure(listener: (failure: LocalWriteFailure) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private reportWriteFailure(failure: LocalWriteFailure, error: unknown, doc: Y.Doc): void {
    console.error(`Écriture locale de ${failure.room} impossible`, error);
    this.refused.set(failure.room, doc);
    this.retryTimer ??= setInterval(() => void this.retryRefusedWrites(), RETRY_REFUSED_MS);
    for (const listener of [...this.failureListeners]) listener(failure);
  }

  /** Rooms with a refused write, and their doc (destroyed once released). */
  private readonly refused = new Map<string, Y.Doc>();
  private retryTimer: ReturnType<typeof setInterval> | undefined;
  private readonly restoredListeners = new Set<() => void>();

  onWritesRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => this.restoredListeners.delete(listener);
  }

  /**
   * Writes again what IndexedDB refused: the whole state of a doc still open (it has every
   * change, journaled or not), else the journal's entries; forgets them from the journal once
   * committed. True when nothing refused is left.
   */
  async retryRefusedWrites(): Promise<boolean> {
    for (const [room, doc] of [...this.refused]) {
      const journal = this.journal(room);
      const entries = journal.entries();
      const rows: Uint8Array[] = doc.isDestroyed ? entries : [Y.encodeStateAsUpdateV2(doc)];
      try {
        if (rows.length > 0)
          await this.db.table(BODY_UPDATES_TABLE).bulkAdd(rows.map((u) => ({ k: room, u, f: 1 })));
        entries.forEach((u) => journal.remove(u));
        if (this.refused.get(room) === doc) this.refused.delete(room);
      } catch {
        // Still no room: tried again later.
      }
    }
    if (this.refused.size > 0) return false;
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    for (const listener of [...this.restoredListeners]) listener();
    return true;
  }

  constructor(
    private readonly name: string,
    private readonly journalStorage: Storage | undefined,
  ) {
    this.db = new Dexie(name, { addons: [yDexie] }) as DocsDb;
    this.db.version(1).stores({ [DOCS_TABLE]: `room, ${BODY_PROP}: Y.Doc` });
    this.forgetCommittedUpdates();
  }

  async create(room: string, seed: (doc: Y.Doc) => void): Promise<void> {
    await this.unloadedOf(room);
    const initial = new Y.Doc();
    try {
      seed(initial);
      await this.db.transaction('rw', this.db.table(DOCS_TABLE), async () => {
        if (await this.db.docs.get(room)) return;
        // y-dexie stores a Y.Doc given to add() as the doc's first update.
        await this.db.docs.add({ room, body: initial } as DocRow);
      });
    } finally {
      initial.destroy();
    }
  }

  async open(room: string, options: { unloaded?: boolean } = {}): Promise<LocalDoc> {
    await this.db.transaction('rw', this.db.table(DOCS_TABLE), async () => {
      if (!(await this.db.docs.get(room))) await this.db.docs.add({ room } as DocRow);
    });
    // A doc being unloaded is never handed out: wait until y-dexie has destroyed it.
    for (;;) {
      const shared = this.opened.get(room);
      if (!shared) break;
      if (shared.holders > 0 && !options.unloaded) return this.handle(room, shared);
      await shared.gone;
    }
    const doc = DexieYProvider.getOrCreateDocument(this.db, DOCS_TABLE, BODY_PROP, room);
    const shared = this.sharedDoc(room, doc);
    this.opened.set(room, shared);
    return this.handle(room, shared);
  }

  /** Resolves once `room` has no doc in memory (none open, none being unloaded). */
  private async unloadedOf(room: string): Promise<void> {
    for (let shared = this.opened.get(room); shared; shared = this.opened.get(room)) await shared.gone;
  }

  async readStates(rooms: readonly string[]): Promise<Map<string, Uint8Array>> {
    // The journal first: an update being written now is either still in it, or committed
    // before the read below starts (an entry leaves the journal once its write committed).
    const journaled = new Map(rooms.map((room) => [room, this.journal(room).entries()]));
    const stored = await this.readStoredUpdates(rooms);
    const states = new Map<string, Uint8Array>();
    for (const room of rooms) {
      // Edits whose IndexedDB write was cut short are in the journal (replayed at next opening).
      const updates = [...(stored.get(room) ?? []), ...journaled.get(room)!];
      if (updates.length > 0) states.set(room, Y.convertUpdateFormatV2ToV1(Y.mergeUpdatesV2(updates)));
    }
    return states;
  }

  /**
   * y-dexie's rows of each room (V2 updates, index `k` of its updates table), read in one
   * IndexedDB transaction straight from the browser's API: through Dexie, each read of a
   * table being written to replays the pending writes over the result (its live-query cache),
   * which took a second for 32 pages edited offline (one row per keystroke).
   */
  private async readStoredUpdates(rooms: readonly string[]): Promise<Map<string, Uint8Array[]>> {
    await this.db.open();
    const idb = this.db.backendDB();
    return new Promise((resolve, reject) => {
      const byRoom = new Map<string, Uint8Array[]>();
      const tx = idb.transaction(BODY_UPDATES_TABLE, 'readonly');
      const index = tx.objectStore(BODY_UPDATES_TABLE).index('k');
      for (const room of rooms) {
        const request = index.getAll(IDBKeyRange.only(room));
        request.onsuccess = () => {
          const rows = request.result as Array<{ u: Uint8Array }>;
          if (rows.length > 0)
            byRoom.set(
              room,
              rows.map((row) => row.u),
            );
        };
      }
      tx.oncomplete = () => resolve(byRoom);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  private journal(room: string): WriteAheadJournal {
    return new WriteAheadJournal(this.journalStorage, `${this.name}|${room}`);
  }

  /**
   * Watches y-dexie's writes of doc updates (a DBCore middleware on its updates table) and
   * forgets each journaled update when the IndexedDB transaction that wrote it completes.
   */
  private forgetCommittedUpdates(): void {
    this.db.use({
      stack: 'dbcore',
      name: 'usineWriteAheadJournal',
      create: (down) => ({
        ...down,
        table: (tableName) => {
          const table = down.table(tableName);
          if (tableName !== BODY_UPDATES_TABLE) return table;
          return {
            ...table,
            mutate: (req) => {
              const result = table.mutate(req);
              if (req.type === 'add') {
                const written = (req.values as { k?: unknown; u?: unknown }[]).filter(
                  (v): v is { k: string; u: Uint8Array } =>
                    typeof v.k === 'string' && v.u instanceof Uint8Array,
                );
                const trans = req.trans as unknown as Partial<IDBTransaction>;
                if (written.length > 0 && typeof trans.addEventListener === 'function') {
                  // Forgotten only if the write itself succeeded AND its transaction committed:
                  // a refused row (disk full) in a transaction that still completes stays journaled.
                  let added = false;
                  let committed = false;
                  const forget = () => {
                    if (added && committed) for (const { k, u } of written) this.journal(k).remove(u);
                  };
                  result.then(
                    (res) => {
                      added = res.numFailures === 0;
                      forget();
                    },
                    () => undefined,
                  );
                  trans.addEventListener('complete', () => {
                    committed = true;
                    forget();
                  });
                }
              }
              return result;
            },
          };
        },
      }),
    });
  }

  /** Journals each update y-dexie is about to write (the same bytes: its V2 update). */
  private journalUpdates(
    room: string,
    doc: Y.Doc,
  ): { journal: WriteAheadJournal; stop: () => void; allKept: () => boolean } {
    const journal = this.journal(room);
    // Conservative: once one update could not be journaled, the journal is not trusted.
    let allKept = true;
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (!(origin instanceof DexieYProvider) && !journal.append(update)) allKept = false;
    };
    doc.on('updateV2', onUpdate);
    return { journal, stop: () => doc.off('updateV2', onUpdate), allKept: () => allKept };
  }

  /** The doc of one open room, loaded at most once whatever the number of its handles. */
  private sharedDoc(room: string, doc: Y.Doc): SharedDoc {
    let loading: Promise<void> | undefined;
    let resolveLoaded: () => void = () => {};
    const whenLoaded = new Promise<void>((resolve) => (resolveLoaded = resolve));
    const { journal, stop, allKept } = this.journalUpdates(room, doc);
    doc.on('destroy', stop);
    // y-dexie reports a failed write of an update on its provider: the doc in memory (and so
    // the server, once online) still has the change, and the journal keeps it for next time.
    const onError = (error: unknown) =>
      this.reportWriteFailure({ room, quota: isQuotaError(error), journaled: allKept() }, error, doc);
    const gone = new Promise<void>((resolve) =>
      doc.on('destroy', () => {
        if (this.opened.get(room)?.doc === doc) this.opened.delete(room);
        resolve();
      }),
    );
    return {
      doc,
      holders: 0,
      gone,
      whenLoaded,
      load() {
        if (!loading) {
          const provider = DexieYProvider.load(doc);
          provider.on('error', onError);
          loading = provider.whenLoaded.then(() => {
            replayJournal(doc, journal);
            resolveLoaded();
          });
        }
        return loading;
      },
      unload() {
        if (loading) DexieYProvider.release(doc);
        else doc.destroy();
      },
    };
  }

  /** One caller's hold on a shared doc; the last release unloads it. */
  private handle(room: string, shared: SharedDoc): LocalDoc {
    shared.holders += 1;
    let released = false;
    return {
      room,
      doc: shared.doc,
      whenLoaded: shared.whenLoaded,
      load: () => (released ? Promise.reject(new Error(`${room} was released`)) : shared.load()),
      release: () => {
        if (released) return;
        released = true;
        shared.holders -= 1;
        // Kept in `opened` until destroyed: a new open waits for it to be gone.
        if (shared.holders === 0) shared.unload();
      },
    };
  }

  close(): void {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    this.db.close();
  }
}

/** One room's doc shared by the handles open on it. */
interface SharedDoc {
  readonly doc: Y.Doc;
  /** Handles not released yet; at 0 the doc is being unloaded. */
  holders: number;
  /** Resolves once y-dexie has destroyed the doc (the room is then closed). */
  readonly gone: Promise<void>;
  readonly whenLoaded: Promise<void>;
  load(): Promise<void>;
  /** Unloads the doc from memory (y-dexie destroys it). */
  unload(): void;
}

/** Local edits whose IndexedDB write was cut short by the last unload, applied once loaded. */
function replayJournal(doc: Y.Doc, journal: WriteAheadJournal): void {
  const pending = journal.entries();
  if (pending.length === 0) return;
  // What they add is journaled again, as one new update, by the same transaction.
  Y.transact(doc, () => pending.forEach((u) => Y.applyUpdateV2(doc, u)), ORIGIN_JOURNAL_REPLAY);
  pending.forEach((u) => journal.remove(u));
}
