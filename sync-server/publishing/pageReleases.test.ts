// [PUBL-9] One publishing model per page, on the Publisher alone (tier a): docs in memory, a
// real SQLite file and a real data directory. A page goes online as it was when it was put
// online; other pages' unfinished changes stay off the site; statuses say what is served.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { PublishResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import {
  createPage,
  type PageType,
  setPageBodyMedia,
  updatePage,
  updatePageFields,
  updateSettings,
} from '../../site/siteDoc';
import { pageRoom, siteRoom } from '../../site/syncProtocol';
import { openDatabase, type SqliteDatabase } from '../storage/database';
import { PageSnapshots } from './PageSnapshots';
import { type PublishRequest, Publisher } from './Publisher';
import { tempDataDir, testLogger } from '../app/testHarness';

const INSEE = '13001';
const ASSETS = path.resolve(__dirname, '..', '..', 'assets');

let data: { dir: string; remove: () => Promise<void> };
let db: SqliteDatabase;
let docs: Map<string, Y.Doc>;
let seqs: Map<string, number>;
let clock: number;
let publisher: Publisher;
let snapshots: PageSnapshots;
let manifest: Y.Doc;

function touch(room: string): void {
  seqs.set(room, (seqs.get(room) ?? 0) + 1);
}

/** A new page (a draft unless `published`) with one paragraph. */
function page(title: string, text: string, status: 'draft' | 'published' = 'draft', type: PageType = 'page') {
  const meta = createPage(manifest, { title, type, updatedBy: 'test', now: clock });
  updatePage(manifest, meta.id, { status }, 'test', clock);
  const body = new Y.Doc();
  writeParagraphs(body, [text]);
  docs.set(pageRoom(INSEE, meta.id), body);
  touch(pageRoom(INSEE, meta.id));
  touch(siteRoom(INSEE));
  return { id: meta.id, slug: meta.slug };
}

function edit(id: string, text: string): void {
  const body = docs.get(pageRoom(INSEE, id))!;
  writeParagraphs(body, [text]);
  touch(pageRoom(INSEE, id));
}

async function run(request: PublishRequest): Promise<PublishResponse> {
  const outcome = await publisher.publish(INSEE, 'referent-1', 'Chantal', request);
  if (outcome.kind !== 'published') throw new Error(`publication refusée : ${outcome.message}`);
  return outcome.response;
}

function served(rel: string): string | null {
  const file = path.join(realpathSync(path.join(data.dir, 'sites', 'aix-en-provence', 'current')), rel);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

async function status(id: string) {
  return (await publisher.pageStatuses(INSEE)).find((p) => p.pageId === id);
}

function newPublisher(): Publisher {
  return new Publisher({
    db,
    dataDir: data.dir,
    assetsDir: ASSETS,
    logger: testLogger,
    now: () => clock,
    scheduleIntervalMs: 0,
    commune: (insee) =>
      insee === INSEE
        ? { insee, name: 'Aix-en-Provence', slug: 'aix-en-provence', siren: '211300017', population: 1 }
        : undefined,
    readDoc: async (room) => {
      const copy = new Y.Doc();
      const doc = docs.get(room);
      if (doc) Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
      return copy;
    },
    listRoomSeqs: async () => [...seqs].map(([room, seq]) => ({ room, seq })),
    writeDoc: async (room, change) => {
      change(docs.get(room)!);
      touch(room);
    },
    onPagesPublished: (insee, pages, by, at) => snapshots.recordPublication(insee, pages, by, at),
    publishedBodyState: (insee, pageId) => snapshots.lastPublished(insee, pageId),
  });
}

beforeEach(async () => {
  data = await tempDataDir();
  db = openDatabase(data.dir);
  docs = new Map();
  seqs = new Map();
  clock = Date.UTC(2026, 0, 15, 9, 0);
  manifest = new Y.Doc();
  docs.set(siteRoom(INSEE), manifest);
  updateSettings(manifest, {
    name: 'Aix-en-Provence',
    address: 'Place de l’Hôtel de Ville, 13100 Aix-en-Provence',
    phone: '04 42 00 00 00',
    email: 'mairie@example.fr',
    mayorName: 'Sophie Martin',
    accentColor: '#18753c',
    accessibilityStatus: 'partielle',
    siret: '21130001700012',
  });
  snapshots = new PageSnapshots({ db, logger: testLogger, now: () => clock });
  publisher = newPublisher();
});

afterEach(async () => {
  await publisher.close();
  db.close();
  await data.remove();
});

describe('[PUBL-9] per-page publishing', () => {
  it('the editor’s index of a body’s media catching up after « Mettre en ligne » does not make the page « modifiée »', async () => {
    const horaires = page('Horaires', 'Ouvert le lundi.');
    await run({ kind: 'page', pageId: horaires.id });
    // The editor writes `bodyMedia` a second after the body stops changing: here, after the
    // release. It is derived from the body, which has not changed: the page is as online.
    clock += 1_000;
    setPageBodyMedia(manifest, horaires.id, ['a'.repeat(64)]);
    touch(siteRoom(INSEE));
    expect(await status(horaires.id)).toMatchObject({ online: true, modified: false });
    // A change of what the page shows still counts.
    updatePage(manifest, horaires.id, { title: 'Horaires de la mairie' }, 'test', clock);
    touch(siteRoom(INSEE));
    expect(await status(horaires.id)).toMatchObject({ online: true, modified: true });
  });

  it('« Mettre en ligne » puts one page online as it is now, never another page’s unfinished changes', async () => {
    const horaires = page('Horaires', 'Ouvert le lundi.');
    const travaux = page('Travaux', 'Rue fermée en mars.');
    await run({ kind: 'page', pageId: horaires.id });
    await run({ kind: 'page', pageId: travaux.id });
    expect(await status(travaux.id)).toMatchObject({ online: true, modified: false });

    clock += 60_000;
    edit(travaux.id, 'BROUILLON PAS FINI');
    edit(horaires.id, 'Ouvert le lundi et le mardi.');
    expect(await status(travaux.id)).toMatchObject({ online: true, modified: true });
    const response = await run({ kind: 'page', pageId: horaires.id });
    expect(response.released).toEqual([horaires.id]);
    expect(served(`${horaires.slug}/index.html`)).toContain('Ouvert le lundi et le mardi.');
    const travauxHtml = served(`${travaux.slug}/index.html`)!;
    expect(travauxHtml).toContain('Rue fermée en mars.');
    expect(travauxHtml).not.toContain('BROUILLON PAS FINI');
    // The statuses say the same as the served files.
    expect(await status(horaires.id)).toMatchObject({ online: true, modified: false, releasedBy: 'Chantal' });
    expect(await status(travaux.id)).toMatchObject({ online: true, modified: true });

    // A page never put online is a draft, whatever its text; it is not served.
    const brouillon = page('Projet de fête', 'Idée à creuser.');
    await run({ kind: 'page', pageId: horaires.id });
    expect(await status(brouillon.id)).toMatchObject({ online: false, modified: false });
    expect(served(`${brouillon.slug}/index.html`)).toBeNull();
  });

  it('a change of the page’s fields (its title) also waits for « Mettre en ligne »', async () => {
    const p = page('Salle des fêtes', 'Réservation en mairie.');
    await run({ kind: 'page', pageId: p.id });
    updatePage(manifest, p.id, { title: 'Salle polyvalente' }, 'test', clock + 1);
    touch(siteRoom(INSEE));
    expect(await status(p.id)).toMatchObject({ online: true, modified: true });
    const other = page('Autre', 'Autre texte.');
    await run({ kind: 'page', pageId: other.id });
    expect(served(`${p.slug}/index.html`)).toContain('Salle des fêtes');
    expect(served(`${p.slug}/index.html`)).not.toContain('Salle polyvalente');
  });

  it('an urgent page goes online while another draft is incomplete; the site-wide publication skips and names it', async () => {
    page('Mairie', 'Bienvenue.', 'published');
    await run({ kind: 'site' });
    // An actualité without its required fields, marked ready.
    const news = createPage(manifest, {
      title: 'Brocante',
      type: 'actualite',
      updatedBy: 'test',
      now: clock,
    });
    updatePage(manifest, news.id, { status: 'published' }, 'test', clock);
    touch(siteRoom(INSEE));
    const alerte = page('Alerte canicule', 'Restez au frais.');
    const urgent = await run({ kind: 'page', pageId: alerte.id });
    expect(urgent.released).toEqual([alerte.id]);
    expect(served(`${alerte.slug}/index.html`)).toContain('Restez au frais.');

    const all = await run({ kind: 'site' });
    expect(all.released).toEqual([]);
    expect(all.skipped!.map((i) => [i.pageId, i.field])).toEqual([
      [news.id, 'date'],
      [news.id, 'summary'],
    ]);
    expect(served(`${news.slug}/index.html`)).toBeNull();
    // « Mettre en ligne » on the incomplete page itself is refused, nothing changes.
    const before = served('index.html');
    const refused = await publisher.publish(INSEE, 'r', 'R', { kind: 'page', pageId: news.id });
    expect(refused.kind).toBe('blocked');
    expect(refused.kind === 'blocked' && refused.message).toMatch(/^Publication refusée : 2 problèmes/);
    expect(served('index.html')).toBe(before);
    updatePageFields(manifest, news.id, { date: '2026-06-01', summary: 'Le 21 juin.' }, 'test', clock);
    touch(siteRoom(INSEE));
    expect((await run({ kind: 'site' })).released).toEqual([news.id]);
    expect(served(`${news.slug}/index.html`)).toContain('Brocante');
  });

  it('« Retirer du site » takes the page off at once; unknown and offline pages are refused', async () => {
    const p = page('Ancienne page', 'À retirer.');
    await run({ kind: 'page', pageId: p.id });
    const r = await run({ kind: 'withdraw', pageId: p.id });
    expect(r.withdrawn).toEqual([p.id]);
    expect(served(`${p.slug}/index.html`)).toBeNull();
    expect(await status(p.id)).toMatchObject({ online: false });
    // The manifest follows (older editors read its status).
    expect(manifest.getMap('pages').get(p.id)).toBeInstanceOf(Y.Map);
    expect((manifest.getMap('pages').get(p.id) as Y.Map<unknown>).get('status')).toBe('draft');
    await expect(
      publisher.publish(INSEE, 'r', 'R', { kind: 'withdraw', pageId: p.id }),
    ).rejects.toMatchObject({
      code: 'not-online',
    });
    await expect(
      publisher.publish(INSEE, 'r', 'R', { kind: 'page', pageId: 'nope-nope-nope' }),
    ).rejects.toMatchObject({
      code: 'unknown-page',
    });
  });

  it('a rollback brings back the pages of that version, and the statuses say so', async () => {
    const p = page('Tarifs', 'Cantine : 3 €.');
    const first = await run({ kind: 'page', pageId: p.id });
    clock += 60_000;
    edit(p.id, 'Cantine : 4 €.');
    await run({ kind: 'page', pageId: p.id });
    expect(await status(p.id)).toMatchObject({ modified: false });
    await publisher.rollback(INSEE, first.version, 'r', 'R');
    expect(served(`${p.slug}/index.html`)).toContain('3 €');
    expect(await status(p.id)).toMatchObject({ online: true, modified: true, releasedAt: first.publishedAt });
  });

  it('a scheduled page goes online from its text at that time, and says « Programmée » before', async () => {
    const p = page('Vœux du maire', 'Texte des vœux.');
    const at = clock + 3_600_000;
    await publisher.schedule(INSEE, p.id, at, 'r');
    expect(await status(p.id)).toMatchObject({ online: false, scheduledAt: at });
    clock = at + 1;
    expect(await publisher.runDueSchedules()).toBe(1);
    expect(served(`${p.slug}/index.html`)).toContain('Texte des vœux.');
    expect(await status(p.id)).toMatchObject({ online: true, modified: false, scheduledAt: null });
  });

  it('migration: pages published before this model stay online as they were published', async () => {
    const a = page('Mairie', 'Texte publié A.', 'published');
    const b = page('École', 'Texte publié B.', 'published');
    const draft = page('Brouillon marqué', 'Jamais publié.');
    await run({ kind: 'site' });
    // As a site published by the previous model: no page release recorded.
    db.exec('DELETE FROM site_version_pages; DELETE FROM site_versions_recorded; DELETE FROM page_versions;');
    await publisher.close();
    publisher = newPublisher();
    clock += 60_000;
    edit(b.id, 'Modification en cours de B.');
    updatePage(manifest, draft.id, { status: 'published' }, 'test', clock);
    touch(siteRoom(INSEE));
    edit(a.id, 'Texte nouveau A.');
    expect(await status(b.id)).toMatchObject({ online: true, modified: true });
    expect(await status(draft.id)).toMatchObject({ online: false });
    await run({ kind: 'page', pageId: a.id });
    expect(served(`${a.slug}/index.html`)).toContain('Texte nouveau A.');
    expect(served(`${b.slug}/index.html`)).toContain('Texte publié B.');
    expect(served(`${b.slug}/index.html`)).not.toContain('Modification en cours');
    expect(served(`${draft.slug}/index.html`)).toBeNull();
  });
});
