import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeDocState, isCoveredBy, parseRoom } from './syncProtocol';

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
