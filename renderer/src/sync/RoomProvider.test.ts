import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { encodeDocState, isCoveredBy, MESSAGE_SYNC } from '../../../site/syncProtocol';
import type { LocalDoc } from '../store/LocalStore';
import { RoomProvider } from './RoomProvider';

function localDoc(doc: Y.Doc): LocalDoc {
  return {
    room: '13001/page/roomprovider1',
    doc,
    load: () => Promise.resolve(),
    whenLoaded: Promise.resolve(),
    release: () => undefined,
  };
}

/** A colleague's edit as a y-websocket update message. */
function colleagueUpdate(text: string): Uint8Array {
  const colleague = new Y.Doc();
  colleague.getText('t').insert(0, text);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(colleague));
  return encoding.toUint8Array(encoder);
}

/** Reads `message` as y-websocket does: from the socket (emitSynced) or from another tab. */
function read(provider: RoomProvider, message: Uint8Array, fromSocket: boolean): void {
  const decoder = decoding.createDecoder(message);
  const type = decoding.readVarUint(decoder);
  provider.messageHandlers[type]!(encoding.createEncoder(), decoder, provider, fromSocket, type);
}

describe('RoomProvider', () => {
  // y-websocket names the global WebSocket (Node 20 has none); never opened here (connect: false).
  beforeAll(() => vi.stubGlobal('WebSocket', class {}));
  afterAll(() => vi.unstubAllGlobals());

  it('[SYNC-7] counts as received what the server sent, not what another tab of this browser did', () => {
    const doc = new Y.Doc();
    const provider = new RoomProvider('http://127.0.0.1:9', localDoc(doc), 'token');
    try {
      const durable = encodeDocState(doc);
      read(provider, colleagueUpdate('Relayé par le serveur'), true);
      expect(isCoveredBy(encodeDocState(doc), durable, provider.received)).toBe(true);
      // Another tab's edit (BroadcastChannel) may not be on the server yet.
      read(provider, colleagueUpdate('Écrit dans un autre onglet'), false);
      expect(doc.getText('t').length).toBeGreaterThan(30);
      expect(isCoveredBy(encodeDocState(doc), durable, provider.received)).toBe(false);
    } finally {
      provider.destroy();
    }
  });
});
