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
  const body = doc.getXmlFragment('body');
  for (let i = 0; i < steps; i++) {
    const choice = rand();
    if (choice < 0.25 || text.length === 0) {
      text.insert(Math.floor(rand() * (text.length + 1)), 'abcdef'.slice(0, 1 + Math.floor(rand() * 6)));
    } else if (choice < 0.45) {
      const at = Math.floor(rand() * text.length);
      text.delete(at, Math.min(text.length - at, 1 + Math.floor(rand() * 5)));
    } else if (choice < 0.55 || list.length === 0) list.push([i]);
    else if (choice < 0.6) list.delete(Math.floor(rand() * list.length), 1);
    else if (choice < 0.75 || body.length === 0) {
      // A paragraph with text inside: deleting it later leaves children that arrive collected.
      const paragraph = new Y.XmlElement('p');
      paragraph.insert(0, [new Y.XmlText('x'.repeat(1 + Math.floor(rand() * 4)))]);
      body.insert(Math.floor(rand() * (body.length + 1)), [paragraph]);
    } else if (choice < 0.88) {
      const paragraph = body.get(Math.floor(rand() * body.length));
      if (paragraph instanceof Y.XmlElement) paragraph.insert(paragraph.length, [new Y.XmlText('y')]);
    } else body.delete(Math.floor(rand() * body.length), 1);
  }
}

describe('durable state before a transaction', () => {
  it('[DUR-3] equals the state encoded just before it, for random documents and edits', () => {
    const seed = Number(process.env.DURABLE_SEED ?? Date.now() % 1_000_000_007);
    console.log(`durable state before: seed ${seed} (DURABLE_SEED=${seed} to replay)`);
    const rand = random(seed);
    let collected = 0;
    for (let round = 0; round < 300; round++) {
      const server = new Y.Doc();
      const clients = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
      for (const client of clients) {
        editRandomly(client, rand, 1 + Math.floor(rand() * 30));
        Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
      }
      // The writer catches up on the others or not: unaware, it writes into paragraphs they
      // deleted, and the server integrates those children already collected.
      const writer = clients[Math.floor(rand() * clients.length)]!;
      if (rand() < 0.5) Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
      editRandomly(writer, rand, 1 + Math.floor(rand() * 20));
      const update = Y.encodeStateAsUpdate(writer, Y.encodeStateVector(server));
      const expected = encodeDocState(server);
      let computed: Uint8Array | null = null;
      server.on('update', (_u: Uint8Array, _o: unknown, doc: Y.Doc, transaction: Y.Transaction) => {
        computed = encodeDocStateBefore(doc, transaction);
      });
      Y.applyUpdate(server, update);
      const after = Y.decodeSnapshot(encodeDocState(server));
      const before = Y.decodeSnapshot(expected);
      if (!Y.equalDeleteSets(after.ds, before.ds)) collected += 1;
      expect(computed, `round ${round}`).not.toBeNull();
      expect(Y.equalSnapshots(Y.decodeSnapshot(computed!), before), `seed ${seed}, round ${round}`).toBe(
        true,
      );
    }
    expect(collected).toBeGreaterThan(0);
  });

  it('[DUR-3] never claims what a transaction opened by an observer deleted', () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    client.getText('t').insert(0, 'bonjour le monde');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
    const expected = Y.decodeSnapshot(encodeDocState(server));
    // An observer that deletes old content inside the client's transaction.
    server.getText('t').observe((event) => {
      if (!event.transaction.local) server.getText('t').delete(0, 3);
    });
    let computed: Uint8Array | null = null;
    server.on('update', (_u: Uint8Array, _o: unknown, doc: Y.Doc, transaction: Y.Transaction) => {
      computed ??= encodeDocStateBefore(doc, transaction);
    });
    client.getText('t').insert(16, ' !');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)));
    expect(server.getText('t').toString()).toBe('jour le monde !');
    expect(Y.equalSnapshots(Y.decodeSnapshot(computed!), expected)).toBe(true);
  });
});
