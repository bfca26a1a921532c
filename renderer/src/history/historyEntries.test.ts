// The merged history list: server and local versions, newest first, each saying where it is kept.
import { describe, expect, it } from 'vitest';
import { mergeHistory } from './historyEntries';
import type { Snapshot } from './HistoryStore';

const local = (id: number, takenAt: number): Snapshot => ({
  id,
  room: '13001/page/abcdefgh',
  takenAt,
  reason: 'session-start',
  by: 'Alice',
  state: new Uint8Array(),
  vector: new Uint8Array(),
});

describe('mergeHistory', () => {
  it('lists server and local versions newest first, the shared one first at the same instant', () => {
    const merged = mergeHistory(
      [local(1, 100), local(2, 300)],
      [
        { id: 7, at: 300, reason: 'publication', by: ['Bruno Roux'] },
        { id: 5, at: 200, reason: 'session', by: ['Alice', 'Bruno Roux'] },
      ],
    );
    expect(merged.map((e) => [e.source, e.at, e.label, e.by])).toEqual([
      ['server', 300, 'Publication du site', 'Bruno Roux'],
      ['local', 300, 'Ouverture de la page', 'Alice'],
      ['server', 200, 'Fin d’une session d’édition', 'Alice, Bruno Roux'],
      ['local', 100, 'Ouverture de la page', 'Alice'],
    ]);
  });
});
