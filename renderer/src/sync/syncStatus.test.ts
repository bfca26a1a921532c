import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeDocState, trackReceived } from '../../../site/syncProtocol';
import {
  deriveSyncStatus,
  roomIsSaved,
  pendingWorkOf,
  pendingWorkText,
  type RoomFacts,
  syncStatusText,
} from './syncStatus';

function docWithEdits(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return doc;
}

function facts(doc: Y.Doc, overrides: Partial<RoomFacts> = {}): RoomFacts {
  return {
    room: '13001/site',
    connected: true,
    firstAttemptPending: false,
    synced: true,
    localState: encodeDocState(doc),
    durableState: encodeDocState(doc),
    ...overrides,
  };
}

describe('roomIsSaved', () => {
  it('[SYNC-7] a reader is saved while a colleague types: the edits relayed to it are not its own', () => {
    const server = Symbol('provider');
    const colleague = docWithEdits('Horaires de la mairie');
    const reader = new Y.Doc();
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(colleague), server);
    const ack = encodeDocState(reader); // its initial sync, acknowledged
    const received = trackReceived(reader, server);
    const before = Y.encodeStateVector(reader);
    colleague.getText('t').insert(0, 'Nouveaux ');
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(colleague, before), server);
    const fact = (r?: typeof received) =>
      facts(reader, { localState: encodeDocState(reader), durableState: ack, received: r });
    expect(roomIsSaved(fact())).toBe(false); // without what was relayed: « Envoi en cours… »
    expect(roomIsSaved(fact(received))).toBe(true);
    expect(deriveSyncStatus([fact(received)])).toEqual({ kind: 'saved' });
    reader.getText('t').insert(0, '« ');
    expect(roomIsSaved(fact(received))).toBe(false); // its own edit waits for its ack
  });
});

describe('deriveSyncStatus', () => {
  it('is offline when any open room is disconnected, whatever the acks say', () => {
    const doc = docWithEdits('a');
    const status = deriveSyncStatus([facts(doc), facts(doc, { room: '13001/page/p1', connected: false })]);
    expect(status).toEqual({ kind: 'offline', rooms: ['13001/page/p1'] });
    expect(syncStatusText(status)).toBe('Hors ligne — vos modifications restent sur cet ordinateur');
  });

  it('is syncing, not offline, while rooms are being opened and first connected', () => {
    const doc = docWithEdits('a');
    expect(deriveSyncStatus([]).kind).toBe('syncing');
    const opening = facts(doc, {
      connected: false,
      firstAttemptPending: true,
      synced: false,
      durableState: null,
    });
    expect(deriveSyncStatus([opening]).kind).toBe('syncing');
    expect(deriveSyncStatus([{ ...opening, firstAttemptPending: false }]).kind).toBe('offline');
  });

  it('is syncing before the initial sync and before any ack', () => {
    const doc = docWithEdits('a');
    expect(deriveSyncStatus([facts(doc, { synced: false })]).kind).toBe('syncing');
    expect(deriveSyncStatus([facts(doc, { durableState: null })]).kind).toBe('syncing');
  });

  it('is syncing while the durable state vector does not cover a local edit', () => {
    const doc = docWithEdits('a');
    const durable = encodeDocState(doc);
    doc.getText('t').insert(1, 'b');
    const status = deriveSyncStatus([facts(doc, { durableState: durable })]);
    expect(status.kind).toBe('syncing');
    expect(syncStatusText(status)).toBe('Envoi en cours…');
  });

  it('is saved only when every open room is covered by its ack', () => {
    const site = docWithEdits('site');
    const page = docWithEdits('page');
    const durablePage = encodeDocState(page);
    expect(deriveSyncStatus([facts(site), facts(page, { room: 'p', durableState: durablePage })])).toEqual({
      kind: 'saved',
    });
    page.getText('t').insert(0, 'x');
    expect(deriveSyncStatus([facts(site), facts(page, { room: 'p', durableState: durablePage })]).kind).toBe(
      'syncing',
    );
  });

  it('counts an ack that holds more than the local doc (other agents’ edits) as saved', () => {
    const local = docWithEdits('a');
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(local));
    server.getText('t').insert(0, 'remote ');
    const status = deriveSyncStatus([facts(local, { durableState: encodeDocState(server) })]);
    expect(syncStatusText(status)).toBe('Enregistré');
  });

  it('is not saved while a page closed with unacknowledged edits or a file still waits to be sent', () => {
    const doc = docWithEdits('a');
    expect(deriveSyncStatus([facts(doc)], ['13001/page/p2']).kind).toBe('syncing');
    expect(deriveSyncStatus([facts(doc)], ['media/abc']).kind).toBe('syncing');
    expect(deriveSyncStatus([facts(doc)], []).kind).toBe('saved');
    // Offline still wins: the agent must know the server is out of reach.
    expect(deriveSyncStatus([facts(doc, { connected: false })], ['13001/page/p2']).kind).toBe('offline');
  });
});

describe('what the agent reads at once', () => {
  const room = (name: string, connected: boolean): RoomFacts => ({
    room: name,
    connected,
    firstAttemptPending: false,
    synced: connected,
    localState: new Uint8Array([0, 0]),
    durableState: null,
  });

  it('is offline as soon as the browser says so, even while a socket still looks open', () => {
    const status = deriveSyncStatus([room('13001/site', true)], [], true);
    expect(status.kind).toBe('offline');
    expect(syncStatusText(status)).toBe('Hors ligne — vos modifications restent sur cet ordinateur');
  });

  it('counts pages with unsent changes, never keystrokes', () => {
    const work = pendingWorkOf(['13001/page/a', '13001/page/b', '13001/site']);
    expect(work).toEqual({ pages: 2, site: true });
    expect(syncStatusText({ kind: 'offline', rooms: [] }, work)).toBe(
      'Hors ligne — 2 pages modifiées pas encore envoyées',
    );
    expect(pendingWorkText(pendingWorkOf(['13001/page/a']))).toBe('1 page modifiée pas encore envoyée');
    expect(pendingWorkText(pendingWorkOf(['13001/site']))).toBe('informations du site pas encore envoyées');
    expect(pendingWorkText(pendingWorkOf([]))).toBeNull();
  });
});
