/**
 * The contract every PublicationStore must meet ([PGPUB-1]), run by publicationStore.test.ts
 * against SqlitePublicationStore and PgPublicationStore on a real, throwaway PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SerializedEditorState } from 'lexical';
import type { PageMeta } from '../../site/siteDoc';
import type { NewRelease } from './PageReleases';
import type { PublicationRecord, PublicationStore } from './PublicationStore';

export interface PublicationStoreFixture {
  store: PublicationStore;
  cleanup: () => Promise<void>;
}

const INSEE = '13001';
const OTHER = '13002';

function page(id: string, title: string, status: PageMeta['status'] = 'draft'): NewRelease {
  return {
    pageId: id,
    meta: { id, type: 'page', title, slug: id, parentId: null, order: 0, status } as unknown as PageMeta,
    body: {
      root: { type: 'root', children: [{ type: 'paragraph', text: title }] },
    } as unknown as SerializedEditorState,
    fingerprint: `fp-${title}`,
    bodySeq: 7,
  };
}

function record(version: string, at: number, extra: Partial<PublicationRecord> = {}): PublicationRecord {
  return {
    insee: INSEE,
    version,
    at,
    by: 'agent-1',
    byName: 'Camille',
    pages: 2,
    changed: JSON.stringify([{ pageId: 'p1', change: 'added' }]),
    settle: [],
    kept: [],
    added: [],
    releasedBy: 'Camille',
    actes: '[]',
    ...extra,
  };
}

// Long by reason: the contract suite, one short `it` per rule, run against each store.
export function publicationStoreContract(name: string, make: () => Promise<PublicationStoreFixture>): void {
  describe(`${name} — PublicationStore contract [PGPUB-1]`, () => {
    let fixture: PublicationStoreFixture;
    let store: PublicationStore;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('knows nothing of a commune never published', async () => {
      expect(await store.lastEventId(INSEE)).toBeNull();
      expect(await store.lastPublishedAt(INSEE)).toBeNull();
      expect(await store.currentVersion(INSEE)).toBeNull();
      expect(await store.events(INSEE, 10)).toEqual([]);
      expect(await store.versionPages(INSEE, 'v1')).toBeNull();
      expect(await store.versionActes(INSEE, 'v1')).toBeNull();
      expect(await store.actesOnline(INSEE)).toBeNull();
      expect(await store.schedules(INSEE)).toEqual([]);
    });

    it('keeps the publication log newest first, rollbacks included, per commune', async () => {
      const first = await store.recordPublication(record('v1', 1000));
      const second = await store.recordPublication(record('v2', 2000, { pages: 3, by: null, byName: null }));
      await store.recordPublication(record('w1', 1500, { insee: OTHER }));
      const back = await store.recordRollback(INSEE, 'v1', 3000, 'agent-2', 'Dominique', 2);
      expect(second.eventId).toBeGreaterThan(first.eventId);
      expect(back).toBeGreaterThan(second.eventId);
      expect(await store.lastEventId(INSEE)).toBe(back);
      expect(await store.currentVersion(INSEE)).toBe('v1');
      expect(await store.currentVersion(OTHER)).toBe('w1');
      expect(await store.lastPublishedAt(INSEE)).toBe(3000);
      expect(await store.versionPages(INSEE, 'v2')).toBe(3);
      expect(await store.versionPublishedAt(INSEE, 'v1')).toBe(1000);
      const events = await store.events(INSEE, null);
      expect(events.map((e) => [e.version, e.at, e.by, e.byName, e.pages, e.rollbackOf])).toEqual([
        ['v1', 3000, 'agent-2', 'Dominique', 2, 'v1'],
        ['v2', 2000, null, null, 3, null],
        ['v1', 1000, 'agent-1', 'Camille', 2, null],
      ]);
      expect(events[2]!.changed).toBe(JSON.stringify([{ pageId: 'p1', change: 'added' }]));
      expect(events[0]!.changed).toBe('[]');
      expect((await store.events(INSEE, 1)).map((e) => e.id)).toEqual([back]);
    });

    it('keeps the actes online and those of each version', async () => {
      await store.setActesOnline(INSEE, '[{"id":"a1"}]');
      await store.setActesOnline(INSEE, '[{"id":"a2"}]');
      expect(await store.actesOnline(INSEE)).toBe('[{"id":"a2"}]');
      expect(await store.actesOnline(OTHER)).toBeNull();
      await store.recordPublication(record('v1', 1000, { actes: '[{"id":"a1"}]' }));
      expect(await store.versionActes(INSEE, 'v1')).toBe('[{"id":"a1"}]');
    });

    it('schedules, lists by date, cancels only what is pending in the commune', async () => {
      await store.addSchedule({ id: 's2', insee: INSEE, pageId: 'p2', at: 5000, createdBy: 'a' });
      await store.addSchedule({ id: 's1', insee: INSEE, pageId: 'p1', at: 4000, createdBy: null });
      await store.addSchedule({ id: 's3', insee: OTHER, pageId: 'p9', at: 4500, createdBy: 'b' });
      expect(await store.schedules(INSEE)).toEqual([
        { id: 's1', pageId: 'p1', at: 4000, createdBy: null, state: 'pending', message: null },
        { id: 's2', pageId: 'p2', at: 5000, createdBy: 'a', state: 'pending', message: null },
      ]);
      expect(await store.cancelSchedule(OTHER, 's1')).toBe(false);
      expect(await store.cancelSchedule(INSEE, 's1')).toBe(true);
      expect(await store.cancelSchedule(INSEE, 's1')).toBe(false);
      expect((await store.schedules(INSEE)).map((s) => s.state)).toEqual(['cancelled', 'pending']);
    });

    it('finds what is due, settles it with the publication, fails the rest with why', async () => {
      await store.addSchedule({ id: 's1', insee: INSEE, pageId: 'p1', at: 1000, createdBy: 'a' });
      await store.addSchedule({ id: 's2', insee: INSEE, pageId: 'p2', at: 1000, createdBy: 'a' });
      await store.addSchedule({ id: 's3', insee: INSEE, pageId: 'p3', at: 9000, createdBy: 'a' });
      await store.addSchedule({ id: 's4', insee: OTHER, pageId: 'p4', at: 1500, createdBy: 'a' });
      expect((await store.dueCommunes(500)).sort()).toEqual([]);
      expect((await store.dueCommunes(2000)).sort()).toEqual([INSEE, OTHER]);
      expect((await store.dueSchedules(INSEE, 2000)).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 's1', pageId: 'p1' },
        { id: 's2', pageId: 'p2' },
      ]);
      await store.recordPublication(
        record('v1', 2000, {
          settle: [
            { id: 's1', failed: null },
            { id: 's2', failed: 'Titre manquant.' },
          ],
        }),
      );
      expect(await store.dueSchedules(INSEE, 2000)).toEqual([]);
      await store.failDue(OTHER, 2000, 'Commune inconnue.');
      const states = (await store.schedules(INSEE)).map((s) => [s.id, s.state, s.message]);
      expect(states).toEqual([
        ['s1', 'done', null],
        ['s2', 'failed', 'Titre manquant.'],
        ['s3', 'pending', null],
      ]);
      expect((await store.schedules(OTHER)).map((s) => [s.state, s.message])).toEqual([
        ['failed', 'Commune inconnue.'],
      ]);
      expect(await store.dueCommunes(2000)).toEqual([]);
    });

    it('records the pages of each version, kept ones by reference, bodies byte for byte', async () => {
      const p1 = page('p1', 'Accueil');
      const p2 = page('p2', 'Mairie', 'published');
      const first = await store.recordPublication(record('v1', 1000, { added: [p2, p1] }));
      expect(first.addedIds).toHaveLength(2);
      expect(first.addedIds[0]!).toBeLessThan(first.addedIds[1]!);
      expect(await store.recorded(INSEE, 'v1')).toBe(true);
      expect(await store.recorded(INSEE, 'v2')).toBe(false);
      const p1b = { ...page('p1', 'Accueil bis'), bodySeq: null };
      const second = await store.recordPublication(
        record('v2', 2000, {
          kept: [{ pageId: 'p2', id: first.addedIds[0]! }],
          added: [p1b],
          releasedBy: null,
        }),
      );
      // By page id, as the publisher reads them.
      expect(await store.pageVersionIds(INSEE, 'v1')).toEqual([first.addedIds[1], first.addedIds[0]]);
      expect(await store.pageVersionIds(INSEE, 'v2')).toEqual([second.addedIds[0], first.addedIds[0]]);
      const rows = await store.pageVersions([second.addedIds[0]!, first.addedIds[0]!, 999_999]);
      expect(rows.map((r) => [r.pageId, r.fingerprint, r.bodySeq, r.releasedAt, r.releasedBy])).toEqual([
        ['p1', 'fp-Accueil bis', null, 2000, null],
        ['p2', 'fp-Mairie', 7, 1000, 'Camille'],
      ]);
      expect(JSON.parse(rows[0]!.body)).toEqual(p1b.body);
      // Stored as put online: « published ».
      expect(JSON.parse(rows[0]!.meta)).toEqual({ ...p1b.meta, status: 'published' });
      expect(await store.pageVersions([])).toEqual([]);
    });

    it('records the pages of an older version (migration) once', async () => {
      const ids = await store.recordReleases(INSEE, 'old', [], [page('p1', 'Ancien')], 500, null);
      expect(await store.recorded(INSEE, 'old')).toBe(true);
      expect(await store.pageVersionIds(INSEE, 'old')).toEqual(ids);
      const [row] = await store.pageVersions(ids);
      expect([row!.pageId, row!.releasedAt, row!.releasedBy]).toEqual(['p1', 500, null]);
    });

    it("deletes a commune's rows, and only its own", async () => {
      await store.recordPublication(record('v1', 1000, { added: [page('p1', 'Accueil')] }));
      await store.recordPublication(record('w1', 1000, { insee: OTHER, added: [page('p1', 'Ailleurs')] }));
      await store.addSchedule({ id: 's1', insee: INSEE, pageId: 'p1', at: 5000, createdBy: null });
      await store.setActesOnline(INSEE, '[]');
      await store.deleteCommune(INSEE);
      expect(await store.events(INSEE, null)).toEqual([]);
      expect(await store.currentVersion(INSEE)).toBeNull();
      expect(await store.schedules(INSEE)).toEqual([]);
      expect(await store.actesOnline(INSEE)).toBeNull();
      expect(await store.recorded(INSEE, 'v1')).toBe(false);
      expect(await store.pageVersionIds(INSEE, 'v1')).toEqual([]);
      expect(await store.currentVersion(OTHER)).toBe('w1');
      expect(await store.pageVersionIds(OTHER, 'w1')).toHaveLength(1);
    });

    it('runs a commune job under its lock and gives back its result or error', async () => {
      expect(await store.withCommuneLock(INSEE, async () => 42)).toBe(42);
      await expect(
        store.withCommuneLock(INSEE, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      // The lock is free again after an error.
      expect(await store.withCommuneLock(INSEE, async () => 'again')).toBe('again');
      // Alone, the fence lets the job switch its site online.
      expect(await store.withCommuneLock(INSEE, async (fence) => (await fence(), 'switched'))).toBe(
        'switched',
      );
    });
  });
}
