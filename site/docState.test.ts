// encodeDocState writes what Yjs writes for the doc's snapshot (Y.encodeSnapshot(Y.snapshot)),
// byte for byte: for random documents of several clients (text, lists, XML trees deleted with
// their children, merged and reordered deliveries), with and without garbage collection, and
// for an empty doc. Seeded; the seed is printed (DOC_STATE_SEED=n replays one).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeDocState } from './docState';
import { editRandomly, seededRandom as random } from './randomDocs';

const yjsEncoding = (doc: Y.Doc) => Y.encodeSnapshot(Y.snapshot(doc));

describe('the doc state a persisted-ack carries', () => {
  it('[HOT-12] is empty for an empty doc, as Yjs writes it', () => {
    const doc = new Y.Doc();
    expect(encodeDocState(doc)).toEqual(yjsEncoding(doc));
    expect([...encodeDocState(doc)]).toEqual([0, 0]);
  });

  it('[HOT-12] is what Yjs writes, byte for byte, for random documents of several clients', () => {
    const first = Number(process.env.DOC_STATE_SEED ?? Date.now() % 100_000);
    console.log(`doc state encoding: seeds ${first}… (DOC_STATE_SEED=${first} to replay)`);
    let withDeletions = 0;
    for (let seed = first; seed < first + 60; seed++) {
      const rand = random(seed);
      const gc = seed % 3 !== 0;
      const server = new Y.Doc({ gc });
      const writers = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => new Y.Doc({ gc }));
      for (let round = 0; round < 6; round++) {
        for (const writer of writers) {
          // Each writer starts from what the server had, edits, and sends its whole difference.
          Y.applyUpdate(writer, Y.encodeStateAsUpdate(server, Y.encodeStateVector(writer)));
          editRandomly(writer, rand, 1 + Math.floor(rand() * 12));
        }
        // Delivered in a random order (some merged), as a room receives them.
        const updates = writers.map((w) => Y.encodeStateAsUpdate(w, Y.encodeStateVector(server)));
        updates.sort(() => rand() - 0.5);
        if (rand() < 0.5) Y.applyUpdate(server, Y.mergeUpdates(updates));
        else for (const update of updates) Y.applyUpdate(server, update);
        expect(encodeDocState(server), `seed ${seed}, round ${round}`).toEqual(yjsEncoding(server));
      }
      if (Y.snapshot(server).ds.clients.size > 0) withDeletions += 1;
    }
    // The documents did delete (the delete set was written, not only the state vector).
    expect(withDeletions).toBeGreaterThan(50);
  });

  it('[HOT-12] is what Yjs writes for a document of many deletions, and for a small one after it', () => {
    // 40,000 deleted ranges, ~150 KB written: the encoder's buffers grow past the 64 KiB kept
    // between calls (100 bytes, doubling: the last one 102,400), and the next call starts anew.
    const large = new Y.Doc();
    const text = large.getText('t');
    text.insert(0, 'x'.repeat(80_000));
    large.transact(() => {
      for (let at = 79_998; at >= 0; at -= 2) text.delete(at, 1);
    });
    const written = encodeDocState(large);
    expect(written.byteLength).toBeGreaterThan(102_300);
    expect(written).toEqual(yjsEncoding(large));
    const small = new Y.Doc();
    small.getText('t').insert(0, 'Bonjour');
    small.getText('t').delete(0, 3);
    expect(encodeDocState(small)).toEqual(yjsEncoding(small));
    expect(encodeDocState(large)).toEqual(written);
  });

  it('[HOT-12] orders client ids above 2^31 and 2^32 as Yjs does', () => {
    const server = new Y.Doc();
    for (const clientID of [3, 2 ** 31 + 1, 2 ** 32 + 5, 2 ** 31 - 1]) {
      const writer = new Y.Doc();
      writer.clientID = clientID;
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
      writer.getText('t').insert(0, `client ${clientID} `);
      writer.getText('t').delete(0, 2);
      Y.applyUpdate(server, Y.encodeStateAsUpdate(writer));
    }
    expect(encodeDocState(server)).toEqual(yjsEncoding(server));
  });
});
