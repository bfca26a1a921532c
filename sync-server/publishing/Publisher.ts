/**
 * Publishing: reads a commune's manifest and published page docs, renders them with site/,
 * runs the RGAA checks (errors block), writes a new immutable version directory, then
 * atomically switches the `current` symlink:
 *   {dataDir}/sites/{slug}/versions/{versionId}/…   (older versions stay for rollback)
 *   {dataDir}/sites/{slug}/current -> versions/{versionId}
 *
 * Incremental: page bodies are read and converted by Lexical again only when their doc's
 * stored sequence number changed; body HTML is memoised on the editor-state object; files
 * whose content did not change are hard-linked from the previous version instead of written.
 * History of publications (who, when, which pages changed), rollback to a kept version, and
 * scheduled publication of a page done by the server (SPEC.md [PUBL-*]).
 */
import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SerializedEditorState } from 'lexical';
import * as Y from 'yjs';
import type {
  PageStatusEntry,
  PublicationEntry,
  PublicationResponse,
  PublishIssue,
  PublishResponse,
  ScheduledPublication,
} from '../../site/apiContract';
import { type AddressMap, nextAddressMap } from '../../site/addressMap';
import { checkSite, type CheckIssue } from '../../site/checks';
import { readPageBody } from '../../site/pageBody';
import { acteUnpublishRefusal } from '../../site/pageTypes';
import { MIME_EXT, type MediaInfo } from '../../site/renderHtml';
import { createRenderCache, type RenderCache, renderSite, type SiteSnapshot } from '../../site/renderSite';
import { readMenus, type SiteMenus } from '../../site/menus';
import { readSiteSettings, type SiteSettingsFull } from '../../site/settings';
import {
  type MediaEntry,
  nestedTypeDepth,
  PAGE_BODY_MAX_TYPE_DEPTH,
  PAGE_BODY_ROOT,
  type PageMeta,
  readMedia,
  readPagesReport,
  type UnreadablePage,
  updatePage,
} from '../../site/siteDoc';
import { pageRoom, siteRoom } from '../../site/syncProtocol';
import type { Commune } from '../accounts/communes';
import type { SqliteDatabase } from '../storage/database';
import type { Logger } from '../observability/Logger';
import { metaKey, type NewRelease, type PageRelease, PageReleases } from './PageReleases';
import { capture, type CapturedPage, fingerprintOf } from './PageSnapshots';
import { indexRenderedSite, SearchIndexBuilder } from './search/publishedIndex';
import { isSiteSlug, mediaDirOf, siteDirOf, UnsafePathError } from '../storage/safePaths';
import { readAddressFile, writeAddressFile } from './siteAddresses';

export interface PublisherOptions {
  db: SqliteDatabase;
  dataDir: string;
  /** Folder holding `site.css`, the theme of published sites. */
  assetsDir: string;
  logger: Logger;
  /** Current state of a room's doc (from memory when open, else from the store). */
  readDoc: (room: string) => Promise<Y.Doc>;
  commune: (insee: string) => Commune | undefined;
  now?: () => number;
  /**
   * Stored sequence number of each of the commune's docs (DocStore.listRooms): a page body
   * whose number did not change since the last publication is not read again. Without it,
   * every body is read, and only Lexical's conversion is skipped for unchanged docs.
   */
  listRoomSeqs?: (insee: string) => Promise<Array<{ room: string; seq: number }>>;
  /** Changes a room's live doc (a scheduled publication marks its page « published »). */
  writeDoc?: (room: string, change: (doc: Y.Doc) => void) => Promise<void>;
  /** Uploaded media: `{mediaDir}/{insee}/{sha256}.{ext}` and `{sha256}-{w}.webp`. */
  mediaDir?: string;
  /** Public origin of the sites, for sitemap and feeds (default http://localhost:8080). */
  publicOrigin?: string;
  /** Versions kept on disk for rollback (default 30; the current one is always kept). */
  keepVersions?: number;
  /** How often due scheduled publications are looked for; 0 disables (default 15 s). */
  scheduleIntervalMs?: number;
  /**
   * After a publication: the page bodies it read again (their doc changed since the last
   * publication), for the shared page history (PageSnapshots.recordPublication).
   */
  onPagesPublished?: (insee: string, pages: CapturedPage[], by: string | null, at: number) => void;
  /**
   * Migration of sites published before per-page releases: the Yjs state of a page body as
   * last published (PageSnapshots' newest `publication` snapshot), or null.
   */
  publishedBodyState?: (insee: string, pageId: string) => Uint8Array | null;
}

/**
 * What a publication does ([PUBL-9]): `site` (« Publier les modifications ») puts online the
 * new form of every page online whose fields or body changed, skipping those the checks
 * refuse; `page` (« Mettre en ligne ») puts one page online as it is now; `withdraw`
 * (« Retirer du site ») takes one page off. Scheduled pages that are due go online with any.
 */
export type PublishRequest =
  { kind: 'site' } | { kind: 'page'; pageId: string } | { kind: 'withdraw'; pageId: string };

export type PublishErrorCode =
  | 'unknown-commune'
  | 'publish-failed'
  | 'unknown-version'
  | 'acte-online'
  | 'schedule-in-past'
  | 'unknown-page'
  | 'not-online';

/**
 * What a publication request ends with. A refusal by the checks is an expected answer, not a
 * failure: it carries the French summary (with one line per error) and every finding.
 */
export type PublishOutcome =
  | { kind: 'published'; response: PublishResponse }
  | { kind: 'blocked'; message: string; issues: PublishIssue[] };

/** A publication that cannot be done; `message` is French. */
export class PublishError extends Error {
  readonly code: PublishErrorCode;
  readonly issues: PublishIssue[];
  constructor(code: PublishErrorCode, message: string, issues: PublishIssue[] = []) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

const VERSION = /^\d{8}-\d{9}Z-[0-9a-f]{8}$/;
/** Who publishes when the scheduler does. */
export const SCHEDULER_AGENT = 'programmation';

/** A rendered file's relative path, checked: no absolute path, no `..`, no odd characters. */
function safeRelativePath(rel: string): string | null {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments.join(path.sep);
}

interface CommuneState {
  /** Page id → editor state read at this store sequence number (or state-vector key). */
  bodies: Map<string, { key: string; body: SerializedEditorState; fingerprint: string }>;
  /** Page id → fingerprint of its live body at a store sequence number (statuses). */
  prints: Map<string, { key: string; fingerprint: string }>;
  render: RenderCache;
  /** The version directory `files` were written to, and their contents. */
  version: string | null;
  files: Map<string, string>;
  /** Output check findings per file, valid while the file's content is the same. */
  checks: Map<string, { html: string; issues: CheckIssue[] }>;
  /** Page id → path, title of the previous version (for the history's change list). */
  pages: Map<string, { path: string; title: string }>;
  /** Actes online in the previous version (two-month rule). */
  actes: PageMeta[];
  /** Media paths of the previous version. */
  media: Set<string>;
  /**
   * Page bodies read since the last publication that went online (page id → its state): the
   * history snapshot of each is recorded by the next publication that succeeds — a publication
   * blocked by the checks keeps them, since the body cache will not read those pages again.
   */
  pendingCaptures: Map<string, CapturedPage>;
  /** The manifest as read at a store sequence number. */
  manifest: {
    key: string;
    pages: PageMeta[];
    /** Page entries that cannot be read: left out of the site, reported in the outcome. */
    unreadable: UnreadablePage[];
    settings: SiteSettingsFull;
    media: Record<string, MediaEntry>;
    menus: SiteMenus;
  } | null;
  /**
   * A copy of the current version made of hard links, prepared in the background after a
   * publication: the next one only replaces the files that changed (no mkdir, no link).
   */
  prepared: { base: string; dir: string } | null;
  /** Address map of the version online (null: read it from `current`, site/SPEC.md [ADDR-*]). */
  addresses: AddressMap | null;
}

function emptyState(): CommuneState {
  return {
    bodies: new Map(),
    prints: new Map(),
    render: createRenderCache(),
    version: null,
    files: new Map(),
    checks: new Map(),
    pages: new Map(),
    actes: [],
    media: new Set(),
    pendingCaptures: new Map(),
    manifest: null,
    prepared: null,
    addresses: null,
  };
}

const EMPTY_BODY = { root: { type: 'root', children: [] } } as unknown as SerializedEditorState;

function toIssue(issue: CheckIssue): PublishIssue {
  return {
    severity: issue.severity,
    rule: issue.rule,
    pageId: issue.pageId,
    page: issue.page,
    message: issue.message,
    ...(issue.field ? { field: issue.field } : {}),
  };
}

const DATE_TIME_FR = new Intl.DateTimeFormat('fr-FR', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'Europe/Paris',
});

/** The legal content of an acte, compared field by field (key order does not matter). */
function acteForm(acte: Pick<PageMeta, 'fields'>): string {
  const fields = (acte.fields ?? {}) as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
  );
}

/**
 * [PUBL-7] Why putting a version back online would break the two-month rule (R2131-1 CGCT):
 * one French line per acte online now, still inside its two months, that the version lacks or
 * holds in another form. `target` null (version published before actes were recorded per
 * version) counts as lacking them all.
 */
export function rollbackActeRefusals(
  onlineNow: readonly PageMeta[],
  target: readonly PageMeta[] | null,
  now: number,
): string[] {
  const out: string[] = [];
  for (const acte of onlineNow) {
    const refusal = acteUnpublishRefusal(acte, now);
    if (!refusal) continue;
    const there = target?.find((a) => a.id === acte.id);
    if (there && acteForm(there) === acteForm(acte)) continue;
    out.push(
      `• ${refusal} Cette version ${there ? 'en contient une forme plus ancienne' : 'ne le contient pas'} : publiez plutôt le site après avoir corrigé les autres pages.`,
    );
  }
  return out;
}

export class Publisher {
  private readonly options: PublisherOptions;
  private readonly now: () => number;
  /** One publication at a time per commune. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly state = new Map<string, CommuneState>();
  /** Media files known to exist (content-addressed, so never change). */
  private readonly mediaSeen = new Set<string>();
  /** Search documents of each commune's pages, kept between publications ([SEARCH-3]). */
  private readonly searchIndex: SearchIndexBuilder = new SearchIndexBuilder();
  private timer: NodeJS.Timeout | null = null;
  private readonly releases: PageReleases;

  constructor(options: PublisherOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.releases = new PageReleases(options.db);
    const interval = options.scheduleIntervalMs ?? 15_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.runDueSchedules(), interval);
      this.timer.unref();
    }
  }

  private closed = false;

  /** Stops the scheduler and waits for the publications and background work under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.queues.values()]);
  }

  get sitesDir(): string {
    return path.join(this.options.dataDir, 'sites');
  }

  /**
   * The commune's site folder; a slug that is not one (a tampered or restored database) is
   * refused before any file is written (safePaths.ts).
   */
  private siteDir(commune: Commune): string {
    try {
      return siteDirOf(this.sitesDir, commune.slug);
    } catch (error) {
      if (error instanceof UnsafePathError) throw new PublishError('publish-failed', error.message);
      throw error;
    }
  }

  private get mediaDir(): string {
    return this.options.mediaDir ?? path.join(this.options.dataDir, 'media');
  }

  /** The directory `current` points to for a site slug, or null (never published, bad slug). */
  async currentDir(slug: string): Promise<string | null> {
    if (!isSiteSlug(slug)) return null;
    try {
      return await fs.realpath(path.join(siteDirOf(this.sitesDir, slug), 'current'));
    } catch {
      return null;
    }
  }

  publish(
    insee: string,
    publishedBy: string | null,
    publishedByName: string | null = null,
    request: PublishRequest = { kind: 'site' },
  ): Promise<PublishOutcome> {
    return this.enqueue(insee, () => this.publishNow(insee, publishedBy, publishedByName, request));
  }

  /** Publications waiting or under way for a commune (a flood is refused beyond a few). */
  queued(insee: string): number {
    return this.waiting.get(insee) ?? 0;
  }

  private readonly waiting = new Map<string, number>();

  private enqueue<T>(insee: string, job: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(insee) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(job);
    this.queues.set(insee, run);
    this.waiting.set(insee, (this.waiting.get(insee) ?? 0) + 1);
    void run
      .finally(() => {
        const left = (this.waiting.get(insee) ?? 1) - 1;
        if (left > 0) this.waiting.set(insee, left);
        else this.waiting.delete(insee);
        if (this.queues.get(insee) === run) this.queues.delete(insee);
      })
      .catch(() => undefined);
    return run;
  }

  publication(insee: string): PublicationResponse {
    const commune = this.options.commune(insee);
    const row = this.options.db
      .prepare('SELECT at AS publishedAt FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT 1')
      .get(insee) as { publishedAt: number } | undefined;
    const legacy = row
      ? undefined
      : (this.options.db
          .prepare(
            'SELECT published_at AS publishedAt FROM publications WHERE insee = ? ORDER BY published_at DESC LIMIT 1',
          )
          .get(insee) as { publishedAt: number } | undefined);
    const last = row ?? legacy;
    if (!commune || !last) return { lastPublishedAt: null, url: null };
    return { lastPublishedAt: last.publishedAt, url: `/sites/${commune.slug}/` };
  }

  // ---- History and rollback ----

  async history(insee: string, limit = 100): Promise<PublicationEntry[]> {
    const commune = this.options.commune(insee);
    if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    const rows = this.options.db
      .prepare(
        'SELECT version, at, by, by_name AS byName, pages, changed, rollback_of AS rollbackOf FROM publication_events WHERE insee = ? ORDER BY id DESC LIMIT ?',
      )
      .all(insee, Math.max(1, Math.min(1000, limit))) as Array<{
      version: string;
      at: number;
      by: string | null;
      byName: string | null;
      pages: number;
      changed: string;
      rollbackOf: string | null;
    }>;
    const current = await this.currentDir(commune.slug);
    const currentVersion = current ? path.basename(current) : null;
    let currentSeen = false;
    return rows.map((row) => {
      const isCurrent = !currentSeen && row.version === currentVersion;
      if (isCurrent) currentSeen = true;
      let changed: PublicationEntry['changed'] = [];
      try {
        changed = JSON.parse(row.changed) as PublicationEntry['changed'];
      } catch {
        changed = [];
      }
      return {
        version: row.version,
        publishedAt: row.at,
        publishedBy: row.by,
        publishedByName: row.byName,
        pages: row.pages,
        changed,
        current: isCurrent,
        rollbackOf: row.rollbackOf,
        kept:
          VERSION.test(row.version) &&
          fsSync.existsSync(path.join(this.siteDir(commune), 'versions', row.version)),
      };
    });
  }

  /** Puts a kept version back online (atomic switch) and records it in the history. */
  rollback(
    insee: string,
    version: string,
    by: string | null,
    byName: string | null = null,
  ): Promise<PublicationEntry> {
    return this.enqueue(insee, async () => {
      const commune = this.options.commune(insee);
      if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
      const siteDir = this.siteDir(commune);
      const dir = path.join(siteDir, 'versions', VERSION.test(version) ? version : '.invalid');
      const known = this.options.db
        .prepare(
          'SELECT pages FROM publication_events WHERE insee = ? AND version = ? ORDER BY id DESC LIMIT 1',
        )
        .get(insee, version) as { pages: number } | undefined;
      if (!VERSION.test(version) || !known || !fsSync.existsSync(dir))
        throw new PublishError(
          'unknown-version',
          `La version « ${version} » n’existe pas ou n’est plus conservée : elle ne peut pas être remise en ligne.`,
        );
      const state = this.communeState(insee);
      const at = this.now();
      const targetActes = this.versionActes(insee, version);
      const refusals = rollbackActeRefusals(state.actes, targetActes, at);
      if (refusals.length > 0)
        throw new PublishError(
          'acte-online',
          `Retour à la version du ${DATE_TIME_FR.format(new Date(this.versionPublishedAt(insee, version) ?? 0))} refusé : le site en ligne n’a pas changé.\n${refusals.join('\n')}`,
        );
      await this.switchCurrent(siteDir, version);
      this.options.db
        .prepare(
          'INSERT INTO publication_events (insee, version, at, by, by_name, pages, changed, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(insee, version, at, by, byName, known.pages, '[]', version);
      // The files online are no longer those of the last publication: next one writes all.
      if (state.prepared) await fs.rm(state.prepared.dir, { recursive: true, force: true });
      state.prepared = null;
      state.version = null;
      state.files = new Map();
      state.media = new Set();
      state.pages = new Map();
      state.addresses = null;
      // The actes online are now those of the version put back (unknown for a version
      // published before they were recorded: the previous list is kept, the stricter choice).
      if (targetActes) this.recordActesOnline(insee, state, targetActes);
      this.options.logger.log('info', 'site.rollback', { insee, version });
      return (await this.history(insee, 1))[0]!;
    });
  }

  /** The actes online in a version, as recorded at its publication; null if not recorded. */
  private versionActes(insee: string, version: string): PageMeta[] | null {
    const row = this.options.db
      .prepare('SELECT actes FROM version_actes WHERE insee = ? AND version = ?')
      .get(insee, version) as { actes: string } | undefined;
    return row ? (JSON.parse(row.actes) as PageMeta[]) : null;
  }

  private versionPublishedAt(insee: string, version: string): number | null {
    const row = this.options.db
      .prepare('SELECT MIN(at) AS at FROM publication_events WHERE insee = ? AND version = ?')
      .get(insee, version) as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  private recordActesOnline(insee: string, state: CommuneState, actes: PageMeta[]): void {
    state.actes = actes;
    this.options.db
      .prepare(
        'INSERT INTO published_actes (insee, actes) VALUES (?, ?) ON CONFLICT (insee) DO UPDATE SET actes = excluded.actes',
      )
      .run(insee, JSON.stringify(actes));
  }

  // ---- Scheduled publication ----

  schedule(insee: string, pageId: string, at: number, createdBy: string | null): ScheduledPublication {
    if (at <= this.now())
      throw new PublishError(
        'schedule-in-past',
        'Cette date est déjà passée : choisissez une date et une heure à venir. Rien n’a été programmé.',
      );
    const id = crypto.randomBytes(9).toString('base64url');
    this.options.db
      .prepare(
        "INSERT INTO scheduled_publications (id, insee, page_id, at, created_by, state, message) VALUES (?, ?, ?, ?, ?, 'pending', NULL)",
      )
      .run(id, insee, pageId, at, createdBy);
    return { id, pageId, at, createdBy, state: 'pending', message: null };
  }

  listScheduled(insee: string): ScheduledPublication[] {
    const rows = this.options.db
      .prepare(
        'SELECT id, page_id AS pageId, at, created_by AS createdBy, state, message FROM scheduled_publications WHERE insee = ? ORDER BY at, id',
      )
      .all(insee) as ScheduledPublication[];
    return rows;
  }

  cancelScheduled(insee: string, id: string): boolean {
    const result = this.options.db
      .prepare(
        "UPDATE scheduled_publications SET state = 'cancelled' WHERE insee = ? AND id = ? AND state = 'pending'",
      )
      .run(insee, id);
    return result.changes > 0;
  }

  /** Publishes every commune that has a scheduled publication due. Called by the timer. */
  async runDueSchedules(): Promise<number> {
    const db = this.options.db as SqliteDatabase & { open?: boolean };
    if (db.open === false || this.closed) {
      void this.close();
      return 0;
    }
    let due: Array<{ insee: string }>;
    try {
      due = db
        .prepare("SELECT DISTINCT insee FROM scheduled_publications WHERE state = 'pending' AND at <= ?")
        .all(this.now()) as Array<{ insee: string }>;
    } catch (error) {
      this.options.logger.log('error', 'site.schedule_scan_failed', { error });
      return 0;
    }
    let done = 0;
    for (const { insee } of due) {
      const failed = (message: string) =>
        db
          .prepare(
            "UPDATE scheduled_publications SET state = 'failed', message = ? WHERE insee = ? AND state = 'pending' AND at <= ?",
          )
          .run(message.slice(0, 2000), insee, this.now());
      try {
        const outcome = await this.publish(insee, SCHEDULER_AGENT, 'Publication programmée');
        switch (outcome.kind) {
          case 'published':
            done++;
            break;
          case 'blocked':
            failed(outcome.message.replace(/\n/g, ' '));
            this.options.logger.log('warn', 'site.schedule_blocked', {
              insee,
              issues: outcome.issues.length,
            });
            break;
        }
      } catch (error) {
        failed(error instanceof PublishError ? error.message : 'La publication programmée a échoué.');
        this.options.logger.log('warn', 'site.schedule_failed', { insee, error });
      }
    }
    return done;
  }

  // ---- Publishing ----

  private communeState(insee: string): CommuneState {
    let state = this.state.get(insee);
    if (!state) {
      state = emptyState();
      // The two-month rule must survive a restart: the actes online are kept in the database.
      const row = this.options.db.prepare('SELECT actes FROM published_actes WHERE insee = ?').get(insee) as
        { actes: string } | undefined;
      if (row) state.actes = JSON.parse(row.actes) as PageMeta[];
      this.state.set(insee, state);
    }
    return state;
  }

  /** Media entries whose files were uploaded; widths without a file are dropped. */
  private availableMedia(insee: string, media: Record<string, MediaInfo>): Record<string, MediaInfo> {
    const out: Record<string, MediaInfo> = {};
    const dir = mediaDirOf(this.mediaDir, insee);
    const exists = (file: string) => {
      const full = path.join(dir, file);
      if (this.mediaSeen.has(full)) return true;
      if (!fsSync.existsSync(full)) return false;
      this.mediaSeen.add(full);
      return true;
    };
    for (const [sha, info] of Object.entries(media)) {
      const ext = MIME_EXT[info.mime];
      const original = ext !== undefined && exists(`${sha}.${ext}`);
      const widths = info.widths.filter((w) => exists(`${sha}-${w}.webp`));
      if (!original && widths.length === 0) continue;
      out[sha] = { ...info, widths };
    }
    return out;
  }

  private async readBodies(
    insee: string,
    state: CommuneState,
    pages: PageMeta[],
    seqs: Map<string, number> | null,
  ): Promise<{
    bodies: Map<string, SerializedEditorState>;
    fingerprints: Map<string, string>;
    read: number;
    unreadable: PageMeta[];
    captured: CapturedPage[];
  }> {
    const bodies = new Map<string, SerializedEditorState>();
    const fingerprints = new Map<string, string>();
    const captured: CapturedPage[] = [];
    const unreadable: PageMeta[] = [];
    let read = 0;
    for (const meta of pages) {
      const room = pageRoom(insee, meta.id);
      const cached = state.bodies.get(meta.id);
      let key: string | null = seqs ? `seq:${seqs.get(room) ?? 0}` : null;
      if (key !== null && cached?.key === key) {
        bodies.set(meta.id, cached.body);
        fingerprints.set(meta.id, cached.fingerprint);
        continue;
      }
      const doc = await this.options.readDoc(room);
      try {
        if (key === null) key = `sv:${Buffer.from(Y.encodeStateVector(doc)).toString('base64')}`;
        if (cached?.key === key) {
          bodies.set(meta.id, cached.body);
          fingerprints.set(meta.id, cached.fingerprint);
          continue;
        }
        read++;
        try {
          const root = doc.get(PAGE_BODY_ROOT, Y.XmlText);
          if (nestedTypeDepth(root, PAGE_BODY_MAX_TYPE_DEPTH) > PAGE_BODY_MAX_TYPE_DEPTH)
            throw new Error('body nested deeper than PAGE_BODY_MAX_TYPE_DEPTH');
          const body = readPageBody(doc);
          const fingerprint = fingerprintOf(doc);
          state.bodies.set(meta.id, { key, body, fingerprint });
          bodies.set(meta.id, body);
          fingerprints.set(meta.id, fingerprint);
          if (this.options.onPagesPublished) captured.push(capture(meta.id, doc));
        } catch (error) {
          // [BODY-6] keep the previous version of the page rather than publish it empty.
          unreadable.push(meta);
          bodies.set(meta.id, cached?.body ?? EMPTY_BODY);
          this.options.logger.log('warn', 'site.page_body_unreadable', { insee, pageId: meta.id, error });
        }
      } finally {
        doc.destroy();
      }
    }
    return { bodies, fingerprints, read, unreadable, captured };
  }

  private async roomSeqs(insee: string): Promise<Map<string, number> | null> {
    return this.options.listRoomSeqs
      ? new Map((await this.options.listRoomSeqs(insee)).map((r) => [r.room, r.seq]))
      : null;
  }

  /** The live manifest, read again only when its stored sequence number moved. */
  private async loadManifest(
    insee: string,
    commune: Commune,
    state: CommuneState,
    seqs: Map<string, number> | null,
  ): Promise<NonNullable<CommuneState['manifest']>> {
    const manifestKey = seqs ? `seq:${seqs.get(siteRoom(insee)) ?? 0}` : null;
    if (manifestKey === null || state.manifest?.key !== manifestKey) {
      const manifest = await this.options.readDoc(siteRoom(insee));
      const { pages: readable, unreadable } = readPagesReport(manifest);
      for (const page of unreadable)
        this.options.logger.log('warn', 'site.page_unreadable', {
          insee,
          pageId: page.id,
          reason: page.reason,
        });
      state.manifest = {
        key: manifestKey ?? '',
        pages: readable,
        unreadable,
        settings: readSiteSettings(manifest, commune.name),
        media: readMedia(manifest),
        menus: readMenus(manifest),
      };
      manifest.destroy();
    }
    return state.manifest;
  }

  /** The pages online now, as they were put online (page id → release). */
  private async onlineReleases(
    insee: string,
    state: CommuneState,
    livePages: readonly PageMeta[],
  ): Promise<Map<string, PageRelease>> {
    const version = this.releases.currentVersion(insee);
    if (!version) return new Map();
    if (!this.releases.recorded(insee, version)) await this.migrate(insee, version, livePages);
    return new Map(this.releases.pagesOf(insee, version).map((r) => [r.pageId, r]));
  }

  /**
   * A site published before per-page releases: its pages online are recorded as they were
   * published — body from the page history's last publication snapshot (else the live body),
   * fields from the manifest — so they stay online as they are.
   */
  private async migrate(insee: string, version: string, livePages: readonly PageMeta[]): Promise<void> {
    const ids = this.legacyOnlineIds(insee, version);
    const metas = livePages.filter((p) => (ids ? ids.has(p.id) : p.status === 'published'));
    const added: NewRelease[] = [];
    for (const meta of metas) {
      const stored = this.options.publishedBodyState?.(insee, meta.id) ?? null;
      let doc: Y.Doc;
      if (stored) {
        doc = new Y.Doc();
        Y.applyUpdate(doc, stored);
      } else doc = await this.options.readDoc(pageRoom(insee, meta.id));
      try {
        added.push({
          pageId: meta.id,
          meta: { ...meta, status: 'published' },
          body: readPageBody(doc),
          fingerprint: fingerprintOf(doc),
          bodySeq: null,
        });
      } catch (error) {
        this.options.logger.log('warn', 'site.migration_body_unreadable', { insee, pageId: meta.id, error });
      } finally {
        doc.destroy();
      }
    }
    const at = this.versionPublishedAt(insee, version) ?? this.now();
    this.options.db.transaction(() => this.releases.record(insee, version, [], added, at, null))();
    this.options.logger.log('info', 'site.releases_migrated', { insee, version, pages: added.length });
  }

  /**
   * The pages in a version published before per-page releases, from the history of changes
   * (every page is « added » by the first publication after a start); null when the history
   * does not say (then the pages marked « published » are taken).
   */
  private legacyOnlineIds(insee: string, version: string): Set<string> | null {
    const rows = this.options.db
      .prepare(
        'SELECT version, changed, rollback_of AS rollbackOf FROM publication_events WHERE insee = ? ORDER BY id DESC',
      )
      .all(insee) as Array<{ version: string; changed: string; rollbackOf: string | null }>;
    const start = rows.findIndex((r) => r.version === version && r.rollbackOf === null);
    if (start < 0) return null;
    const ids = new Set<string>();
    const settled = new Set<string>();
    for (const row of rows.slice(start)) {
      let changed: PublicationEntry['changed'] = [];
      try {
        changed = JSON.parse(row.changed) as PublicationEntry['changed'];
      } catch {
        // An unreadable line of history says nothing.
      }
      for (const { pageId, change } of changed) {
        if (settled.has(pageId)) continue;
        settled.add(pageId);
        if (change !== 'removed') ids.add(pageId);
      }
    }
    return ids;
  }

  /**
   * [PUBL-9] Where each page stands: online or not, changed since it was put online (fields
   * or body), scheduled. What the public site shows, not what the manifest says.
   */
  pageStatuses(insee: string): Promise<PageStatusEntry[]> {
    return this.enqueue(insee, async () => {
      const commune = this.options.commune(insee);
      if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
      const state = this.communeState(insee);
      const seqs = await this.roomSeqs(insee);
      const { pages } = await this.loadManifest(insee, commune, state, seqs);
      const online = await this.onlineReleases(insee, state, pages);
      const scheduled = new Map<string, number>();
      for (const s of this.listScheduled(insee))
        if (s.state === 'pending' && !(scheduled.get(s.pageId)! <= s.at)) scheduled.set(s.pageId, s.at);
      const out: PageStatusEntry[] = [];
      for (const meta of pages) {
        const release = online.get(meta.id);
        out.push({
          pageId: meta.id,
          online: release !== undefined,
          modified: release ? await this.changedSince(insee, state, meta, release, seqs) : false,
          releasedAt: release?.releasedAt ?? null,
          releasedBy: release?.releasedBy ?? null,
          scheduledAt: scheduled.get(meta.id) ?? null,
        });
      }
      return out;
    });
  }

  private async changedSince(
    insee: string,
    state: CommuneState,
    meta: PageMeta,
    release: PageRelease,
    seqs: Map<string, number> | null,
  ): Promise<boolean> {
    if (metaKey(meta) !== metaKey(release.meta)) return true;
    const room = pageRoom(insee, meta.id);
    const seq = seqs?.get(room);
    if (seq !== undefined && seq === release.bodySeq) return false;
    const key = seq === undefined ? null : `seq:${seq}`;
    const known = state.prints.get(meta.id);
    if (key !== null && known?.key === key) return known.fingerprint !== release.fingerprint;
    const doc = await this.options.readDoc(room);
    try {
      const fingerprint = fingerprintOf(doc);
      if (key !== null) state.prints.set(meta.id, { key, fingerprint });
      return fingerprint !== release.fingerprint;
    } finally {
      doc.destroy();
    }
  }

  private async publishNow(
    insee: string,
    publishedBy: string | null,
    publishedByName: string | null,
    request: PublishRequest,
  ): Promise<PublishOutcome> {
    const commune = this.options.commune(insee);
    if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    const siteDir = this.siteDir(commune); // before anything is read or written
    const started = performance.now();
    const state = this.communeState(insee);
    const publishedAt = this.now();

    const phases: Record<string, number> = {};
    let mark = performance.now();
    const phase = (name: string) => {
      const t = performance.now();
      phases[name] = Math.round(t - mark);
      mark = t;
    };
    const seqs = await this.roomSeqs(insee);
    const {
      pages: livePages,
      unreadable: unreadablePages,
      settings,
      media,
      menus,
    } = await this.loadManifest(insee, commune, state, seqs);
    const live = new Map(livePages.map((p) => [p.id, p]));
    for (const id of state.bodies.keys()) if (!live.has(id)) state.bodies.delete(id);
    const online = await this.onlineReleases(insee, state, livePages);

    // [PUBL-9] What this publication changes: the page asked for, or every page online that
    // changed; scheduled pages that are due in any case.
    const due = this.options.db
      .prepare(
        "SELECT id, page_id AS pageId FROM scheduled_publications WHERE insee = ? AND state = 'pending' AND at <= ?",
      )
      .all(insee, publishedAt) as Array<{ id: string; pageId: string }>;
    const explicit = request.kind === 'site' ? null : request.pageId;
    if (request.kind === 'page' && !live.has(request.pageId))
      throw new PublishError('unknown-page', 'Cette page n’existe pas (ou plus) dans le site.');
    const removals = new Set<string>();
    if (request.kind === 'withdraw') {
      const release = online.get(request.pageId);
      if (!release) throw new PublishError('not-online', 'Cette page n’est pas en ligne : rien à retirer.');
      const refusal = acteUnpublishRefusal(release.meta, publishedAt);
      if (refusal) throw new PublishError('acte-online', `${refusal} La page reste en ligne.`);
      removals.add(request.pageId);
    }
    // Pages deleted, or set back to « draft » in the manifest, leave the site with « Publier
    // les modifications » (unless the checks refuse it: an acte inside its two months).
    if (request.kind === 'site')
      for (const id of online.keys()) if (live.get(id)?.status !== 'published') removals.add(id);
    const toRead = new Map<string, PageMeta>();
    if (request.kind === 'page') toRead.set(request.pageId, live.get(request.pageId)!);
    for (const d of due) {
      const meta = live.get(d.pageId);
      if (meta && !removals.has(d.pageId)) toRead.set(d.pageId, meta);
    }
    // Pages marked « published » in the manifest but not online (sites and tools that set it
    // directly, a page marked before this model) go online with « Publier les modifications ».
    if (request.kind === 'site')
      for (const meta of livePages)
        if (meta.status === 'published' && !online.has(meta.id)) toRead.set(meta.id, meta);
    if (request.kind === 'site')
      for (const release of online.values()) {
        const meta = live.get(release.pageId);
        if (!meta) continue;
        const seq = seqs?.get(pageRoom(insee, meta.id));
        if (metaKey(meta) !== metaKey(release.meta) || seq === undefined || seq !== release.bodySeq)
          toRead.set(meta.id, meta);
      }

    phase('manifest');
    const { bodies, fingerprints, read, unreadable, captured } = await this.readBodies(
      insee,
      state,
      [...toRead.values()],
      seqs,
    );
    for (const page of captured) state.pendingCaptures.set(page.pageId, page);
    const unreadableIds = new Set(unreadable.map((m) => m.id));
    const candidates = new Map<string, NewRelease>();
    for (const meta of toRead.values()) {
      if (unreadableIds.has(meta.id)) continue; // [BODY-6] its online form stays
      const fingerprint = fingerprints.get(meta.id)!;
      const release = online.get(meta.id);
      const asked = meta.id === explicit || due.some((d) => d.pageId === meta.id);
      if (!asked && release && metaKey(meta) === metaKey(release.meta) && release.fingerprint === fingerprint)
        continue; // unchanged
      candidates.set(meta.id, {
        pageId: meta.id,
        meta: { ...meta, status: 'published' },
        body: bodies.get(meta.id) ?? EMPTY_BODY,
        fingerprint,
        bodySeq: seqs?.get(pageRoom(insee, meta.id)) ?? null,
      });
    }
    phase('bodies');
    const stylesheet = await fs.readFile(path.join(this.options.assetsDir, 'site.css'), 'utf8');
    const origin = (this.options.publicOrigin ?? 'http://localhost:8080').replace(/\/+$/, '');
    const snapshotOf = (): SiteSnapshot => {
      const pages: SiteSnapshot['pages'] = [];
      for (const release of online.values())
        if (!removals.has(release.pageId) && !candidates.has(release.pageId))
          pages.push({ meta: release.meta, body: release.body });
      for (const c of candidates.values()) pages.push({ meta: c.meta, body: c.body });
      return {
        commune: { insee: commune.insee, name: commune.name, slug: commune.slug },
        settings,
        pages,
        media: this.availableMedia(insee, media),
        stylesheet,
        publishedAt,
        siteUrl: `${origin}/sites/${commune.slug}/`,
        searchAvailable: true,
        menus,
      };
    };

    // Render and check; a change the checks refuse is left out (its page stays as it is
    // online), except the one asked for: then nothing is published.
    const skipped: PublishIssue[] = [];
    let snapshot = snapshotOf();
    let rendered = renderSite(snapshot, { cache: state.render });
    let report = checkSite(snapshot, rendered, {
      previouslyOnline: state.actes,
      now: publishedAt,
      outputCache: state.checks,
    });
    for (let round = 0; round < 5 && report.errors.length > 0; round++) {
      const leftOut = new Set(
        report.errors
          .map((e) => e.pageId)
          .filter(
            (id): id is string => id !== null && id !== explicit && (candidates.has(id) || removals.has(id)),
          ),
      );
      if (leftOut.size === 0) break;
      for (const id of leftOut) {
        candidates.delete(id);
        removals.delete(id);
      }
      skipped.push(...report.errors.filter((e) => e.pageId !== null && leftOut.has(e.pageId)).map(toIssue));
      snapshot = snapshotOf();
      rendered = renderSite(snapshot, { cache: state.render });
      report = checkSite(snapshot, rendered, {
        previouslyOnline: state.actes,
        now: publishedAt,
        outputCache: state.checks,
      });
    }
    const renderedMs = performance.now() - started;
    phase('render');
    const published = snapshot.pages.map((p) => p.meta);
    const skippedDue = due.filter((d) => !candidates.has(d.pageId));
    phase('checks');
    const warnings = report.warnings.map(toIssue);
    for (const page of unreadablePages)
      warnings.push({
        severity: 'warning',
        rule: 'unreadable-page',
        pageId: page.id,
        page: page.title,
        message: `Page « ${page.title || page.id} » : elle n’a pas été publiée, ${page.reason}. Un administrateur peut la réparer (npm run admin -- repair-page --commune ${insee} --page ${page.id}).`,
      });
    for (const meta of unreadable)
      warnings.push({
        severity: 'warning',
        rule: 'unreadable-body',
        pageId: meta.id,
        page: meta.title,
        message: `Page « ${meta.title} » : son contenu n’a pas pu être lu (version plus récente de l’éditeur ?) ; la version précédemment publiée est conservée.`,
      });
    if (explicit !== null && request.kind === 'page' && unreadableIds.has(explicit))
      return {
        kind: 'blocked',
        message: `Mise en ligne refusée : le contenu de la page n’a pas pu être lu. Le site en ligne n’a pas changé.`,
        issues: warnings,
      };
    if (report.errors.length > 0) {
      const errors = report.errors.map(toIssue);
      const n = errors.length;
      return {
        kind: 'blocked',
        message: `Publication refusée : ${n} problème${n > 1 ? 's' : ''} à corriger avant de publier. Le site en ligne n’a pas changé.\n${errors.map((e) => `• ${e.message}`).join('\n')}`,
        issues: [...errors, ...warnings],
      };
    }

    const searchReindexed = indexRenderedSite(this.searchIndex, insee, snapshot, rendered);
    phase('search');

    const version = `${new Date(publishedAt).toISOString().replace(/[-:.]/g, '').replace('T', '-')}-${crypto
      .randomBytes(4)
      .toString('hex')}`;
    const versionsDir = path.join(siteDir, 'versions');
    const addresses = nextAddressMap(
      state.addresses ?? (await readAddressFile(path.join(siteDir, 'current'))),
      rendered.pagePaths,
      new Map(published.map((p) => [p.id, p.title])),
      rendered.files.keys(),
      publishedAt,
    );
    const previousDir = state.version ? path.join(versionsDir, state.version) : null;
    const canLink = previousDir !== null && fsSync.existsSync(previousDir);
    const prepared =
      state.prepared && state.prepared.base === state.version && fsSync.existsSync(state.prepared.dir)
        ? state.prepared.dir
        : null;
    state.prepared = null;
    const staging = prepared ?? path.join(versionsDir, `.${version}.tmp`);
    let written = 0;
    let kept = 0;
    await fs.mkdir(staging, { recursive: true });
    try {
      // Synchronous calls: a thousand small files go much faster without a thread-pool hop each.
      const made = new Set<string>([staging]);
      const mkdir = (dir: string) => {
        if (made.has(dir)) return;
        fsSync.mkdirSync(dir, { recursive: true });
        made.add(dir);
      };
      const replace = (target: string, write: () => void) => {
        // A prepared file is a hard link to the version online: never write through it.
        if (prepared) fsSync.rmSync(target, { force: true });
        else mkdir(path.dirname(target));
        try {
          write();
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          mkdir(path.dirname(target));
          write();
        }
      };
      for (const [rel, content] of rendered.files) {
        const unchanged = canLink && state.files.get(rel) === content;
        // Already in the prepared copy, under a path checked when it was first written.
        if (unchanged && prepared) {
          kept++;
          continue;
        }
        const safe = safeRelativePath(rel);
        if (!safe) throw new PublishError('publish-failed', `Chemin de fichier refusé : « ${rel} ».`);
        const target = path.join(staging, safe);
        if (unchanged) {
          try {
            mkdir(path.dirname(target));
            fsSync.linkSync(path.join(previousDir, safe), target);
            kept++;
            continue;
          } catch {
            // Fall through: write it.
          }
        }
        replace(target, () => fsSync.writeFileSync(target, content));
        written++;
      }
      const mediaSource = mediaDirOf(this.mediaDir, insee);
      for (const rel of rendered.media) {
        const safe = safeRelativePath(rel);
        if (!safe || !rel.startsWith('media/')) continue;
        if (prepared && state.media.has(rel)) continue;
        const target = path.join(staging, safe);
        const fromPrevious = canLink ? path.join(previousDir, safe) : null;
        const source =
          fromPrevious && fsSync.existsSync(fromPrevious)
            ? fromPrevious
            : path.join(mediaSource, rel.slice(6));
        try {
          replace(target, () => fsSync.linkSync(source, target));
        } catch {
          try {
            replace(target, () => fsSync.copyFileSync(source, target));
          } catch (error) {
            this.options.logger.log('warn', 'site.media_missing', { insee, file: rel, error });
          }
        }
      }
      if (prepared) {
        // Files of the previous version that are gone (removed pages, media no longer used).
        const gone = [
          ...[...state.files.keys()].filter((rel) => !rendered.files.has(rel)),
          ...[...state.media].filter((rel) => !rendered.media.has(rel)),
        ];
        for (const rel of gone) {
          const safe = safeRelativePath(rel);
          if (!safe) continue;
          fsSync.rmSync(path.join(staging, safe), { force: true });
          const parent = path.dirname(path.join(staging, safe));
          if (parent !== staging) fsSync.rmSync(parent, { recursive: true, force: true });
        }
      }
      writeAddressFile(staging, addresses);
      await fs.rename(staging, path.join(versionsDir, version));
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      throw error;
    }
    await this.switchCurrent(siteDir, version);
    phase('write');

    // Which pages changed, for the history.
    const changed: PublicationEntry['changed'] = [];
    const nowPages = new Map<string, { path: string; title: string }>();
    for (const { meta } of snapshot.pages) {
      const rel = rendered.pagePaths.get(meta.id);
      if (!rel) continue;
      nowPages.set(meta.id, { path: rel, title: meta.title });
      const before = state.pages.get(meta.id);
      if (!before) changed.push({ pageId: meta.id, title: meta.title, change: 'added' });
      else if (before.path !== rel || state.files.get(rel) !== rendered.files.get(rel))
        changed.push({ pageId: meta.id, title: meta.title, change: 'changed' });
    }
    for (const [id, before] of state.pages)
      if (!nowPages.has(id)) changed.push({ pageId: id, title: before.title, change: 'removed' });

    const db = this.options.db;
    db.transaction(() => {
      db.prepare(
        'INSERT INTO publications (insee, version, published_at, pages, published_by) VALUES (?, ?, ?, ?, ?)',
      ).run(insee, version, publishedAt, snapshot.pages.length, publishedBy);
      db.prepare(
        'INSERT INTO publication_events (insee, version, at, by, by_name, pages, changed, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
      ).run(
        insee,
        version,
        publishedAt,
        publishedBy,
        publishedByName,
        snapshot.pages.length,
        JSON.stringify(changed),
      );
      for (const d of due)
        if (candidates.has(d.pageId))
          db.prepare(
            "UPDATE scheduled_publications SET state = 'done' WHERE id = ? AND state = 'pending'",
          ).run(d.id);
      for (const d of skippedDue)
        db.prepare(
          "UPDATE scheduled_publications SET state = 'failed', message = ? WHERE id = ? AND state = 'pending'",
        ).run(
          skipped
            .filter((i) => i.pageId === d.pageId)
            .map((i) => i.message)
            .join(' ')
            .slice(0, 2000) || 'La page n’a pas pu être lue.',
          d.id,
        );
      const kept = [...online.values()].filter((r) => !removals.has(r.pageId) && !candidates.has(r.pageId));
      this.releases.record(
        insee,
        version,
        kept,
        [...candidates.values()],
        publishedAt,
        publishedByName ?? publishedBy,
      );
      db.prepare('INSERT OR REPLACE INTO version_actes (insee, version, actes) VALUES (?, ?, ?)').run(
        insee,
        version,
        JSON.stringify(published.filter((p) => p.type === 'acte')),
      );
    })();

    state.version = version;
    state.files = rendered.files;
    state.media = rendered.media;
    state.pages = nowPages;
    state.addresses = addresses;
    this.recordActesOnline(
      insee,
      state,
      published.filter((p) => p.type === 'acte'),
    );
    const toRecord = [...state.pendingCaptures.values()].filter((page) => candidates.has(page.pageId));
    for (const page of toRecord) state.pendingCaptures.delete(page.pageId);
    if (toRecord.length > 0)
      try {
        this.options.onPagesPublished?.(insee, toRecord, publishedByName, publishedAt);
      } catch (error) {
        // The publication is done; only these history points are missing.
        this.options.logger.log('error', 'history.publication_snapshot_failed', { insee, error });
      }
    void this.enqueue(insee, () => this.prepareNext(insee, versionsDir, version)).catch((error: unknown) =>
      this.options.logger.log('warn', 'site.prepare_failed', { insee, error }),
    );

    // The manifest's `status` follows the site (older editors read it): « published » for the
    // pages put online, « draft » for those taken off.
    const statusChanges = [
      ...[...candidates.keys()]
        .filter((id) => live.get(id)?.status !== 'published')
        .map((id) => [id, 'published'] as const),
      ...[...removals].filter((id) => live.has(id)).map((id) => [id, 'draft'] as const),
    ];
    if (statusChanges.length > 0 && this.options.writeDoc) {
      await this.options
        .writeDoc(siteRoom(insee), (doc) => {
          for (const [id, status] of statusChanges)
            updatePage(doc, id, { status }, publishedByName ?? SCHEDULER_AGENT);
        })
        .catch((error: unknown) =>
          this.options.logger.log('error', 'site.schedule_write_failed', { insee, error }),
        );
    }
    void this.prune(siteDir, version);

    const ms = performance.now() - started;
    this.options.logger.log('info', 'site.published', {
      insee,
      version,
      pages: snapshot.pages.length,
      files: rendered.files.size,
      written,
      kept,
      bodiesRead: read,
      searchReindexed,
      renderMs: Math.round(renderedMs),
      phases,
      ms: Math.round(ms),
    });
    const response: PublishResponse = {
      version,
      url: `/sites/${commune.slug}/`,
      publishedAt,
      pages: snapshot.pages.length,
      warnings,
      changedPages: changed.map((c) => c.pageId),
      filesWritten: written,
      filesKept: kept,
      ms: Math.round(ms),
      released: [...candidates.keys()],
      withdrawn: [...removals],
      skipped,
    };
    return { kind: 'published', response };
  }

  /**
   * Prepares, off the request path, a hard-linked copy of `version` for the next publication.
   * Runs in the commune's queue, so a publication never sees it half made.
   */
  private async prepareNext(insee: string, versionsDir: string, version: string): Promise<void> {
    const state = this.state.get(insee);
    if (!state || state.version !== version || this.closed) return;
    const source = path.join(versionsDir, version);
    const dir = path.join(versionsDir, `.next-${crypto.randomBytes(4).toString('hex')}`);
    const made = new Set<string>();
    try {
      await fs.mkdir(dir);
      for (const rel of [...state.files.keys(), ...state.media]) {
        if (this.closed) throw new Error('publisher closed');
        const safe = safeRelativePath(rel);
        if (!safe) continue;
        const target = path.join(dir, safe);
        const parent = path.dirname(target);
        if (!made.has(parent)) {
          await fs.mkdir(parent, { recursive: true });
          made.add(parent);
        }
        await fs.link(path.join(source, safe), target).catch(() => undefined);
      }
      if (state.version === version) state.prepared = { base: version, dir };
      else await fs.rm(dir, { recursive: true, force: true });
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Atomic switch: a new symlink renamed over `current`. */
  private async switchCurrent(siteDir: string, version: string): Promise<void> {
    const tmpLink = path.join(siteDir, `.current-${version}-${crypto.randomBytes(3).toString('hex')}`);
    await fs.symlink(path.join('versions', version), tmpLink);
    await fs.rename(tmpLink, path.join(siteDir, 'current'));
  }

  /** Removes the oldest versions beyond `keepVersions` (never the current one). */
  private async prune(siteDir: string, current: string): Promise<void> {
    const keep = this.options.keepVersions ?? 30;
    try {
      const versions = (await fs.readdir(path.join(siteDir, 'versions')))
        .filter((v) => VERSION.test(v) && v !== current)
        .sort();
      const excess = versions.length - (keep - 1);
      for (const v of versions.slice(0, Math.max(0, excess)))
        await fs.rm(path.join(siteDir, 'versions', v), { recursive: true, force: true });
    } catch (error) {
      this.options.logger.log('warn', 'site.prune_failed', { siteDir, error });
    }
  }
}
