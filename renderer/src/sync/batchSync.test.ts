// The editor's side of the batched sync: a doc is « saved » only when the answer's ack covers
// it; a room left out, refused, unreadable or not acknowledged goes back to its socket. The
// server here answers in-process with the codec (the real server's side is tested in
// sync-server/tests/syncBatch.test.ts, and the whole path by the journey [sync-2]).
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CLOSE, encodeDocState, encodePersistedAck, MESSAGE_SYNC } from '../../../site/syncProtocol';
import { decodeBatch, encodeBatch, LEFT_OUT, type BatchEntry } from '../../../site/syncBatch';
import { syncInBatch } from './batchSync';

const room = (id: string) => `13001/page/${id}`;

/** A server holding one doc per page id; `answer` may alter its answer per entry. */
function server(answer: (entry: BatchEntry, doc: Y.Doc) => BatchEntry = (e) => e) {
  const docs = new Map<string, Y.Doc>();
  const requests: BatchEntry[][] = [];
  const post = async (body: Uint8Array) => {
    const entries = decodeBatch(body);
    requests.push(entries);
    return encodeBatch(
      entries.map((entry) => {
        const doc = docs.get(entry.pageId) ?? new Y.Doc();
        docs.set(entry.pageId, doc);
        const out: Uint8Array[] = [];
        for (const message of entry.messages) {
          const decoder = decoding.createDecoder(message);
          decoding.readVarUint(decoder);
          const encoder = encoding.createEncoder();
          encoding.writeVarUint(encoder, MESSAGE_SYNC);
          const type = syncProtocol.readSyncMessage(decoder, encoder, doc, null);
          if (type === syncProtocol.messageYjsSyncStep1) {
            out.push(encoding.toUint8Array(encoder));
            const step1 = encoding.createEncoder();
            encoding.writeVarUint(step1, MESSAGE_SYNC);
            syncProtocol.writeSyncStep1(step1, doc);
            out.push(encoding.toUint8Array(step1));
          } else out.push(encodePersistedAck(encodeDocState(doc)));
        }
        return answer({ pageId: entry.pageId, close: 0, messages: out }, doc);
      }),
    );
  };
  return { docs, requests, post };
}

describe('syncInBatch', () => {
  it('sends each doc’s changes in two requests, brings the server’s down, and says « saved » only for what the ack covers', async () => {
    const s = server();
    const there = new Y.Doc();
    there.getText('t').insert(0, 'du serveur ');
    s.docs.set('pagebbbb', there);
    const a = new Y.Doc();
    a.getText('t').insert(0, 'hors ligne A');
    const b = new Y.Doc();
    b.getText('t').insert(0, 'hors ligne B');
    const outcome = await syncInBatch(
      [
        { room: room('pageaaaa'), doc: a },
        { room: room('pagebbbb'), doc: b },
      ],
      s.post,
    );
    expect(s.requests.map((r) => r.length)).toEqual([2, 2]);
    expect([...outcome.values()]).toEqual(['saved', 'saved']);
    expect(s.docs.get('pageaaaa')!.getText('t').toString()).toBe('hors ligne A');
    expect(b.getText('t').toString()).toContain('du serveur');
    expect(s.docs.get('pagebbbb')!.getText('t').toString()).toContain('hors ligne B');
  });

  it('leaves to their socket the rooms left out, refused, unreadable or not acknowledged', async () => {
    const ids = ['leftoutx', 'refusedx', 'brokenxx', 'noackxxx', 'goodxxxx'];
    const s = server((entry) => {
      if (entry.pageId === 'leftoutx') return { ...entry, close: LEFT_OUT, messages: [] };
      if (entry.pageId === 'refusedx') return { ...entry, close: CLOSE.TOO_FAST.code, messages: [] };
      if (entry.pageId === 'brokenxx') return { ...entry, messages: [new Uint8Array([0, 1, 200])] };
      if (entry.pageId === 'noackxxx')
        return { ...entry, messages: entry.messages.filter((m) => m[0] !== 100) };
      return entry;
    });
    const docs = ids.map((id) => {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, id);
      return { room: room(id), doc };
    });
    const outcome = await syncInBatch(docs, s.post);
    expect(Object.fromEntries(outcome)).toEqual({
      [room('leftoutx')]: 'use-socket',
      [room('refusedx')]: 'use-socket',
      [room('brokenxx')]: 'use-socket',
      [room('noackxxx')]: 'use-socket',
      [room('goodxxxx')]: 'saved',
    });
  });

  it('an ack that does not cover this computer’s doc is not « saved » (a relecteur’s edit dropped)', async () => {
    const s = server((entry) => ({
      ...entry,
      // The server kept nothing of what was sent: its ack is its state before.
      messages: entry.messages.map((m) =>
        m[0] === 100 ? encodePersistedAck(encodeDocState(new Y.Doc())) : m,
      ),
    }));
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'refusé');
    const outcome = await syncInBatch([{ room: room('relecteu'), doc }], s.post);
    expect(outcome.get(room('relecteu'))).toBe('use-socket');
  });

  it('a failed request is thrown to the caller (who uses the sockets)', async () => {
    const doc = new Y.Doc();
    await expect(
      syncInBatch([{ room: room('horsligne'), doc }], () => Promise.reject(new Error('injoignable'))),
    ).rejects.toThrow('injoignable');
  });
});
