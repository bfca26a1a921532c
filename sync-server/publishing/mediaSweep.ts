/**
 * What a commune's site refers to among its media (the manifest's library and every use by a
 * page or the settings), and the periodic sweep that deletes the files nothing refers to any
 * more. A file is deleted only when it is older than `graceMs` (an upload may reach the server
 * before the manifest entry naming it) and was already unreferenced at the previous sweep
 * (an entry being added while the manifest was read is seen next time).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as Y from 'yjs';
import { siteMediaUsage, type MediaUse } from '../../site/mediaUsage';
import { mediaMap, readPages, settingsMap } from '../../site/siteDoc';
import { siteRoom } from '../../site/syncProtocol';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import { communeMediaDir, deleteMedia, filesByHash } from './mediaFiles';

export interface MediaReferences {
  /** Hashes of the manifest's media library. */
  library: Set<string>;
  /** Every use of each hash (pages' fields and bodies, settings). */
  uses: Map<string, MediaUse[]>;
}

export type ReadDoc = (room: string) => Promise<Y.Doc>;

export async function readMediaReferences(readDoc: ReadDoc, insee: string): Promise<MediaReferences> {
  const manifest = await readDoc(siteRoom(insee));
  try {
    const settings = settingsMap(manifest).toJSON() as Record<string, unknown>;
    return {
      library: new Set(mediaMap(manifest).keys()),
      uses: siteMediaUsage(readPages(manifest), settings),
    };
  } finally {
    manifest.destroy();
  }
}

export interface MediaSweepOptions {
  /** The media library's root (MEDIA_DIR, default `{dataDir}/media`). */
  mediaDir: string;
  readDoc: ReadDoc;
  audit: AuditLog;
  logger: Logger;
  /** Files younger than this are kept (default 7 days). */
  graceMs?: number;
  /** The commune's files changed: its storage is counted again. */
  onDeleted: (insee: string) => void;
  now?: () => number;
  /**
   * [PGPUB-4] Several nodes on one MEDIA_DIR: the timer's sweep runs only when this answers
   * true (the node that claims the day). Unset: every timer tick sweeps.
   */
  claimRun?: () => Promise<boolean>;
}

export const DEFAULT_MEDIA_SWEEP_GRACE_MS = 7 * 86_400_000;
const COMMUNE_DIR = /^(?:\d{5}|2[AB]\d{3})$/;

export class MediaSweeper {
  /** Per commune, the hashes found unreferenced by the previous sweep. */
  private readonly candidates = new Map<string, Set<string>>();
  private running: Promise<number> | null = null;

  constructor(private readonly options: MediaSweepOptions) {}

  /** One sweep of every commune; answers how many files were deleted. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => (this.running = null));
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    const communes = await readdir(this.options.mediaDir).catch(() => [] as string[]);
    let deleted = 0;
    for (const insee of communes.filter((name) => COMMUNE_DIR.test(name))) {
      try {
        deleted += await this.sweepCommune(insee);
      } catch (error) {
        this.options.logger.log('warn', 'media.sweep_failed', { insee, error });
      }
    }
    return deleted;
  }

  private async sweepCommune(insee: string): Promise<number> {
    const dir = communeMediaDir(this.options.mediaDir, insee);
    const files = await filesByHash(dir);
    if (files.size === 0) return 0;
    const refs = await readMediaReferences(this.options.readDoc, insee);
    const previous = this.candidates.get(insee) ?? new Set<string>();
    const next = new Set<string>();
    const now = (this.options.now ?? Date.now)();
    const grace = this.options.graceMs ?? DEFAULT_MEDIA_SWEEP_GRACE_MS;
    const removed: string[] = [];
    for (const [sha, names] of files) {
      if (refs.library.has(sha) || refs.uses.has(sha)) continue;
      const times = await Promise.all(
        names.map((n) =>
          stat(path.join(dir, n)).then(
            (s) => s.mtimeMs,
            () => 0,
          ),
        ),
      );
      if (now - Math.max(...times) < grace) continue;
      if (!previous.has(sha)) {
        next.add(sha);
        continue;
      }
      removed.push(...(await deleteMedia(dir, sha)));
    }
    this.candidates.set(insee, next);
    if (removed.length === 0) return 0;
    this.options.onDeleted(insee);
    this.options.audit.record({
      event: 'media.deleted',
      insee,
      outcome: 'unreferenced',
      details: { files: removed.length, names: removed.slice(0, 50) },
    });
    this.options.logger.log('info', 'media.swept', { insee, files: removed.length });
    return removed.length;
  }

  /** Sweeps every `intervalMs` (unref'd timer); answers the function that stops it. */
  start(intervalMs: number): () => void {
    const claim = this.options.claimRun;
    const tick = claim
      ? () =>
          void claim().then(
            (mine) => (mine ? this.sweep() : 0),
            (error: unknown) => this.options.logger.log('warn', 'media.sweep_failed', { error }),
          )
      : () => void this.sweep();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Waits for a sweep in progress (server shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}
