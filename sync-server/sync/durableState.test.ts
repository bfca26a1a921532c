// The state a room acknowledges as durable when it keeps no copy of it ([DUR-3]): the doc's
// state before its first unsaved transaction, computed from that transaction, is exactly what
// `encodeDocState` gave before it — for random documents and random edits (inserts, deletions
// of old and new content, several clients, merged updates). Seeded; the seed is printed.
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { encodeDocState } from '../../site/syncProtocol';
import { encodeDocStateBefore } from './durableState';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function editRandomly(doc: Y.Doc, rand: () => number, steps: number): void {
  const text = doc.getText('t');
  const list = doc.getArray<number>('a');
  for (let i = 0; i < steps; i++) {
    const choice = rand();
    if (choice < 0.4 || text.length === 0)
      text.insert(Math.floor(rand() * (text.length + 1)), 'abcdef'.slice(0, 1 + Math.floor(rand() * 6)));
    else if (choice < 0.75) {
      const at = Math.floor(rand() * text.length);
      text.delete(at, Math.min(text.length - at, 1 + Math.floor(rand() * 5)));
    } else if (choice < 0.9 || list.length === 0) list.push([i]);
    else list.delete(Math.floor(rand() * list.length), 1);
  }
}

describe('durable state before a transaction', () => {
  it('[DUR-3] equals the state encoded just before it, for random documents and edits', () => {
    const seed = Number(process.env.DURABLE_SEED ?? Date.now() % 1_000_000_007);
    console.log(`durable state before: seed ${seed} (DURABLE_SEED=${seed} to replay)`);
    const rand = random(seed);
    for (let round = 0; round < 300; round++) {
      const server = new Y.Doc();
      const clients = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
      for (const client of clients) {
        editRandomly(client, rand, 1 + Math.floor(rand() * 30));
        Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
      }
      // Each client catches up on some of the others, then edits (deleting old content too).
      const writer = clients[Math.floor(rand() * clients.length)]!;
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
      editRandomly(writer, rand, 1 + Math.floor(rand() * 20));
      const update = Y.encodeStateAsUpdate(writer, Y.encodeStateVector(server));
      const expected = encodeDocState(server);
      let computed: Uint8Array | null = null;
      server.on('update', (_u: Uint8Array, _o: unknown, doc: Y.Doc, transaction: Y.Transaction) => {
        computed = encodeDocStateBefore(doc, transaction);
      });
      Y.applyUpdate(server, update);
      expect(computed, `round ${round}`).not.toBeNull();
      expect(
        Y.equalSnapshots(Y.decodeSnapshot(computed!), Y.decodeSnapshot(expected)),
        `seed ${seed}, round ${round}`,
      ).toBe(true);
    }
  });
});
