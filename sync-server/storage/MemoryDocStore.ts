/** In-memory DocStore: for tests and as the reference behaviour of the contract suite. */
import * as Y from 'yjs';
import { inseeOfRoom, type DocStore, type RoomSeq, type StoredDoc } from './DocStore';

interface MemoryRoom {
  rows: Uint8Array[];
  seq: number;
}

export class MemoryDocStore implements DocStore {
  private readonly rooms = new Map<string, MemoryRoom>();
  private closed = false;

  private check(): void {
    if (this.closed) throw new Error('MemoryDocStore is closed');
  }

  async loadDoc(room: string): Promise<StoredDoc> {
    this.check();
    const entry = this.rooms.get(room);
    return { updates: entry ? entry.rows.map((u) => u.slice()) : [], seq: entry?.seq ?? 0 };
  }

  async appendUpdates(room: string, updates: Uint8Array[]): Promise<number> {
    this.check();
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { rows: [], seq: 0 };
      this.rooms.set(room, entry);
    }
    for (const update of updates) {
      entry.rows.push(update.slice());
      entry.seq += 1;
    }
    return entry.seq;
  }

  async countUpdates(room: string): Promise<number> {
    this.check();
    return this.rooms.get(room)?.rows.length ?? 0;
  }

  async compact(room: string): Promise<void> {
    this.check();
    const entry = this.rooms.get(room);
    if (!entry || entry.rows.length <= 1) return;
    entry.rows = [Y.mergeUpdates(entry.rows)];
  }

  async listRooms(insee: string): Promise<RoomSeq[]> {
    this.check();
    return [...this.rooms.entries()]
      .filter(([room]) => inseeOfRoom(room) === insee)
      .map(([room, entry]) => ({ room, seq: entry.seq }))
      .sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  async deleteCommune(insee: string): Promise<number> {
    this.check();
    const rooms = [...this.rooms.keys()].filter((room) => inseeOfRoom(room) === insee);
    for (const room of rooms) this.rooms.delete(room);
    return rooms.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
