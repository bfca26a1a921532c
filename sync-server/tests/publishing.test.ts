// The Publisher on its own (tier a): docs in memory, a real SQLite file and a real data
// directory. Incremental republish, history, rollback, checks that block, scheduled
// publication by the server, media copied into the version, a version that works from disk.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { PublishResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import {
  createPage,
  mediaMap,
  type PageType,
  readPages,
  updatePage,
  updatePageFields,
  updateSettings,
} from '../../site/siteDoc';
import { pageRoom, siteRoom } from '../../site/syncProtocol';
import { openDatabase, type SqliteDatabase } from '../storage/database';
import { PublishError, Publisher, SCHEDULER_AGENT } from '../publishing/Publisher';
import { SHARD_FILES } from '../publishing/search/searchIndex';
import { tempDataDir, testLogger } from '../app/testHarness';

const INSEE = '13001';
const ASSETS = path.resolve(__dirname, '..', '..', 'assets');
const PHOTO = 'ab'.repeat(32);
const PDF = 'cd'.repeat(32);

let data: { dir: string; remove: () => Promise<void> };
let db: SqliteDatabase;
let docs: Map<string, Y.Doc>;
let seqs: Map<string, number>;
let clock: number;
let publisher: Publisher;
let manifest: Y.Doc;

/** A doc change as the store sees it: a new sequence number. */
function touch(room: string): void {
  seqs.set(room, (seqs.get(room) ?? 0) + 1);
}

function page(title: string, type: PageType = 'page', text = `Contenu de ${title}.`, fields = {}): string {
  const meta = createPage(manifest, { title, type, updatedBy: 'test', now: clock });
  updatePage(manifest, meta.id, { status: 'published' }, 'test', clock);
  if (Object.keys(fields).length) updatePageFields(manifest, meta.id, fields, 'test', clock);
  const body = new Y.Doc();
  writeParagraphs(body, [text]);
  docs.set(pageRoom(INSEE, meta.id), body);
  touch(pageRoom(INSEE, meta.id));
  touch(siteRoom(INSEE));
  return meta.id;
}

/** A publication expected to go through (a refusal by the checks fails the test). */
async function publish(by: string, name: string): Promise<PublishResponse> {
  const outcome = await publisher.publish(INSEE, by, name);
  if (outcome.kind !== 'published') throw new Error(`publication refusée : ${outcome.message}`);
  return outcome.response;
}

function currentDir(): string {
  return realpathSync(path.join(data.dir, 'sites', 'aix-en-provence', 'current'));
}

function online(rel: string): string {
  return readFileSync(path.join(currentDir(), rel), 'utf8');
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
  publisher = newPublisher();
});

afterEach(async () => {
  await publisher.close();
  db.close();
  await data.remove();
});

describe('Publisher', () => {
  it('[PUBL-1] republishing after one page changed renders that page only and links the other files', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => page(`Page ${i + 1}`));
    const first = await publish('agent-1', 'Chantal');
    expect(first.filesKept).toBe(0);
    expect(first.changedPages).toHaveLength(12);

    clock += 60_000;
    const body = docs.get(pageRoom(INSEE, ids[3]!))!;
    writeParagraphs(body, ['Nouveau paragraphe.']);
    touch(pageRoom(INSEE, ids[3]!));
    const second = await publish('agent-2', 'Marc');
    expect(second.changedPages).toEqual([ids[3]]);
    // The page and the search index, which holds its text ([SEARCH-3]).
    expect(second.filesWritten).toBe(2);
    expect(SHARD_FILES.map(online).join('')).toContain('Nouveau paragraphe.');
    expect(second.filesKept).toBeGreaterThan(15);
    expect(online(`page-4/index.html`)).toContain('Nouveau paragraphe.');
    // The previous version is immutable: its copy of the page was replaced, not written through.
    const v1 = path.join(data.dir, 'sites', 'aix-en-provence', 'versions', first.version);
    expect(readFileSync(path.join(v1, 'page-4/index.html'), 'utf8')).not.toContain('Nouveau paragraphe.');
    // A page removed: its directory is gone from the next version only.
    updatePage(manifest, ids[5]!, { status: 'draft' }, 'test', clock);
    touch(siteRoom(INSEE));
    clock += 60_000;
    const third = await publish('agent-2', 'Marc');
    expect(third.changedPages).toContain(ids[5]);
    expect(existsSync(path.join(currentDir(), 'page-6'))).toBe(false);
    expect(existsSync(path.join(v1, 'page-6/index.html'))).toBe(true);

    const history = await publisher.history(INSEE);
    expect(history.map((h) => [h.publishedByName, h.current])).toEqual([
      ['Marc', true],
      ['Marc', false],
      ['Chantal', false],
    ]);
    expect(history[1]!.changed).toEqual([{ pageId: ids[3], title: 'Page 4', change: 'changed' }]);
    expect(history[0]!.changed).toContainEqual({ pageId: ids[5], title: 'Page 6', change: 'removed' });
  });

  it('[PUBL-1] a file gone from the next version takes only itself away, never its neighbours', async () => {
    // 13 actualités: two list pages; one taken off: `actualites/page-2.html` is gone, while
    // `actualites/index.html`, in the same folder, stays (the copy prepared in the background
    // from the previous version is where the new one is written).
    const ids = Array.from({ length: 13 }, (_, i) =>
      page(`Actualité ${i + 1}`, 'actualite', `Texte ${i + 1}.`, {
        date: `2026-01-${String(i + 1).padStart(2, '0')}`,
        summary: `Résumé ${i + 1}.`,
      }),
    );
    await publish('agent-1', 'Chantal');
    expect(existsSync(path.join(currentDir(), 'actualites/page-2.html'))).toBe(true);
    updatePage(manifest, ids[0]!, { status: 'draft' }, 'test', clock);
    touch(siteRoom(INSEE));
    clock += 60_000;
    await publish('agent-1', 'Chantal');
    expect(existsSync(path.join(currentDir(), 'actualites/page-2.html'))).toBe(false);
    expect(online('actualites/index.html')).toContain('Actualité 13');
    expect(existsSync(path.join(currentDir(), 'actualite-1'))).toBe(false);
  });

  it('[PUBL-2] rollback puts a kept version back online atomically and is recorded', async () => {
    const id = page('Horaires', 'page', 'Ouvert le lundi.');
    const v1 = await publish('a', 'A');
    writeParagraphs(docs.get(pageRoom(INSEE, id))!, ['Fermé en août.']);
    touch(pageRoom(INSEE, id));
    clock += 1000;
    await publish('a', 'A');
    expect(online('horaires/index.html')).toContain('Fermé en août.');

    const entry = await publisher.rollback(INSEE, v1.version, 'b', 'B');
    expect(entry).toMatchObject({ version: v1.version, rollbackOf: v1.version, current: true, kept: true });
    expect(online('horaires/index.html')).not.toContain('Fermé en août.');
    await expect(publisher.rollback(INSEE, '20260101-000000000Z-00000000', 'b')).rejects.toThrow(
      PublishError,
    );
    // The next publication after a rollback is complete again.
    clock += 1000;
    const after = await publish('a', 'A');
    expect(after.filesKept).toBe(0);
    expect(online('horaires/index.html')).toContain('Fermé en août.');
  });

  it('[PUBL-3][CHK-8] errors block publication with French messages; the site online is unchanged', async () => {
    page('Accueil', 'accueil');
    const acte = page('Arrêté 2026-01', 'acte', 'Texte', {
      kind: 'deliberation',
      number: '2026-01',
      date: '2026-01-10',
      subject: 'Budget',
      pdf: PDF,
      onlineAt: '2026-01-15T09:00',
      matiere: '7.1',
    });
    await mkdir(path.join(data.dir, 'media', INSEE), { recursive: true });
    await writeFile(path.join(data.dir, 'media', INSEE, `${PDF}.pdf`), '%PDF-1.7 signé');
    mediaMap(manifest).set(PDF, {
      name: 'budget.pdf',
      mime: 'application/pdf',
      bytes: 14,
      width: 0,
      height: 0,
    });
    touch(siteRoom(INSEE));
    const ok = await publish('a', 'A');
    expect(ok.warnings).toEqual([]);
    const version = path.basename(currentDir());
    // The signed PDF is in the version, and its SHA-256 is shown.
    expect(readFileSync(path.join(currentDir(), 'media', `${PDF}.pdf`), 'utf8')).toBe('%PDF-1.7 signé');
    expect(online('arrete-2026-01/index.html')).toContain(`<code class="hash">${PDF}</code>`);

    // « Retirer du site » one month later is refused, with the reason.
    clock = Date.UTC(2026, 1, 15);
    await expect(
      publisher.publish(INSEE, 'a', 'A', { kind: 'withdraw', pageId: acte }),
    ).rejects.toMatchObject({
      code: 'acte-online',
      message: expect.stringMatching(
        /L’acte « Arrêté 2026-01 » doit rester en ligne.*15 mars 2026\. La page reste en ligne\.$/,
      ),
    });
    expect(path.basename(currentDir())).toBe(version);
    // Set back to draft in the manifest: the site-wide publication keeps it online and says why.
    updatePage(manifest, acte, { status: 'draft' }, 'test', clock);
    touch(siteRoom(INSEE));
    const kept = await publish('a', 'A');
    expect(kept.withdrawn).toEqual([]);
    expect(kept.skipped).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'acte-online',
        pageId: acte,
        message: expect.stringMatching(/L’acte « Arrêté 2026-01 » doit rester en ligne.*15 mars 2026/),
      }),
    ]);
    expect(existsSync(path.join(currentDir(), 'arrete-2026-01', 'index.html'))).toBe(true);

    // A server restart does not forget which actes are online.
    await publisher.close();
    publisher = newPublisher();
    const afterRestart = await publish('a', 'A');
    expect(afterRestart.skipped).toHaveLength(1);
    expect(existsSync(path.join(currentDir(), 'arrete-2026-01', 'index.html'))).toBe(true);

    // Two months later it may go.
    clock = Date.UTC(2026, 2, 16);
    await publish('a', 'A');
    expect(existsSync(path.join(currentDir(), 'arrete-2026-01'))).toBe(false);
  });

  it('[PUBL-7][CHK-8] rollback to a version without an acte (or with an older form of it) is refused within its two months', async () => {
    page('Accueil', 'accueil');
    const v0 = await publish('a', 'A');
    await mkdir(path.join(data.dir, 'media', INSEE), { recursive: true });
    for (const sha of [PDF, PHOTO]) {
      await writeFile(path.join(data.dir, 'media', INSEE, `${sha}.pdf`), '%PDF-1.7 signé');
      mediaMap(manifest).set(sha, {
        name: 'acte.pdf',
        mime: 'application/pdf',
        bytes: 14,
        width: 0,
        height: 0,
      });
    }
    clock += 60_000;
    const acte = page('Délibération 2026-01', 'acte', 'Texte', {
      kind: 'deliberation',
      number: '2026-01',
      date: '2026-01-10',
      subject: 'Budget',
      pdf: PDF,
      onlineAt: '2026-01-15T09:00',
    });
    const v1 = await publish('a', 'A');
    expect(existsSync(path.join(currentDir(), 'deliberation-2026-01'))).toBe(true);

    // One month later: the version without the acte may not come back.
    clock = Date.UTC(2026, 1, 15);
    const lacking = await publisher.rollback(INSEE, v0.version, 'b', 'B').catch((e: unknown) => e);
    expect(lacking).toBeInstanceOf(PublishError);
    expect((lacking as PublishError).code).toBe('acte-online');
    expect((lacking as PublishError).message).toMatch(
      /^Retour à la version du 15 janvier 2026.* refusé : le site en ligne n’a pas changé\.\n• L’acte « Délibération 2026-01 » doit rester en ligne.*pas être retiré avant le 15 mars 2026\..*Cette version ne le contient pas/s,
    );
    expect(path.basename(currentDir())).toBe(v1.version);

    // A corrected acte (new signed PDF, put online again): the version with the first form
    // may not come back either; its own version may.
    updatePageFields(manifest, acte, { pdf: PHOTO, onlineAt: '2026-02-15T09:00' }, 'test', clock);
    touch(siteRoom(INSEE));
    const v2 = await publish('a', 'A');
    const older = await publisher.rollback(INSEE, v1.version, 'b', 'B').catch((e: unknown) => e);
    expect((older as PublishError).code).toBe('acte-online');
    expect((older as PublishError).message).toMatch(/avant le 15 avril 2026.*forme plus ancienne/s);
    expect(path.basename(currentDir())).toBe(v2.version);

    // The rule survives a restart (the actes online are in the database).
    await publisher.close();
    publisher = newPublisher();
    await expect(publisher.rollback(INSEE, v0.version, 'b', 'B')).rejects.toMatchObject({
      code: 'acte-online',
    });

    // Two months after its (second) date put online, the rollback goes through.
    clock = Date.UTC(2026, 3, 16);
    const entry = await publisher.rollback(INSEE, v0.version, 'b', 'B');
    expect(entry).toMatchObject({ version: v0.version, current: true });
    expect(existsSync(path.join(currentDir(), 'deliberation-2026-01'))).toBe(false);
  });

  it('[PUBL-4] a scheduled page goes online at its time, published by the server alone', async () => {
    page('Accueil', 'accueil');
    const meta = createPage(manifest, { title: 'Fête du village', type: 'page', updatedBy: 'test' });
    const body = new Y.Doc();
    writeParagraphs(body, ['Le 21 juin.']);
    docs.set(pageRoom(INSEE, meta.id), body);
    touch(pageRoom(INSEE, meta.id));
    await publish('a', 'A');
    expect(existsSync(path.join(currentDir(), 'fete-du-village'))).toBe(false);

    const scheduled = await publisher.schedule(INSEE, meta.id, clock + 3_600_000, 'a');
    expect(await publisher.runDueSchedules()).toBe(0);
    clock += 3_600_000;
    expect(await publisher.runDueSchedules()).toBe(1);
    expect(online('fete-du-village/index.html')).toContain('Le 21 juin.');
    expect(await publisher.listScheduled(INSEE)).toEqual([
      expect.objectContaining({ id: scheduled.id, state: 'done' }),
    ]);
    // The manifest now says « published », so the next publication keeps the page.
    expect(readPages(manifest).find((p) => p.id === meta.id)?.status).toBe('published');
    const history = await publisher.history(INSEE);
    expect(history[0]).toMatchObject({ publishedBy: SCHEDULER_AGENT });
  });

  it('[PUBL-5] a version is a self-contained folder: every relative link resolves inside it', async () => {
    page('Accueil', 'accueil');
    page('Actualité', 'actualite', 'Texte', {
      date: '2026-01-10',
      summary: 'Résumé',
      image: PHOTO,
      imageAlt: 'Une photo',
    });
    await mkdir(path.join(data.dir, 'media', INSEE), { recursive: true });
    for (const w of [480, 960])
      await writeFile(path.join(data.dir, 'media', INSEE, `${PHOTO}-${w}.webp`), 'RIFF');
    mediaMap(manifest).set(PHOTO, { mime: 'image/webp', width: 1200, height: 800, widths: [480, 960, 1440] });
    touch(siteRoom(INSEE));
    await publish('a', 'A');
    const root = currentDir();
    const html = [
      'index.html',
      'actualite/index.html',
      'plan-du-site/index.html',
      'accessibilite/index.html',
    ];
    for (const rel of html) {
      const doc = online(rel);
      for (const m of doc.matchAll(/\s(?:href|src)="([^"#]+)(?:#[^"]*)?"|(?:, |srcset=")([^ "]+) \d+w/g)) {
        const href = m[1] ?? m[2]!;
        if (/^(https?|mailto|tel):/.test(href)) continue;
        expect(existsSync(path.join(path.dirname(path.join(root, rel)), href)), `${rel} → ${href}`).toBe(
          true,
        );
      }
    }
    // The 1440 px copy was never uploaded: it is not referred to.
    expect(online('actualite/index.html')).not.toContain('-1440.webp');
  });
});
