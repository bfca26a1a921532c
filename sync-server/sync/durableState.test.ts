// The state a room acknowledges as durable when it keeps no copy of it ([DUR-3]): the doc's
// state before its first unsaved transaction, computed from that transaction, is exactly what
// `encodeDocState` gave before it — for random documents and random edits (inserts, deletions
// of old and new content, several clients, merged updates). Seeded; the seed is printed.
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { editRandomly, seededRandom as random } from '../../site/randomDocs';
import { encodeDocState } from '../../site/syncProtocol';
import { encodeDocStateBefore } from './durableState';

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
