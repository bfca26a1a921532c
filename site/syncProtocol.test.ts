import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeDocState, isCoveredBy, parseRoom, trackReceived } from './syncProtocol';

function replica(of: Y.Doc): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(of));
  return doc;
}

describe('persisted-ack coverage', () => {
  it('[SYNC-1] an insertion the server has not stored is not covered', () => {
    const local = new Y.Doc();
    local.getText('t').insert(0, 'Bonjour');
    const server = replica(local);
    local.getText('t').insert(7, ' à tous');
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(false);
    Y.applyUpdate(server, Y.encodeStateAsUpdate(local));
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(true);
  });

  it('[SYNC-2] a deletion the server has not stored is not covered, though the state vector did not move', () => {
    const local = new Y.Doc();
    local.getText('t').insert(0, 'Réunion annulée');
    const server = replica(local);
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(true);
    const before = Y.encodeStateVector(local);
    local.getText('t').delete(8, 7);
    expect(Y.encodeStateVector(local)).toEqual(before);
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(false);
    Y.applyUpdate(server, Y.encodeStateAsUpdate(local));
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(true);
  });

  it('[SYNC-3] other agents’ edits in the durable state do not hide or fake coverage', () => {
    const local = new Y.Doc();
    local.getText('t').insert(0, 'abc');
    const server = replica(local);
    const other = replica(server);
    other.getText('t').delete(0, 1);
    other.getText('t').insert(0, 'z');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(other));
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(true);
    local.getText('t').delete(2, 1);
    expect(isCoveredBy(encodeDocState(local), encodeDocState(server))).toBe(false);
  });

  it('[SYNC-4] garbage in the ack covers nothing', () => {
    const local = new Y.Doc();
    local.getText('t').insert(0, 'x');
    expect(isCoveredBy(encodeDocState(local), new Uint8Array([255, 255, 255, 1]))).toBe(false);
  });
});

describe('what the server sent on the connection', () => {
  const SERVER = Symbol('server');

  it("[SYNC-7] counts as covered: a colleague's insertions and deletions relayed after the last ack; an edit of our own never does", () => {
    const colleague = new Y.Doc();
    colleague.getText('t').insert(0, 'Conseil municipal');
    const local = replica(colleague);
    const received = trackReceived(local, SERVER);
    const durable = encodeDocState(local); // the ack: what the server holds durably
    // The colleague types and deletes; the server relays it before its commit.
    const before = Y.encodeStateVector(local);
    colleague.getText('t').insert(17, ' du 12 mai');
    colleague.getText('t').delete(0, 8);
    Y.applyUpdate(local, Y.encodeStateAsUpdate(colleague, before), SERVER);
    expect(isCoveredBy(encodeDocState(local), durable)).toBe(false);
    expect(isCoveredBy(encodeDocState(local), durable, received)).toBe(true);
    // Our own insertion, then our own deletion of the colleague's text: not covered.
    local.getText('t').insert(0, '!');
    expect(isCoveredBy(encodeDocState(local), durable, received)).toBe(false);
    const afterOwn = replica(local);
    expect(isCoveredBy(encodeDocState(local), encodeDocState(afterOwn), received)).toBe(true);
    local.getText('t').delete(1, 2);
    expect(Y.encodeStateVector(local)).toEqual(Y.encodeStateVector(afterOwn));
    expect(isCoveredBy(encodeDocState(local), encodeDocState(afterOwn), received)).toBe(false);
  });

  it('[SYNC-7] cleared with its connection: what was relayed must then be in the durable state', () => {
    const colleague = new Y.Doc();
    const local = new Y.Doc();
    const received = trackReceived(local, SERVER);
    const durable = encodeDocState(local);
    colleague.getText('t').insert(0, 'Marché du samedi');
    Y.applyUpdate(local, Y.encodeStateAsUpdate(colleague), SERVER);
    // Applied with another origin (read back from this computer): not the server's.
    const other = new Y.Doc();
    other.getText('u').insert(0, 'x');
    Y.applyUpdate(local, Y.encodeStateAsUpdate(other), 'local-store');
    expect(isCoveredBy(encodeDocState(local), durable, received)).toBe(false);
    const withOther = replica(other);
    Y.applyUpdate(withOther, Y.encodeStateAsUpdate(local));
    expect(isCoveredBy(encodeDocState(local), encodeDocState(other), received)).toBe(true);
    received.clear();
    expect(isCoveredBy(encodeDocState(local), encodeDocState(other), received)).toBe(false);
    expect(isCoveredBy(encodeDocState(local), encodeDocState(withOther), received)).toBe(true);
  });
});

describe('room names', () => {
  it('[SYNC-5] accepts exactly the site and page forms', () => {
    expect(parseRoom('13001/site')).toMatchObject({ kind: 'site', insee: '13001' });
    expect(parseRoom('13001/page/AbCdEfGh12345')).toMatchObject({ kind: 'page', pageId: 'AbCdEfGh12345' });
    for (const bad of [
      '13001',
      '13001/site/x',
      '1300/site',
      '13001/page/../x',
      '13001/page/a',
      '../13001/site',
      '',
    ]) {
      expect(parseRoom(bad)).toBeUndefined();
    }
  });
});
