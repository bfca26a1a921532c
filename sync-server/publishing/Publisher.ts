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
import { type CheckIssue, type CheckReport, checkSite } from '../../site/checks';
import { readPageBody } from '../../site/pageBody';
import { acteUnpublishRefusal } from '../../site/pageTypes';
import { MIME_EXT, type MediaInfo } from '../../site/renderHtml';
import {
  createRenderCache,
  type RenderCache,
  type RenderedSite,
  renderSite,
  type SiteSnapshot,
} from '../../site/renderSite';
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
import { type DueSchedule, type PublicationStore, SqlitePublicationStore } from './PublicationStore';
import { capture, type CapturedPage, fingerprintOf } from './PageSnapshots';
import { indexRenderedSite, SearchIndexBuilder } from './search/publishedIndex';
import { isSiteSlug, mediaDirOf, siteDirOf, UnsafePathError } from '../storage/safePaths';
import { ADDRESS_FILE, readAddressFile } from './siteAddresses';
import { linkCopy, switchCurrent, UnsafeFilePathError, writeVersion } from './versionFiles';

export interface PublisherOptions {
  /** DATA_DIR's database: the publishing state's store when `store` is not given. */
  db?: SqliteDatabase;
  /** The publishing state (default: SqlitePublicationStore on `db`). */
  store?: PublicationStore;
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
  /**
   * Published versions (SITES_DIR; default `{dataDir}/sites`): in cluster mode a folder every
   * node sees, so any node serves any site; the switch to a new version stays one rename.
   */
  sitesDir?: string;
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
  onPagesPublished?: (
    insee: string,
    pages: CapturedPage[],
    by: string | null,
    at: number,
  ) => void | Promise<void>;
  /**
   * Migration of sites published before per-page releases: the Yjs state of a page body as
   * last published (PageSnapshots' newest `publication` snapshot), or null.
   */
  publishedBodyState?: (insee: string, pageId: string) => Promise<Uint8Array | null>;
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
  /** The newest publication event this node knows of (shared store: newer means stale). */
  eventId: number | null;
  /** The pages of the version online (null: read them from the database). */
  online: { version: string; releases: Map<string, PageRelease> } | null;
  /** The actes of the last version written, as JSON (the same objects give the same text). */
  actesJson: { actes: PageMeta[]; json: string } | null;
  /** The JSON of `published_actes` as last written. */
  actesOnlineJson: string | null;
  /** The media library last checked against the files, when every file was there. */
  mediaAvailable: {
    library: Record<string, MediaInfo>;
    available: Record<string, MediaInfo>;
    /** Files of the library that were not there (full paths). */
    missing: string[];
  } | null;
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
    eventId: null,
    online: null,
    actesJson: null,
    actesOnlineJson: null,
    mediaAvailable: null,
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

/** The manifest as the publisher keeps it between publications. */
type ManifestState = NonNullable<CommuneState['manifest']>;

/** Milliseconds spent in each step of a publication, for the log. */
class PhaseTimer {
  readonly phases: Record<string, number> = {};
  private last = performance.now();

  mark(name: string): void {
    const t = performance.now();
    this.phases[name] = Math.round((t - this.last) * 10) / 10;
    this.last = t;
  }
}

/** One publication under way: for which commune, asked by whom, at what time. */
interface PublishJob {
  insee: string;
  commune: Commune;
  siteDir: string;
  state: CommuneState;
  publishedAt: number;
  publishedBy: string | null;
  publishedByName: string | null;
  request: PublishRequest;
  started: number;
  phases: PhaseTimer;
}

/** What a publication changes ([PUBL-9]). */
interface PublishPlan {
  seqs: Map<string, number> | null;
  manifest: ManifestState;
  live: Map<string, PageMeta>;
  online: Map<string, PageRelease>;
  due: DueSchedule[];
  /** The page asked for (« Mettre en ligne », « Retirer du site »), or null for the site. */
  explicit: string | null;
  removals: Set<string>;
  toRead: Map<string, PageMeta>;
}

/** The site rendered and checked, with the changes the checks left out. */
interface CheckedSite {
  snapshot: SiteSnapshot;
  rendered: RenderedSite;
  report: CheckReport;
  skipped: PublishIssue[];
}

interface WrittenVersion {
  id: string;
  /** Its files (relative path → content), the address map included. */
  files: Map<string, string>;
  addresses: AddressMap;
  written: number;
  kept: number;
}

/**
 * The pages a publication takes off: the one withdrawn (never an acte inside its two months);
 * with « Publier les modifications », the pages deleted or set back to « draft » in the
 * manifest (unless the checks refuse it: an acte inside its two months).
 */
function pagesToRemove(
  request: PublishRequest,
  online: ReadonlyMap<string, PageRelease>,
  live: ReadonlyMap<string, PageMeta>,
  at: number,
): Set<string> {
  const removals = new Set<string>();
  if (request.kind === 'withdraw') {
    const release = online.get(request.pageId);
    if (!release) throw new PublishError('not-online', 'Cette page n’est pas en ligne : rien à retirer.');
    const refusal = acteUnpublishRefusal(release.meta, at);
    if (refusal) throw new PublishError('acte-online', `${refusal} La page reste en ligne.`);
    removals.add(request.pageId);
  }
  if (request.kind === 'site')
    for (const id of online.keys()) if (live.get(id)?.status !== 'published') removals.add(id);
  return removals;
}

/**
 * The pages whose body a publication reads: the one asked for, the scheduled ones due, and
 * with « Publier les modifications » every page online whose fields or body doc changed, and
 * the pages marked « published » in the manifest but not online (sites and tools that set it
 * directly, a page marked before this model).
 */
function pagesToRead(
  request: PublishRequest,
  pages: Pick<PublishPlan, 'live' | 'online' | 'due' | 'removals'>,
  seqOf: (pageId: string) => number | undefined,
): Map<string, PageMeta> {
  const { live, online, due, removals } = pages;
  const toRead = new Map<string, PageMeta>();
  if (request.kind === 'page') toRead.set(request.pageId, live.get(request.pageId)!);
  for (const d of due) {
    const meta = live.get(d.pageId);
    if (meta && !removals.has(d.pageId)) toRead.set(d.pageId, meta);
  }
  if (request.kind !== 'site') return toRead;
  for (const meta of live.values())
    if (meta.status === 'published' && !online.has(meta.id)) toRead.set(meta.id, meta);
  for (const release of online.values()) {
    const meta = live.get(release.pageId);
    if (!meta) continue;
    const seq = seqOf(meta.id);
    if (metaKey(meta) !== metaKey(release.meta) || seq === undefined || seq !== release.bodySeq)
      toRead.set(meta.id, meta);
  }
  return toRead;
}

/**
 * `next`, or `previous` when it holds the same values: the caches of rendering, checks and
 * search know the pages online by their metadata objects.
 */
function sameOrNew(previous: PageMeta | undefined, next: PageMeta): PageMeta {
  return previous !== undefined && JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}

/** The pages of the new version: those online that stay as they are, then the new forms. */
function snapshotPages(
  online: ReadonlyMap<string, PageRelease>,
  removals: ReadonlySet<string>,
  candidates: ReadonlyMap<string, NewRelease>,
): SiteSnapshot['pages'] {
  const pages: SiteSnapshot['pages'] = [];
  for (const release of online.values())
    if (!removals.has(release.pageId) && !candidates.has(release.pageId))
      pages.push({ meta: release.meta, body: release.body });
  for (const c of candidates.values()) pages.push({ meta: c.meta, body: c.body });
  return pages;
}

/** The checks' warnings, and the pages left out because they could not be read. */
function publicationWarnings(
  insee: string,
  unreadablePages: readonly UnreadablePage[],
  unreadableBodies: readonly PageMeta[],
  report: CheckReport,
): PublishIssue[] {
  const warnings = report.warnings.map(toIssue);
  for (const page of unreadablePages)
    warnings.push({
      severity: 'warning',
      rule: 'unreadable-page',
      pageId: page.id,
      page: page.title,
      message: `Page « ${page.title || page.id} » : elle n’a pas été publiée, ${page.reason}. Un administrateur peut la réparer (npm run admin -- repair-page --commune ${insee} --page=${page.id}).`,
    });
  for (const meta of unreadableBodies)
    warnings.push({
      severity: 'warning',
      rule: 'unreadable-body',
      pageId: meta.id,
      page: meta.title,
      message: `Page « ${meta.title} » : son contenu n’a pas pu être lu (version plus récente de l’éditeur ?) ; la version précédemment publiée est conservée.`,
    });
  return warnings;
}

/** The refusal, when the page asked for cannot be read or the checks found errors; else null. */
function blockedOutcome(
  request: PublishRequest,
  explicit: string | null,
  unreadableBodies: readonly PageMeta[],
  report: CheckReport,
  warnings: PublishIssue[],
): PublishOutcome | null {
  if (explicit !== null && request.kind === 'page' && unreadableBodies.some((m) => m.id === explicit))
    return {
      kind: 'blocked',
      message: `Mise en ligne refusée : le contenu de la page n’a pas pu être lu. Le site en ligne n’a pas changé.`,
      issues: warnings,
    };
  if (report.errors.length === 0) return null;
  const errors = report.errors.map(toIssue);
  const n = errors.length;
  return {
    kind: 'blocked',
    message: `Publication refusée : ${n} problème${n > 1 ? 's' : ''} à corriger avant de publier. Le site en ligne n’a pas changé.\n${errors.map((e) => `• ${e.message}`).join('\n')}`,
    issues: [...errors, ...warnings],
  };
}

/** Which pages the new version adds, changes or removes, for the history. */
function changeList(
  state: CommuneState,
  { snapshot, rendered }: CheckedSite,
): { changed: PublicationEntry['changed']; pages: CommuneState['pages'] } {
  const changed: PublicationEntry['changed'] = [];
  const pages: CommuneState['pages'] = new Map();
  for (const { meta } of snapshot.pages) {
    const rel = rendered.pagePaths.get(meta.id);
    if (!rel) continue;
    pages.set(meta.id, { path: rel, title: meta.title });
    const before = state.pages.get(meta.id);
    if (!before) changed.push({ pageId: meta.id, title: meta.title, change: 'added' });
    else if (before.path !== rel || state.files.get(rel) !== rendered.files.get(rel))
      changed.push({ pageId: meta.id, title: meta.title, change: 'changed' });
  }
  for (const [id, before] of state.pages)
    if (!pages.has(id)) changed.push({ pageId: id, title: before.title, change: 'removed' });
  return { changed, pages };
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

/** Due schedules: done when their page went online, failed (with why) when it was left out. */
function settledSchedules(
  due: readonly DueSchedule[],
  candidates: ReadonlyMap<string, NewRelease>,
  skipped: readonly PublishIssue[],
): Array<{ id: string; failed: string | null }> {
  return due.map((d) => ({
    id: d.id,
    failed: candidates.has(d.pageId)
      ? null
      : skipped
          .filter((i) => i.pageId === d.pageId)
          .map((i) => i.message)
          .join(' ')
          .slice(0, 2000) || 'La page n’a pas pu être lue.',
  }));
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
  private scanning: Promise<number> | null = null;
  private readonly releases: PageReleases;
  private readonly store: PublicationStore;
  /** The theme's CSS, read once (it ships with the code). */
  private stylesheet: string | undefined;

  constructor(options: PublisherOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    if (!options.store && !options.db) throw new Error('Publisher: store or db required');
    this.store = options.store ?? new SqlitePublicationStore(options.db!);
    this.releases = new PageReleases(this.store);
    const interval = options.scheduleIntervalMs ?? 15_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        // One scan at a time; close() waits for the one under way.
        this.scanning ??= this.runDueSchedules().finally(() => (this.scanning = null));
      }, interval);
      this.timer.unref();
    }
  }

  private closed = false;

  /** Stops the scheduler and waits for the publications and background work under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning?.catch(() => undefined);
    await Promise.allSettled([...this.queues.values()]);
    await this.store.close?.();
  }

  get sitesDir(): string {
    return this.options.sitesDir ?? path.join(this.options.dataDir, 'sites');
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
    return this.enqueue(insee, () => this.publishNow(insee, publishedBy, publishedByName, request), true);
  }

  /**
   * [PGPUB-2] Several nodes on one store: another node may have published since this node's
   * caches of the commune were filled; then they are dropped and read again.
   */
  private async refreshIfStale(insee: string): Promise<void> {
    if (!this.store.shared) return;
    const state = this.state.get(insee);
    if (!state) return;
    const last = await this.store.lastEventId(insee);
    if (state.eventId === last) return;
    if (state.prepared) await fs.rm(state.prepared.dir, { recursive: true, force: true });
    this.state.delete(insee);
  }

  /** Publications waiting or under way for a commune (a flood is refused beyond a few). */
  queued(insee: string): number {
    return this.waiting.get(insee) ?? 0;
  }

  private readonly waiting = new Map<string, number>();
  /** The commune lock's fence of the locked job under way, per commune (see `switchOnline`). */
  private readonly fences = new Map<string, () => Promise<void>>();

  /**
   * Switches the commune's site to `version`, right after checking that this node still holds
   * the commune's lock (its connection to PostgreSQL may have broken during the job, and
   * another node taken the lock). A lock lost in the milliseconds between the check and the
   * switch is not seen: the check narrows the window, it does not close it.
   */
  private async switchOnline(insee: string, siteDir: string, version: string): Promise<void> {
    await this.fences.get(insee)?.();
    await switchCurrent(siteDir, version);
  }

  /**
   * Runs `job` after the commune's jobs under way on this node; `locked`: also alone among
   * the nodes sharing the store (a publication, a rollback), with fresh caches.
   */
  private enqueue<T>(insee: string, job: () => Promise<T>, locked = false): Promise<T> {
    const previous = this.queues.get(insee) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() =>
        locked
          ? this.store.withCommuneLock(insee, async (fence) => {
              this.fences.set(insee, fence);
              try {
                await this.refreshIfStale(insee);
                return await job();
              } finally {
                this.fences.delete(insee);
              }
            })
          : job(),
      );
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

  async publication(insee: string): Promise<PublicationResponse> {
    const commune = this.options.commune(insee);
    const last = await this.store.lastPublishedAt(insee);
    if (!commune || last === null) return { lastPublishedAt: null, url: null };
    return { lastPublishedAt: last, url: `/sites/${commune.slug}/` };
  }

  // ---- History and rollback ----

  async history(insee: string, limit = 100): Promise<PublicationEntry[]> {
    const commune = this.options.commune(insee);
    if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    const rows = await this.store.events(insee, Math.max(1, Math.min(1000, limit)));
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
    return this.enqueue(
      insee,
      async () => {
        const commune = this.options.commune(insee);
        if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
        const siteDir = this.siteDir(commune);
        const dir = path.join(siteDir, 'versions', VERSION.test(version) ? version : '.invalid');
        const knownPages = await this.store.versionPages(insee, version);
        if (!VERSION.test(version) || knownPages === null || !fsSync.existsSync(dir))
          throw new PublishError(
            'unknown-version',
            `La version « ${version} » n’existe pas ou n’est plus conservée : elle ne peut pas être remise en ligne.`,
          );
        const state = await this.communeState(insee);
        const at = this.now();
        const targetActes = await this.versionActes(insee, version);
        const refusals = rollbackActeRefusals(state.actes, targetActes, at);
        if (refusals.length > 0)
          throw new PublishError(
            'acte-online',
            `Retour à la version du ${DATE_TIME_FR.format(new Date((await this.store.versionPublishedAt(insee, version)) ?? 0))} refusé : le site en ligne n’a pas changé.\n${refusals.join('\n')}`,
          );
        await this.switchOnline(insee, siteDir, version);
        const eventId = await this.store.recordRollback(insee, version, at, by, byName, knownPages);
        // The files online are no longer those of the last publication: next one writes all.
        if (state.prepared) await fs.rm(state.prepared.dir, { recursive: true, force: true });
        state.prepared = null;
        state.version = null;
        state.files = new Map();
        state.media = new Set();
        state.pages = new Map();
        state.addresses = null;
        state.eventId = eventId;
        // The actes online are now those of the version put back (unknown for a version
        // published before they were recorded: the previous list is kept, the stricter choice).
        if (targetActes) await this.recordActesOnline(insee, state, targetActes);
        this.options.logger.log('info', 'site.rollback', { insee, version });
        return (await this.history(insee, 1))[0]!;
      },
      true,
    );
  }

  /** The actes online in a version, as recorded at its publication; null if not recorded. */
  private async versionActes(insee: string, version: string): Promise<PageMeta[] | null> {
    const actes = await this.store.versionActes(insee, version);
    return actes !== null ? (JSON.parse(actes) as PageMeta[]) : null;
  }

  private async recordActesOnline(insee: string, state: CommuneState, actes: PageMeta[]): Promise<void> {
    state.actes = actes;
    state.actesOnlineJson = JSON.stringify(actes);
    await this.store.setActesOnline(insee, state.actesOnlineJson);
  }

  // ---- Scheduled publication ----

  async schedule(
    insee: string,
    pageId: string,
    at: number,
    createdBy: string | null,
  ): Promise<ScheduledPublication> {
    if (at <= this.now())
      throw new PublishError(
        'schedule-in-past',
        'Cette date est déjà passée : choisissez une date et une heure à venir. Rien n’a été programmé.',
      );
    const id = crypto.randomBytes(9).toString('base64url');
    await this.store.addSchedule({ id, insee, pageId, at, createdBy });
    return { id, pageId, at, createdBy, state: 'pending', message: null };
  }

  listScheduled(insee: string): Promise<ScheduledPublication[]> {
    return this.store.schedules(insee);
  }

  cancelScheduled(insee: string, id: string): Promise<boolean> {
    return this.store.cancelSchedule(insee, id);
  }

  /**
   * Publishes every commune that has a scheduled publication due. Called by the timer.
   * [PGPUB-3] The schedules are looked at again holding the commune's lock: when several
   * nodes run their scheduler, the first one publishes and settles them, the others find
   * nothing due and publish nothing.
   */
  async runDueSchedules(): Promise<number> {
    const db = this.options.db as (SqliteDatabase & { open?: boolean }) | undefined;
    if (db?.open === false || this.closed) {
      void this.close();
      return 0;
    }
    let due: string[];
    try {
      due = await this.store.dueCommunes(this.now());
    } catch (error) {
      this.options.logger.log('error', 'site.schedule_scan_failed', { error });
      return 0;
    }
    let done = 0;
    for (const insee of due) {
      if (this.closed) break;
      const failed = (message: string) =>
        this.store
          .failDue(insee, this.now(), message.slice(0, 2000))
          .catch((error: unknown) =>
            this.options.logger.log('error', 'site.schedule_scan_failed', { insee, error }),
          );
      try {
        const outcome = await this.enqueue(
          insee,
          async () =>
            (await this.store.dueSchedules(insee, this.now())).length === 0
              ? null // published meanwhile (here or on another node)
              : this.publishNow(insee, SCHEDULER_AGENT, 'Publication programmée', { kind: 'site' }),
          true,
        );
        switch (outcome?.kind) {
          case 'published':
            done++;
            break;
          case 'blocked':
            await failed(outcome.message.replace(/\n/g, ' '));
            this.options.logger.log('warn', 'site.schedule_blocked', {
              insee,
              issues: outcome.issues.length,
            });
            break;
        }
      } catch (error) {
        await failed(error instanceof PublishError ? error.message : 'La publication programmée a échoué.');
        this.options.logger.log('warn', 'site.schedule_failed', { insee, error });
      }
    }
    return done;
  }

  // ---- Publishing ----

  private async communeState(insee: string): Promise<CommuneState> {
    let state = this.state.get(insee);
    if (!state) {
      const fresh = emptyState();
      if (this.store.shared) fresh.eventId = await this.store.lastEventId(insee);
      // The two-month rule must survive a restart: the actes online are kept in the database.
      const actes = await this.store.actesOnline(insee);
      if (actes !== null) {
        fresh.actes = JSON.parse(actes) as PageMeta[];
        fresh.actesOnlineJson = actes;
      }
      state = this.state.get(insee) ?? fresh;
      this.state.set(insee, state);
    }
    return state;
  }

  /**
   * Media entries whose files were uploaded; widths without a file are dropped. The same
   * library object as last time gives the same answer unless a file missing then has arrived.
   */
  private availableMedia(
    insee: string,
    state: CommuneState,
    library: Record<string, MediaInfo>,
  ): Record<string, MediaInfo> {
    const known = state.mediaAvailable;
    if (known?.library === library && !known.missing.some((file) => fsSync.existsSync(file)))
      return known.available;
    const available: Record<string, MediaInfo> = {};
    const dir = mediaDirOf(this.mediaDir, insee);
    const missing: string[] = [];
    const exists = (file: string) => {
      const full = path.join(dir, file);
      if (this.mediaSeen.has(full)) return true;
      if (!fsSync.existsSync(full)) {
        missing.push(full);
        return false;
      }
      this.mediaSeen.add(full);
      return true;
    };
    for (const [sha, info] of Object.entries(library)) {
      const ext = MIME_EXT[info.mime];
      const original = ext !== undefined && exists(`${sha}.${ext}`);
      const widths = info.widths.filter((w) => exists(`${sha}-${w}.webp`));
      if (!original && widths.length === 0) continue;
      available[sha] = { ...info, widths };
    }
    state.mediaAvailable = { library, available, missing };
    return available;
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
          if (this.options.onPagesPublished) captured.push(capture(meta.id, doc, fingerprint));
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
    const version = await this.releases.currentVersion(insee);
    if (!version) return new Map();
    if (state.online?.version === version) return state.online.releases;
    if (!(await this.releases.recorded(insee, version))) await this.migrate(insee, version, livePages);
    const releases = new Map((await this.releases.pagesOf(insee, version)).map((r) => [r.pageId, r]));
    state.online = { version, releases };
    return releases;
  }

  /**
   * A site published before per-page releases: its pages online are recorded as they were
   * published — body from the page history's last publication snapshot (else the live body),
   * fields from the manifest — so they stay online as they are.
   */
  private async migrate(insee: string, version: string, livePages: readonly PageMeta[]): Promise<void> {
    const ids = await this.legacyOnlineIds(insee, version);
    const metas = livePages.filter((p) => (ids ? ids.has(p.id) : p.status === 'published'));
    const added: NewRelease[] = [];
    for (const meta of metas) {
      const stored = (await this.options.publishedBodyState?.(insee, meta.id)) ?? null;
      let doc: Y.Doc;
      if (stored) {
        doc = new Y.Doc({ guid: pageRoom(insee, meta.id) });
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
    const at = (await this.store.versionPublishedAt(insee, version)) ?? this.now();
    await this.releases.record(insee, version, [], added, at, null);
    this.options.logger.log('info', 'site.releases_migrated', { insee, version, pages: added.length });
  }

  /**
   * The pages in a version published before per-page releases, from the history of changes
   * (every page is « added » by the first publication after a start); null when the history
   * does not say (then the pages marked « published » are taken).
   */
  private async legacyOnlineIds(insee: string, version: string): Promise<Set<string> | null> {
    const rows = await this.store.events(insee, null);
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
      const state = await this.communeState(insee);
      const seqs = await this.roomSeqs(insee);
      const { pages } = await this.loadManifest(insee, commune, state, seqs);
      const online = await this.onlineReleases(insee, state, pages);
      const scheduled = new Map<string, number>();
      for (const s of await this.listScheduled(insee))
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

  /**
   * A publication ([PUBL-9]): what changes is planned, the changed bodies read, the site
   * rendered and checked (a change the checks refuse is left out), the new version written
   * and switched to, then recorded.
   */
  private async publishNow(
    insee: string,
    publishedBy: string | null,
    publishedByName: string | null,
    request: PublishRequest,
  ): Promise<PublishOutcome> {
    const job = await this.startJob(insee, publishedBy, publishedByName, request);
    const plan = await this.planPublication(job);
    job.phases.mark('manifest');
    const { candidates, unreadable, read } = await this.readCandidates(job, plan);
    job.phases.mark('bodies');
    const checked = await this.renderChecked(job, plan, candidates);
    job.phases.mark('render');
    const warnings = publicationWarnings(insee, plan.manifest.unreadable, unreadable, checked.report);
    const blocked = blockedOutcome(request, plan.explicit, unreadable, checked.report, warnings);
    if (blocked) return blocked;
    const searchReindexed = indexRenderedSite(this.searchIndex, insee, checked.snapshot, checked.rendered);
    job.phases.mark('search');
    const version = await this.writeNewVersion(job, checked);
    job.phases.mark('write');
    const changes = changeList(job.state, checked);
    await this.recordPublication(job, plan, candidates, checked, version.id, changes.changed);
    job.phases.mark('record');
    await this.afterPublication(job, plan, candidates, checked, version, changes.pages);
    job.phases.mark('after');
    const ms = performance.now() - job.started;
    this.options.logger.log('info', 'site.published', {
      insee,
      version: version.id,
      pages: checked.snapshot.pages.length,
      files: version.files.size,
      written: version.written,
      kept: version.kept,
      bodiesRead: read,
      searchReindexed,
      phases: job.phases.phases,
      ms: Math.round(ms),
    });
    return {
      kind: 'published',
      response: {
        version: version.id,
        url: `/sites/${job.commune.slug}/`,
        publishedAt: job.publishedAt,
        pages: checked.snapshot.pages.length,
        warnings,
        changedPages: changes.changed.map((c) => c.pageId),
        filesWritten: version.written,
        filesKept: version.kept,
        ms: Math.round(ms),
        released: [...candidates.keys()],
        withdrawn: [...plan.removals],
        skipped: checked.skipped,
      },
    };
  }

  private async startJob(
    insee: string,
    publishedBy: string | null,
    publishedByName: string | null,
    request: PublishRequest,
  ): Promise<PublishJob> {
    const commune = this.options.commune(insee);
    if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    const siteDir = this.siteDir(commune); // before anything is read or written
    return {
      insee,
      commune,
      siteDir,
      state: await this.communeState(insee),
      publishedAt: this.now(),
      publishedBy,
      publishedByName,
      request,
      started: performance.now(),
      phases: new PhaseTimer(),
    };
  }

  /**
   * [PUBL-9] What this publication changes: the page asked for, or every page online that
   * changed; scheduled pages that are due in any case; the pages it takes off.
   */
  private async planPublication(job: PublishJob): Promise<PublishPlan> {
    const { insee, request, state } = job;
    const seqs = await this.roomSeqs(insee);
    const manifest = await this.loadManifest(insee, job.commune, state, seqs);
    const live = new Map(manifest.pages.map((p) => [p.id, p]));
    for (const id of state.bodies.keys()) if (!live.has(id)) state.bodies.delete(id);
    const online = await this.onlineReleases(insee, state, manifest.pages);
    const due = await this.store.dueSchedules(insee, job.publishedAt);
    if (request.kind === 'page' && !live.has(request.pageId))
      throw new PublishError('unknown-page', 'Cette page n’existe pas (ou plus) dans le site.');
    const removals = pagesToRemove(request, online, live, job.publishedAt);
    const toRead = pagesToRead(request, { live, online, due, removals }, (id) =>
      seqs?.get(pageRoom(insee, id)),
    );
    const explicit = request.kind === 'site' ? null : request.pageId;
    return { seqs, manifest, live, online, due, explicit, removals, toRead };
  }

  /** The bodies to read, and the pages whose new form goes online (unchanged ones do not). */
  private async readCandidates(
    job: PublishJob,
    plan: PublishPlan,
  ): Promise<{ candidates: Map<string, NewRelease>; unreadable: PageMeta[]; read: number }> {
    const { insee, state } = job;
    const { bodies, fingerprints, read, unreadable, captured } = await this.readBodies(
      insee,
      state,
      [...plan.toRead.values()],
      plan.seqs,
    );
    for (const page of captured) state.pendingCaptures.set(page.pageId, page);
    const unreadableIds = new Set(unreadable.map((m) => m.id));
    const candidates = new Map<string, NewRelease>();
    for (const meta of plan.toRead.values()) {
      if (unreadableIds.has(meta.id)) continue; // [BODY-6] its online form stays
      const fingerprint = fingerprints.get(meta.id)!;
      const release = plan.online.get(meta.id);
      const asked = meta.id === plan.explicit || plan.due.some((d) => d.pageId === meta.id);
      if (!asked && release && metaKey(meta) === metaKey(release.meta) && release.fingerprint === fingerprint)
        continue; // unchanged
      candidates.set(meta.id, {
        pageId: meta.id,
        meta: sameOrNew(release?.meta, { ...meta, status: 'published' }),
        body: bodies.get(meta.id) ?? EMPTY_BODY,
        fingerprint,
        bodySeq: plan.seqs?.get(pageRoom(insee, meta.id)) ?? null,
      });
    }
    return { candidates, unreadable, read };
  }

  /**
   * Renders and checks the site; a change the checks refuse is left out (its page stays as it
   * is online), except the one asked for: then nothing is published.
   */
  private async renderChecked(
    job: PublishJob,
    plan: PublishPlan,
    candidates: Map<string, NewRelease>,
  ): Promise<CheckedSite> {
    const { state } = job;
    const base = await this.snapshotBase(job, plan.manifest);
    const render = () => {
      const snapshot = { ...base, pages: snapshotPages(plan.online, plan.removals, candidates) };
      const rendered = renderSite(snapshot, { cache: state.render });
      const report = checkSite(snapshot, rendered, {
        previouslyOnline: state.actes,
        now: job.publishedAt,
        outputCache: state.checks,
      });
      return { snapshot, rendered, report };
    };
    const skipped: PublishIssue[] = [];
    let site = render();
    for (let round = 0; round < 5 && site.report.errors.length > 0; round++) {
      const leftOut = new Set(
        site.report.errors
          .map((e) => e.pageId)
          .filter(
            (id): id is string =>
              id !== null && id !== plan.explicit && (candidates.has(id) || plan.removals.has(id)),
          ),
      );
      if (leftOut.size === 0) break;
      for (const id of leftOut) {
        candidates.delete(id);
        plan.removals.delete(id);
      }
      skipped.push(
        ...site.report.errors.filter((e) => e.pageId !== null && leftOut.has(e.pageId)).map(toIssue),
      );
      site = render();
    }
    return { ...site, skipped };
  }

  /** The snapshot's parts other than its pages. */
  private async snapshotBase(job: PublishJob, manifest: ManifestState): Promise<Omit<SiteSnapshot, 'pages'>> {
    const { commune } = job;
    const origin = (this.options.publicOrigin ?? 'http://localhost:8080').replace(/\/+$/, '');
    this.stylesheet ??= await fs.readFile(path.join(this.options.assetsDir, 'site.css'), 'utf8');
    return {
      commune: { insee: commune.insee, name: commune.name, slug: commune.slug },
      settings: manifest.settings,
      media: this.availableMedia(job.insee, job.state, manifest.media),
      stylesheet: this.stylesheet,
      publishedAt: job.publishedAt,
      siteUrl: `${origin}/sites/${commune.slug}/`,
      searchAvailable: true,
      menus: manifest.menus,
    };
  }

  /** Writes the new version's folder and puts it online; the address map goes with it. */
  private async writeNewVersion(
    job: PublishJob,
    { snapshot, rendered }: CheckedSite,
  ): Promise<WrittenVersion> {
    const { state, siteDir, insee } = job;
    const id = `${new Date(job.publishedAt).toISOString().replace(/[-:.]/g, '').replace('T', '-')}-${crypto
      .randomBytes(4)
      .toString('hex')}`;
    const versionsDir = path.join(siteDir, 'versions');
    const addresses = nextAddressMap(
      state.addresses ?? (await readAddressFile(path.join(siteDir, 'current'))),
      rendered.pagePaths,
      new Map(snapshot.pages.map((p) => [p.meta.id, p.meta.title])),
      rendered.files.keys(),
      job.publishedAt,
    );
    const files = new Map(rendered.files).set(ADDRESS_FILE, JSON.stringify(addresses));
    const previousDir = state.version ? path.join(versionsDir, state.version) : null;
    const prepared =
      state.prepared && state.prepared.base === state.version && fsSync.existsSync(state.prepared.dir)
        ? state.prepared.dir
        : null;
    state.prepared = null;
    let counts: { written: number; kept: number };
    try {
      counts = await writeVersion(
        versionsDir,
        id,
        {
          dir: previousDir !== null && fsSync.existsSync(previousDir) ? previousDir : null,
          files: state.files,
          media: state.media,
          prepared,
        },
        { files, media: rendered.media, mediaSource: mediaDirOf(this.mediaDir, insee) },
        (file, error) => this.options.logger.log('warn', 'site.media_missing', { insee, file, error }),
      );
    } catch (error) {
      if (error instanceof UnsafeFilePathError) throw new PublishError('publish-failed', error.message);
      throw error;
    }
    await this.switchOnline(insee, siteDir, id);
    return { id, files, addresses, ...counts };
  }

  /** The publication in the database, in one transaction: history, schedules, page releases. */
  private async recordPublication(
    job: PublishJob,
    plan: PublishPlan,
    candidates: Map<string, NewRelease>,
    { snapshot, skipped }: CheckedSite,
    version: string,
    changed: PublicationEntry['changed'],
  ): Promise<void> {
    const { insee, publishedAt, publishedBy, publishedByName } = job;
    const kept = [...plan.online.values()].filter(
      (r) => !plan.removals.has(r.pageId) && !candidates.has(r.pageId),
    );
    const added = [...candidates.values()];
    const releasedBy = publishedByName ?? publishedBy;
    const { eventId, addedIds } = await this.store.recordPublication({
      insee,
      version,
      at: publishedAt,
      by: publishedBy,
      byName: publishedByName,
      pages: snapshot.pages.length,
      changed: JSON.stringify(changed),
      settle: settledSchedules(plan.due, candidates, skipped),
      kept,
      added,
      releasedBy,
      actes: this.actesJson(job.state, snapshot),
    });
    const all = this.releases.made(kept, added, addedIds, publishedAt, releasedBy);
    // In the order the database gives them (by page id), as a fresh read would.
    all.sort((a, b) => (a.pageId < b.pageId ? -1 : a.pageId > b.pageId ? 1 : 0));
    job.state.online = { version, releases: new Map(all.map((r) => [r.pageId, r])) };
    job.state.eventId = eventId;
  }

  /** The actes online in a snapshot, as JSON; the same text while they are the same objects. */
  private actesJson(state: CommuneState, snapshot: SiteSnapshot): string {
    const actes = snapshot.pages.filter((p) => p.meta.type === 'acte').map((p) => p.meta);
    const known = state.actesJson;
    if (known && known.actes.length === actes.length && known.actes.every((a, i) => a === actes[i]))
      return known.json;
    const json = JSON.stringify(actes);
    state.actesJson = { actes, json };
    return json;
  }

  /**
   * What follows a publication recorded: the commune's state, the actes online, the history
   * snapshots of the bodies read, the background copy for the next one, the manifest's
   * statuses and the pruning of old versions.
   */
  private async afterPublication(
    job: PublishJob,
    plan: PublishPlan,
    candidates: Map<string, NewRelease>,
    { snapshot, rendered }: CheckedSite,
    written: WrittenVersion,
    pages: CommuneState['pages'],
  ): Promise<void> {
    const { insee, state, siteDir } = job;
    const version = written.id;
    state.version = version;
    state.files = written.files;
    state.media = rendered.media;
    state.pages = pages;
    state.addresses = written.addresses;
    const actesJson = this.actesJson(state, snapshot);
    if (actesJson !== state.actesOnlineJson)
      await this.recordActesOnline(insee, state, state.actesJson!.actes);
    await this.recordCaptures(job, candidates);
    void this.enqueue(insee, () => this.prepareNext(insee, path.join(siteDir, 'versions'), version)).catch(
      (error: unknown) => this.options.logger.log('warn', 'site.prepare_failed', { insee, error }),
    );
    await this.writeStatuses(job, plan, candidates);
    void this.prune(siteDir, version);
  }

  /** The history snapshots of the bodies read since the last publication that went online. */
  private async recordCaptures(job: PublishJob, candidates: ReadonlyMap<string, NewRelease>): Promise<void> {
    const { state, insee } = job;
    const toRecord = [...state.pendingCaptures.values()].filter((page) => candidates.has(page.pageId));
    for (const page of toRecord) state.pendingCaptures.delete(page.pageId);
    if (toRecord.length === 0) return;
    try {
      await this.options.onPagesPublished?.(insee, toRecord, job.publishedByName, job.publishedAt);
    } catch (error) {
      // The publication is done; only these history points are missing.
      this.options.logger.log('error', 'history.publication_snapshot_failed', { insee, error });
    }
  }

  /**
   * The manifest's `status` follows the site (older editors read it): « published » for the
   * pages put online, « draft » for those taken off.
   */
  private async writeStatuses(
    job: PublishJob,
    plan: PublishPlan,
    candidates: ReadonlyMap<string, NewRelease>,
  ): Promise<void> {
    const statusChanges = [
      ...[...candidates.keys()]
        .filter((id) => plan.live.get(id)?.status !== 'published')
        .map((id) => [id, 'published'] as const),
      ...[...plan.removals].filter((id) => plan.live.has(id)).map((id) => [id, 'draft'] as const),
    ];
    if (statusChanges.length === 0 || !this.options.writeDoc) return;
    await this.options
      .writeDoc(siteRoom(job.insee), (doc) => {
        for (const [id, status] of statusChanges)
          updatePage(doc, id, { status }, job.publishedByName ?? SCHEDULER_AGENT);
      })
      .catch((error: unknown) =>
        this.options.logger.log('error', 'site.schedule_write_failed', { insee: job.insee, error }),
      );
  }

  /**
   * Prepares, off the request path, a hard-linked copy of `version` for the next publication.
   * Runs in the commune's queue, so a publication never sees it half made.
   */
  private async prepareNext(insee: string, versionsDir: string, version: string): Promise<void> {
    const state = this.state.get(insee);
    if (!state || state.version !== version || this.closed) return;
    const dir = await linkCopy(
      versionsDir,
      path.join(versionsDir, version),
      [...state.files.keys(), ...state.media],
      () => this.closed,
    );
    if (state.version === version) state.prepared = { base: version, dir };
    else await fs.rm(dir, { recursive: true, force: true });
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
