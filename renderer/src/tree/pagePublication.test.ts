import { describe, expect, it } from 'vitest';
import type { PublicationEntry } from '../../../site/apiContract';
import { HISTORY_LIMIT, pagePublicationState, pagePublicationText, pagesOnline } from './pagePublication';

function entry(
  version: string,
  publishedAt: number,
  changed: PublicationEntry['changed'],
  current = false,
): PublicationEntry {
  return {
    version,
    publishedAt,
    publishedBy: 'agent-1',
    publishedByName: 'Chantal',
    pages: 3,
    changed,
    current,
    rollbackOf: null,
    kept: true,
  };
}

const fmt = (ms: number) => `@${ms}`;

describe('pagesOnline', () => {
  it('dates each page by the latest publication that added or changed it, from the version online', () => {
    // Newest first; v4 was rolled back (v3 is online again), so its change is not online.
    const history = [
      entry('v4', 400, [{ pageId: 'a', title: 'A', change: 'changed' }]),
      entry('v3', 300, [{ pageId: 'b', title: 'B', change: 'removed' }], true),
      entry('v2', 200, [
        { pageId: 'a', title: 'A', change: 'changed' },
        { pageId: 'c', title: 'C', change: 'added' },
      ]),
      entry('v1', 100, [
        { pageId: 'a', title: 'A', change: 'added' },
        { pageId: 'b', title: 'B', change: 'added' },
      ]),
    ];
    const online = pagesOnline(history);
    expect(Object.fromEntries(online.pages)).toEqual({ a: { publishedAt: 200 }, c: { publishedAt: 200 } });
    expect(online.complete).toBe(true);
  });

  it('knows nothing is online without a current version, and that a full history may be cut', () => {
    expect(pagesOnline([entry('v1', 100, [{ pageId: 'a', title: 'A', change: 'added' }])]).pages.size).toBe(
      0,
    );
    const many = Array.from({ length: HISTORY_LIMIT }, (_, i) => entry(`v${i}`, 1000 - i, [], i === 0));
    expect(pagesOnline(many).complete).toBe(false);
  });
});

describe('pagePublicationState and its French text', () => {
  const online = pagesOnline([entry('v1', 1000, [{ pageId: 'a', title: 'A', change: 'added' }], true)]);

  it('says when a page was published, and that it was modified since (fields or body edited here)', () => {
    const fresh = pagePublicationState({ id: 'a', updatedAt: 900 }, online, 950);
    expect(pagePublicationText(fresh, 'published', fmt)).toEqual(['Publiée le @1000']);
    const fields = pagePublicationState({ id: 'a', updatedAt: 1100 }, online, undefined);
    expect(pagePublicationText(fields, 'published', fmt)).toEqual([
      'Publiée le @1000',
      'Modifiée depuis la publication',
    ]);
    const body = pagePublicationState({ id: 'a', updatedAt: 900 }, online, 1001);
    expect(pagePublicationText(body, 'published', fmt)).toContain('Modifiée depuis la publication');
  });

  it('tells a page marked published but not online yet, one put back to draft, and an unknown state', () => {
    const notYet = pagePublicationState({ id: 'b', updatedAt: 1 }, online, undefined);
    expect(pagePublicationText(notYet, 'published', fmt)).toEqual([
      'Pas encore en ligne : elle le sera à la prochaine publication',
    ]);
    expect(pagePublicationText(notYet, 'draft', fmt)).toEqual([]);
    const backToDraft = pagePublicationState({ id: 'a', updatedAt: 1200 }, online, undefined);
    expect(pagePublicationText(backToDraft, 'draft', fmt)).toEqual([
      'Publiée le @1000',
      'Repassée en brouillon : retirée à la prochaine publication',
    ]);
    const offline = pagePublicationState({ id: 'a', updatedAt: 1 }, null, undefined);
    expect(pagePublicationText(offline, 'published', fmt)).toEqual([
      'Date de publication inconnue (hors ligne)',
    ]);
  });
});
