// Snapshots of page bodies kept on this computer: at the start and end of every editing
// session, at every publication, and before a restore. Each is the doc's full Yjs state, so
// it can be read back exactly (site/pageBody) even after the live doc moved on.
import { Dexie, type EntityTable } from 'dexie';
import * as Y from 'yjs';

export type SnapshotReason = 'session-start' | 'session-end' | 'publication' | 'before-restore';

export const REASON_FR: Record<SnapshotReason, string> = {
  'session-start': 'Ouverture de la page',
  'session-end': 'Fin d’une session d’édition',
  publication: 'Publication du site',
  'before-restore': 'Avant une restauration',
};

export interface Snapshot {
  id?: number;
  room: string;
  takenAt: number;
  reason: SnapshotReason;
  by: string;
  /** Y.encodeStateAsUpdate of the page doc. */
  state: Uint8Array;
  /** Y.encodeStateVector, to skip a snapshot identical to the previous one. */
  vector: Uint8Array;
}

type HistoryDb = Dexie & { snapshots: EntityTable<Snapshot, 'id'> };

/** Snapshots kept per page (the oldest session snapshots go first; publications are kept). */
export const MAX_SNAPSHOTS_PER_PAGE = 50;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class HistoryStore {
  private readonly db: HistoryDb;

  constructor(name: string) {
    this.db = new Dexie(name) as HistoryDb;
    this.db.version(1).stores({ snapshots: '++id, room, [room+takenAt]' });
  }

  /** Records the doc's state unless it equals the last snapshot of the room. */
  async take(
    room: string,
    doc: Y.Doc,
    reason: SnapshotReason,
    by: string,
    now = Date.now(),
  ): Promise<boolean> {
    // Both read synchronously: the doc may be released right after this call (page closed).
    const vector = Y.encodeStateVector(doc);
    const state = Y.encodeStateAsUpdate(doc);
    const last = await this.db.snapshots.where('[room+takenAt]').between([room, 0], [room, Infinity]).last();
    if (last && sameBytes(last.vector, vector) && reason !== 'publication') return false;
    await this.db.snapshots.add({ room, takenAt: now, reason, by, state, vector });
    const all = await this.db.snapshots.where('room').equals(room).sortBy('takenAt');
    const excess = all.length - MAX_SNAPSHOTS_PER_PAGE;
    if (excess > 0) {
      const drop = all.filter((s) => s.reason !== 'publication').slice(0, excess);
      await this.db.snapshots.bulkDelete(drop.map((s) => s.id!));
    }
    return true;
  }

  async list(room: string): Promise<Snapshot[]> {
    return (await this.db.snapshots.where('room').equals(room).sortBy('takenAt')).reverse();
  }

  close(): void {
    this.db.close();
  }
}

export function historyDbName(serverUrl: string, agentId: string): string {
  return `usine-a-sites-history:${serverUrl}:${agentId}`;
}
