/**
 * The composition root: every service of a DATA_DIR built from one options object, returned
 * with ONE async disposer. `composeCore` is what the admin CLI needs (database, accounts,
 * audit, metrics, administration, backups — with the same audit hooks as the server);
 * `composeServices` adds what a running server needs (document store, rooms, limits, page
 * history, publisher, media, updates, search, commune data, daily jobs). server.ts only wires
 * these to `http` and `ws`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSE } from '../../site/syncProtocol';
import { Accounts, type AccountsOptions, DEMO_COMMUNE } from '../accounts/Accounts';
import { createAdmin, type Admin, type AdminHooks } from '../accounts/adminOperations';
import { AuditLog } from '../observability/AuditLog';
import { Backups, type RetentionPolicy } from '../operations/Backups';
import { CommuneData } from '../operations/CommuneData';
import { openDatabase } from '../storage/database';
import { libpqEnvironment, pgDumpTo } from '../storage/postgres/pgDump';
import { seedDemoCommune } from './demoCommune';
import type { DocStore } from '../storage/DocStore';
import { Invitations } from '../accounts/Invitations';
import { DEFAULT_LIMITS, Limits, type LimitsOptions } from '../sync/Limits';
import type { Logger } from '../observability/Logger';
import { mediaBytesOfCommune } from '../publishing/mediaFiles';
import { mediaRoutes, type MediaRoutes, type MediaUploadRate } from '../transport/mediaRoutes';
import { DEFAULT_MEDIA_SWEEP_GRACE_MS, MediaSweeper } from '../publishing/mediaSweep';
import { Metrics } from '../observability/Metrics';
import { PageSnapshots, type SnapshotStore } from '../publishing/PageSnapshots';
import { repairPage, type RepairStore } from '../sync/pageRepair';
import { Publisher, type PublisherOptions } from '../publishing/Publisher';
import type { RateLimit } from '../sync/RateLimiter';
import type { CatchUpStore, RedisFanout } from '../sync/RedisFanout';
import { DEFAULT_MAX_DOC_BYTES, DEFAULT_MAX_MESSAGE_BYTES, RoomManager } from '../sync/RoomManager';
import { SiteSearch } from '../publishing/search/SiteSearch';
import { SqliteDocStore } from '../storage/SqliteDocStore';
import type { AccountStore } from '../storage/AccountStore';
import { SqliteAccountStore } from '../storage/SqliteAccountStore';
import type { AuditStore } from '../storage/AuditStore';
import { SqliteAuditStore } from '../storage/SqliteAuditStore';
import type { InvitationStore } from '../storage/InvitationStore';
import { SqliteInvitationStore } from '../storage/SqliteInvitationStore';
import type { PgDatabase } from '../storage/postgres/pgDatabase';
import type { PublicationStore } from '../publishing/PublicationStore';
import { createUpdateRoutes } from '../transport/updateRoutes';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Audit entries are kept a year (RGPD, convention art. 13), then purged by the daily job. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

/** What the CLI and the server share: one DATA_DIR's accounts, audit log and backups. */
export interface CoreOptions {
  dataDir: string;
  logger: Logger;
  /** Test hook: the clock of sessions, locks and rate limits. */
  now?: () => number;
  accessTokenTtlSeconds?: number;
  /** Delay after a first failed login, doubling with each further failure (default 400 ms). */
  loginFailureDelayMs?: number;
  /** Session lifetimes and login lock (defaults in Accounts.ts). */
  sessions?: Pick<
    AccountsOptions,
    | 'sessionIdleSeconds'
    | 'sessionAbsoluteSeconds'
    | 'lockAfterFailures'
    | 'lockSeconds'
    | 'addressFailureBudget'
    | 'accountLockAfterFailures'
    | 'refreshTokenTtlSeconds'
    | 'hashGate'
    | 'scryptParams'
  >;
  /**
   * Backups: where (default `{dataDir}/backups`), retention, whether to take one daily, how
   * often the daily job checks (default hourly), and where to copy them off the machine.
   */
  backups?: {
    dir?: string;
    retention?: RetentionPolicy;
    daily?: boolean;
    checkEveryMs?: number;
    /** A second folder, off the machine (env BACKUP_COPY_DIR), receiving a verified copy. */
    copyDir?: string;
    /** Test hook: alters the off-machine copy before it is verified. */
    tamperCopy?: (partial: string) => void;
  };
  /** How long audit entries are kept (env AUDIT_RETENTION_DAYS); default 365 days. */
  auditRetentionDays?: number;
  /** Published versions (env SITES_DIR): with several nodes, a folder they all see. */
  sitesDir?: string;
  /** The media library (env MEDIA_DIR): with several nodes, a folder they all see. */
  mediaDir?: string;
  /** The desktop app's updates (env UPDATES_DIR): with several nodes, a folder they all see. */
  updatesDir?: string;
  /** Told when the administration disables an agent or changes a role (live sockets). */
  adminHooks?: AdminHooks;
  /**
   * `postgres://…` (env DATABASE_URL): everything the server keeps — documents, accounts,
   * sessions, login throttling, invitations, the audit log, the publishing state and page
   * history — goes to PostgreSQL, shared by every node; backups are then pg_dump's
   * (`storage/postgres/pgDump.ts`). Unset: all in DATA_DIR's SQLite.
   */
  databaseUrl?: string;
}

export interface CoreServices {
  db: ReturnType<typeof openDatabase>;
  /** The PostgreSQL pool with `databaseUrl` (shared by its stores), else null. */
  postgres: PgDatabase | null;
  audit: AuditLog;
  metrics: Metrics;
  accounts: Accounts;
  admin: Admin;
  backups: Backups;
  /** Takes a backup now, audited (`backup.created`; a failed off-machine copy `backup.copy_failed`). */
  takeBackup(): Promise<Awaited<ReturnType<Backups['backupNow']>>>;
  dispose(): Promise<void>;
}

/** The cluster mode's backup: a dump of PostgreSQL by its own tool. */
function pgDump(databaseUrl: string): (file: string) => Promise<void> {
  libpqEnvironment(databaseUrl); // a parameter pg_dump would not understand fails the start, not a night
  return (file) => pgDumpTo(databaseUrl, file);
}

/** Where published versions and media live: SITES_DIR and MEDIA_DIR, by default in DATA_DIR. */
export function fileRoots(options: Pick<CoreOptions, 'dataDir' | 'sitesDir' | 'mediaDir' | 'updatesDir'>): {
  sitesDir: string;
  mediaDir: string;
  updatesDir: string;
} {
  return {
    sitesDir: options.sitesDir ?? path.join(options.dataDir, 'sites'),
    mediaDir: options.mediaDir ?? path.join(options.dataDir, 'media'),
    updatesDir: options.updatesDir ?? path.join(options.dataDir, 'updates'),
  };
}

function checkedRetentionDays(days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(
      `durée de conservation du journal d'audit invalide : « ${days} » (nombre entier de jours, au moins 1).`,
    );
  }
  return days;
}

/** Opens the PostgreSQL pool of `databaseUrl`, its schema migrated. */
async function openPostgresPool(url: string, logger: Logger): Promise<PgDatabase> {
  // Imported on demand: from the sources the embedded default does not load the PostgreSQL
  // client (the esbuild bundle hoists `pg` and `kysely` to its top, loaded but unused).
  const { openPostgres } = await import('../storage/postgres/pgDatabase');
  return openPostgres(url, {
    onMigrated: (result) => {
      if (result.applied.length > 0) logger.log('info', 'schema.migrated', { postgres: result.applied });
    },
    onConnectionLost: (error) => logger.log('warn', 'postgres.connection_lost', { error: error.message }),
  });
}

/** The accounts' store: DATA_DIR's SQLite, or PostgreSQL's pool when there is one. */
async function openAccountStore(db: CoreServices['db'], postgres: PgDatabase | null): Promise<AccountStore> {
  if (!postgres) return new SqliteAccountStore(db);
  const { PgAccountStore } = await import('../storage/postgres/PgAccountStore');
  return new PgAccountStore(postgres);
}

/** The audit log's store: DATA_DIR's SQLite, or PostgreSQL's pool when there is one. */
async function openAuditStore(db: CoreServices['db'], postgres: PgDatabase | null): Promise<AuditStore> {
  if (!postgres) return new SqliteAuditStore(db);
  const { PgAuditStore } = await import('../storage/postgres/PgAuditStore');
  return new PgAuditStore(postgres);
}

/** The invitations' store: DATA_DIR's SQLite, or PostgreSQL's pool when there is one. */
async function openInvitationStore(
  db: CoreServices['db'],
  postgres: PgDatabase | null,
): Promise<InvitationStore> {
  if (!postgres) return new SqliteInvitationStore(db);
  const { PgInvitationStore } = await import('../storage/postgres/PgInvitationStore');
  return new PgInvitationStore(postgres);
}

/** Opens the DATA_DIR's database and builds the services the CLI and the server share. */
export async function composeCore(options: CoreOptions): Promise<CoreServices> {
  const { logger, now } = options;
  const auditRetentionDays = checkedRetentionDays(options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS);
  const db = openDatabase(options.dataDir, {
    onMigrated: (result) => logger.log('info', 'schema.migrated', { ...result }),
  });
  let postgres: PgDatabase | null = null;
  try {
    postgres = options.databaseUrl ? await openPostgresPool(options.databaseUrl, logger) : null;
    const metrics = new Metrics(now);
    const audit = new AuditLog(await openAuditStore(db, postgres), now, {
      onWriteFailed: (error) => {
        metrics.inc('usine_errors_total', { kind: 'audit' });
        logger.log('error', 'audit.write_failed', { error: error.message });
      },
    });
    const accounts = await Accounts.open(await openAccountStore(db, postgres), {
      logger,
      now,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      failureDelayMs: options.loginFailureDelayMs,
      ...options.sessions,
    });
    const invitations = new Invitations(await openInvitationStore(db, postgres), now);
    const admin = createAdmin(accounts, audit, options.adminHooks ?? {}, invitations);
    const backups = new Backups({
      db,
      dir: options.backups?.dir ?? path.join(options.dataDir, 'backups'),
      mediaDir: fileRoots(options).mediaDir,
      dump: options.databaseUrl ? pgDump(options.databaseUrl) : undefined,
      retention: options.backups?.retention,
      logger,
      now,
      copyDir: options.backups?.copyDir,
      tamperCopy: options.backups?.tamperCopy,
      onCopyFailed: (error) => {
        metrics.inc('usine_errors_total', { kind: 'backup_copy' });
        audit.record({ event: 'backup.copy_failed', outcome: 'error', details: { error: error.message } });
      },
      afterDailyBackup: async () => {
        const removed = await audit.purge(auditRetentionDays * 86_400_000);
        if (removed > 0) logger.log('info', 'audit.purged', { removed, retentionDays: auditRetentionDays });
      },
    });
    const takeBackup = async () => {
      const backup = await backups.backupNow();
      audit.record({
        event: 'backup.created',
        outcome: 'ok',
        details: {
          file: path.basename(backup.file),
          ...(backup.copy && 'sha256' in backup.copy ? { copySha256: backup.copy.sha256 } : {}),
        },
      });
      return backup;
    };
    const dispose = async () => {
      await audit.close();
      db.close();
      await postgres?.destroy();
    };
    return { db, postgres, audit, metrics, accounts, admin, backups, takeBackup, dispose };
  } catch (error) {
    db.close();
    await postgres?.destroy();
    throw error;
  }
}

export interface ServicesOptions extends Omit<CoreOptions, 'logger' | 'adminHooks'> {
  logger: Logger;
  /** Theme of published sites (`site.css`); default `<repo>/assets`. */
  assetsDir?: string;
  /** Searches of a published site per address (site/SPEC.md [SEARCH-8]). */
  searchRate?: RateLimit;
  /** Test hook: wraps the document store (e.g. to hold commits). */
  wrapStore?: (store: DocStore) => DocStore;
  /** Largest accepted sync message; larger ones close with CLOSE.TOO_LARGE. Default 10 MB. */
  maxMessageBytes?: number;
  /**
   * Bytes a sync socket may leave unread (besides one sync answer); past it the socket closes
   * with CLOSE.TOO_SLOW. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** On a database without agents, create the demo référent (default true). */
  createDemoAccount?: boolean;
  /** The demo référent's commune, seeded with the starter pages (default DEMO_COMMUNE). */
  demoCommune?: string;
  maxDocBytes?: number;
  /** Rate limits and commune quota (defaults in Limits.ts). */
  limits?: Partial<Omit<LimitsOptions, 'communeBytes' | 'now'>>;
  /** Page history: an editing session ends after this long without an edit (default 5 min). */
  sessionIdleMs?: number;
  /** How often due scheduled publications are looked for (default 15 s). */
  scheduleIntervalMs?: number;
  /**
   * Public origin of the server (env PUBLIC_URL, e.g. `https://sites.ampmetropole.fr`): the
   * absolute URLs of sitemaps and feeds, and the sync origin allowed by the editor's CSP.
   */
  publicUrl?: string;
  /**
   * Media uploads per agent (defaults in mediaRoutes.ts) and the sweep of files the site no
   * longer refers to (daily; files younger than 7 days are kept).
   */
  media?: { uploadRate?: Partial<MediaUploadRate>; sweepIntervalMs?: number; sweepGraceMs?: number };
  /**
   * `redis://…` (env REDIS_URL, with `databaseUrl`): rooms across nodes — updates and presence
   * fan out to the other nodes through Redis (sync/RedisFanout.ts). Unset: one node.
   */
  redisUrl?: string;
  /** Redis's password (env REDIS_PASSWORD), out of the URL. */
  redisPassword?: string;
}

/** The documents' store as the server uses it: the DocStore, plus repair and quota. */
export type BackingDocStore = DocStore &
  RepairStore & {
    /** Bytes a commune's documents hold (synchronous: Limits reads it while admitting). */
    bytesOfCommune(insee: string): number;
  };

/**
 * With `databaseUrl`, what the nodes share beyond the documents: the publishing state and the
 * daily jobs' claims (one node runs each a day, [PGPUB-4]).
 */
interface ClusterStores {
  publications: PublicationStore;
  snapshots: SnapshotStore;
  claimDaily: (job: string) => Promise<boolean>;
  /** Gives a failed job's claim back: another node (or this one) runs it again that day. */
  releaseDaily: (job: string) => Promise<void>;
}

/**
 * The documents' store: SqliteDocStore on DATA_DIR's database (embedded default), or
 * PgDocStore when `databaseUrl` is set. `refreshUsage` reads the communes' usage again (on
 * PostgreSQL other nodes write too).
 */
async function openDocStore(
  core: CoreServices,
  options: ServicesOptions,
): Promise<{
  backing: BackingDocStore;
  refreshUsage: () => Promise<void>;
  catchUp?: CatchUpStore;
  cluster?: ClusterStores;
}> {
  if (!core.postgres) return { backing: new SqliteDocStore(core.db), refreshUsage: async () => {} };
  // Imported on demand: the embedded default never loads the PostgreSQL client (the compiled
  // server puts this import in a chunk of its own).
  const { PgDocStore } = await import('../storage/postgres/PgDocStore');
  // On the core's pool (closed by core.dispose, after the store).
  const postgres = core.postgres;
  const store = new PgDocStore(postgres);
  await store.refreshCommuneBytes();
  // The publishing state on the same pool ([PGPUB-1]); its locks on a pool of their own.
  const { PgPublicationStore } = await import('../publishing/PgPublicationStore');
  const { PgSnapshotStore } = await import('../publishing/PgSnapshotStore');
  const { claimDailyJob, dayOf, releaseDailyJob } = await import('../storage/postgres/advisoryLocks');
  const today = () => dayOf((options.now ?? Date.now)());
  const cluster: ClusterStores = {
    publications: await PgPublicationStore.open(postgres, options.databaseUrl!),
    snapshots: new PgSnapshotStore(postgres),
    claimDaily: (job) => claimDailyJob(postgres, job, today()),
    releaseDaily: (job) => releaseDailyJob(postgres, job, today()),
  };
  return { backing: store, refreshUsage: () => store.refreshCommuneBytes(), catchUp: store, cluster };
}

export interface Services extends Omit<CoreServices, 'dispose'> {
  /** The documents' store itself (SQLite, or PostgreSQL with `databaseUrl`), unwrapped. */
  backingStore: BackingDocStore;
  store: DocStore;
  limits: Limits;
  snapshots: PageSnapshots;
  rooms: RoomManager;
  publisher: Publisher;
  siteSearch: SiteSearch;
  communeData: CommuneData;
  media: MediaRoutes;
  updates: ReturnType<typeof createUpdateRoutes>;
  /** Credentials of the demo account created at this start, to print once; null otherwise. */
  demoAccount: { email: string; password: string } | null;
  /** Builds a commune's export zip in DATA_DIR/tmp (streamed, then deleted, by the caller). */
  exportCommune(insee: string): Promise<{ tempFile: string; bytes: number }>;
  /** Ends a commune's data (closing its rooms first); nothing can write it back afterwards. */
  deleteCommuneData(insee: string): Promise<Record<string, unknown>>;
  /** Trims a page nested deeper than its schema, through the live rooms. */
  repairPage(insee: string, pageId: string): Promise<Record<string, unknown> | null>;
  /**
   * Stops the jobs, closes the rooms (flushing their writes), then runs `afterRooms` (the
   * transport closing its sockets), then closes the publisher, the store and the database.
   */
  dispose(afterRooms?: () => Promise<void>): Promise<void>;
}

/** Every service of a running server. The caller holds the DATA_DIR lock. */
export async function composeServices(options: ServicesOptions): Promise<Services> {
  // The administration's hooks close live sockets: the rooms are built after the core.
  const late: { rooms?: RoomManager } = {};
  const core = await composeCore({
    ...options,
    adminHooks: {
      onAgentDisabled: (agentId) => late.rooms?.closeAgentConnections(agentId, CLOSE.FORBIDDEN),
      onRoleChanged: (agentId, insee) => late.rooms?.closeAgentConnections(agentId, CLOSE.FORBIDDEN, insee),
    },
  });
  const { accounts } = core;
  const roots = fileRoots(options);
  let docs: Awaited<ReturnType<typeof openDocStore>>;
  try {
    docs = await openDocStore(core, options);
  } catch (error) {
    await core.dispose();
    throw error;
  }
  let fanout: RedisFanout | undefined;
  if (options.redisUrl) {
    if (!docs.catchUp) {
      await docs.cluster?.publications.close?.();
      await docs.backing.close();
      await core.dispose();
      throw new Error(
        'REDIS_URL demande DATABASE_URL : les nœuds partagent leurs documents dans PostgreSQL.',
      );
    }
    const { RedisFanout } = await import('../sync/RedisFanout');
    fanout = new RedisFanout({
      url: options.redisUrl,
      password: options.redisPassword,
      store: docs.catchUp,
      logger: options.logger,
      metrics: core.metrics,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
  }
  const backingStore = docs.backing;
  const store = options.wrapStore ? options.wrapStore(backingStore) : backingStore;
  let demoAccount: Services['demoAccount'];
  try {
    const demoCommune = options.demoCommune ?? DEMO_COMMUNE;
    demoAccount = options.createDemoAccount === false ? null : await accounts.ensureDemoAccount(demoCommune);
    if (demoAccount) await seedDemoCommune(store, demoCommune);
  } catch (error) {
    // Nothing may keep the process alive after a failed start: Redis reconnects for ever, the
    // publication locks have their own pool.
    await fanout?.close();
    await docs.cluster?.publications.close?.();
    await store.close();
    await core.dispose();
    throw error;
  }
  const limits = new Limits({
    ...DEFAULT_LIMITS,
    ...options.limits,
    // Media files count in the same quota as the commune's documents.
    communeBytes: (insee) => backingStore.bytesOfCommune(insee) + mediaBytesOfCommune(roots.mediaDir, insee),
    now: options.now,
  });
  const live = composeLive(options, core, store, limits, fanout, docs.cluster);
  late.rooms = live.rooms;
  const jobs = startJobs(options, core, live, limits, docs.refreshUsage);
  const dispose = async (afterRooms?: () => Promise<void>) => {
    jobs.stop();
    await live.mediaSweeper.idle();
    await live.rooms.close();
    await live.snapshots.idle();
    await fanout?.close();
    await afterRooms?.();
    await live.publisher.close();
    await store.close();
    await core.dispose();
  };
  return {
    ...core,
    ...live,
    backingStore,
    store,
    limits,
    demoAccount,
    ...communeOperations(options, core, live, backingStore, limits),
    dispose,
  };
}

/** Rooms, page history, publisher, media, updates, search and commune data. */
function composeLive(
  options: ServicesOptions,
  core: CoreServices,
  store: DocStore,
  limits: Limits,
  fanout?: RedisFanout,
  cluster?: ClusterStores,
) {
  const { db, accounts, audit, metrics, logger } = { ...core, logger: options.logger };
  const roots = fileRoots(options);
  const snapshots = new PageSnapshots({ db, store: cluster?.snapshots, logger, now: options.now });
  const rooms = new RoomManager({
    store,
    logger,
    sessionIdleMs: options.sessionIdleMs,
    fanout,
    onSessionEnd: (room, editors) => snapshots.sessionEnded(room.name, room.doc, editors),
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxBufferedBytes: options.maxBufferedBytes,
    maxDocBytes: options.maxDocBytes ?? DEFAULT_MAX_DOC_BYTES,
    metrics,
    admitUpdate: (identity, room, bytes) => limits.admitUpdate(identity, room, bytes),
    admitMessage: (identity) => limits.admitMessage(identity),
    onRefused: (identity, room, close, detail) =>
      audit.refusal(
        {
          event: 'sync.closed',
          insee: room.split('/')[0],
          agentId: identity.agentId,
          address: identity.address,
          outcome: close.reason,
          details: { code: close.code, room, detail },
        },
        { authenticated: true, rateLimit: close.code === CLOSE.TOO_FAST.code },
      ),
  });
  metrics.gauge('usine_sync_connections', 'Open sync connections.', () => rooms.connectionCount);
  metrics.gauge('usine_sync_rooms', 'Rooms loaded in memory.', () => rooms.openRoomCount);
  const publisher = new Publisher({
    db,
    store: cluster?.publications,
    dataDir: options.dataDir,
    ...roots,
    assetsDir: options.assetsDir ?? path.join(REPO_ROOT, 'assets'),
    logger,
    readDoc: (room) => rooms.readDoc(room),
    commune: (insee) => accounts.commune(insee),
    ...publishingHooks({ rooms, store }),
    scheduleIntervalMs: options.scheduleIntervalMs,
    publicOrigin: options.publicUrl,
    onPagesPublished: (insee, pages, by, at) => snapshots.recordPublication(insee, pages, by, at),
    publishedBodyState: (insee, pageId) => snapshots.lastPublished(insee, pageId),
  });
  const communeData = new CommuneData({
    db,
    ...roots,
    store,
    accounts,
    audit,
    readDoc: (room) => rooms.readDoc(room),
    now: options.now,
    deleteShared: cluster && ((insee) => cluster.publications.deleteCommune(insee)),
  });
  const media = mediaRoutes({
    mediaDir: roots.mediaDir,
    quota: limits,
    audit,
    logger,
    readDoc: (room) => rooms.readDoc(room),
    uploadRate: options.media?.uploadRate,
    now: options.now,
  });
  const mediaSweeper = new MediaSweeper({
    mediaDir: roots.mediaDir,
    readDoc: (room) => rooms.readDoc(room),
    audit,
    logger,
    graceMs: options.media?.sweepGraceMs ?? DEFAULT_MEDIA_SWEEP_GRACE_MS,
    onDeleted: (insee) => limits.recount(insee),
    now: options.now,
    claimRun: cluster && (() => cluster.claimDaily('media-sweep')),
  });
  /** Cluster mode: claims a daily job for today (true on the one node that runs it). */
  const claimDaily = cluster?.claimDaily;
  const releaseDaily = cluster?.releaseDaily;
  return {
    snapshots,
    rooms,
    publisher,
    communeData,
    claimDaily,
    releaseDaily,
    media,
    mediaSweeper,
    siteSearch: new SiteSearch({ logger, rate: options.searchRate }),
    updates: createUpdateRoutes({ updatesDir: fileRoots(options).updatesDir }),
  };
}

type Live = ReturnType<typeof composeLive>;

/** The periodic jobs (media sweep, daily backups, quota recount); `stop` ends them. */
function startJobs(
  options: ServicesOptions,
  core: CoreServices,
  live: Live,
  limits: Limits,
  refreshUsage: () => Promise<void>,
) {
  const stopMediaSweep = live.mediaSweeper.start(options.media?.sweepIntervalMs ?? 86_400_000);
  const stopDailyBackups = options.backups?.daily
    ? core.backups.startDaily(
        options.backups.checkEveryMs,
        live.claimDaily && (() => live.claimDaily!('daily-backup')),
        live.releaseDaily && (() => live.releaseDaily!('daily-backup')),
      )
    : () => {};
  // Compaction shrinks stored bytes: recount commune usage now and then.
  const recount = setInterval(() => {
    refreshUsage().then(
      () => limits.recountAll(),
      (error: Error) => options.logger.log('warn', 'quota.refresh_failed', { error: error.message }),
    );
  }, 10 * 60_000);
  recount.unref();
  return {
    stop: () => {
      clearInterval(recount);
      stopDailyBackups();
      stopMediaSweep();
    },
  };
}

/** Export, deletion and repair of a commune's data, through the live rooms. */
function communeOperations(
  options: ServicesOptions,
  core: CoreServices,
  live: Live,
  backingStore: BackingDocStore,
  limits: Limits,
) {
  const { rooms, communeData } = live;
  // Exports in progress; anything left there by a crash is stale.
  const exportTmpDir = path.join(options.dataDir, 'tmp');
  fs.rmSync(exportTmpDir, { recursive: true, force: true });
  fs.mkdirSync(exportTmpDir, { recursive: true });
  return {
    exportCommune: async (insee: string) => {
      // Built on disk (DATA_DIR/tmp, where there is room), streamed to the client, then deleted.
      const tempFile = path.join(exportTmpDir, `export-${insee}-${crypto.randomUUID()}.zip`);
      const { bytes } = await communeData.exportToFile(insee, tempFile);
      return { tempFile, bytes };
    },
    deleteCommuneData: async (insee: string) => {
      // First refuse every new connection to the commune (re-checked after a room loads, and
      // every second on live sockets), then close its sockets and unload its rooms once their
      // pending writes are flushed: nothing can write the data back after the deletion.
      communeData.foldersOf(insee); // a slug leading outside DATA_DIR refuses before anything changes
      await core.accounts.markCommuneDataDeleted(insee);
      await rooms.unloadCommune(insee, CLOSE.FORBIDDEN);
      const result = await communeData.deleteAll(insee);
      limits.recount(insee);
      return result;
    },
    repairPage: async (insee: string, pageId: string) => {
      // Through the live rooms: their clients get the deletions, nothing writes the old state back.
      const result = await repairPage(
        {
          store: backingStore,
          open: async (name) => {
            const room = await rooms.open(name);
            return {
              doc: room.doc,
              flushed: async () => {
                while (room.hasUnsavedUpdates) await room.whenFlushed();
              },
              release: () => room.releaseLease(),
            };
          },
        },
        insee,
        pageId,
      );
      return result.found ? { ...result } : null;
    },
  };
}

/**
 * What the Publisher needs from the server's rooms and store: sequence numbers of the docs
 * (incremental republish) and writing the live manifest (scheduled publication).
 */
function publishingHooks(deps: {
  rooms: Pick<RoomManager, 'open'>;
  store: Pick<DocStore, 'listRooms'>;
}): Pick<PublisherOptions, 'listRoomSeqs' | 'writeDoc'> {
  return {
    listRoomSeqs: (insee) => deps.store.listRooms(insee),
    writeDoc: async (name, change) => {
      const room = await deps.rooms.open(name);
      try {
        change(room.doc);
        await room.whenFlushed();
      } finally {
        room.releaseLease();
      }
    },
  };
}
