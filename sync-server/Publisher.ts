/**
 * Publishing: reads a commune's manifest and published page docs, renders them with site/,
 * writes a new immutable version directory, then atomically switches the `current` symlink:
 *   {dataDir}/sites/{slug}/versions/{versionId}/…   (older versions stay for rollback)
 *   {dataDir}/sites/{slug}/current -> versions/{versionId}
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Y from 'yjs';
import type { PublicationResponse, PublishResponse } from '../site/apiContract';
import { pageBodyToEditorState } from '../site/pageBody';
import { renderSite, type SiteSnapshot } from '../site/renderSite';
import { readPages, readSettings } from '../site/siteDoc';
import { pageRoom, siteRoom } from '../site/syncProtocol';
import type { Commune } from './communes';
import type { SqliteDatabase } from './database';
import type { Logger } from './Logger';

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
}

/** A publication that cannot be done; `message` is French. */
export class PublishError extends Error {
  readonly code: 'unknown-commune' | 'publish-failed';
  constructor(code: 'unknown-commune' | 'publish-failed', message: string) {
    super(message);
    this.code = code;
  }
}

const SITE_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A rendered file's relative path, checked: no absolute path, no `..`, no odd characters. */
function safeRelativePath(rel: string): string | null {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments.join(path.sep);
}

export class Publisher {
  private readonly options: PublisherOptions;
  private readonly now: () => number;
  /** One publication at a time per commune. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: PublisherOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS publications (
        insee TEXT NOT NULL,
        version TEXT NOT NULL,
        published_at INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        published_by TEXT,
        PRIMARY KEY (insee, version)
      );
    `);
  }

  get sitesDir(): string {
    return path.join(this.options.dataDir, 'sites');
  }

  /** The directory `current` points to for a site slug, or null (never published, bad slug). */
  async currentDir(slug: string): Promise<string | null> {
    if (!SITE_SLUG.test(slug)) return null;
    try {
      return await fs.realpath(path.join(this.sitesDir, slug, 'current'));
    } catch {
      return null;
    }
  }

  publish(insee: string, publishedBy: string | null): Promise<PublishResponse> {
    const previous = this.queues.get(insee) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.publishNow(insee, publishedBy));
    this.queues.set(insee, run);
    void run
      .finally(() => {
        if (this.queues.get(insee) === run) this.queues.delete(insee);
      })
      .catch(() => undefined);
    return run;
  }

  publication(insee: string): PublicationResponse {
    const commune = this.options.commune(insee);
    const row = this.options.db
      .prepare(
        'SELECT published_at AS publishedAt FROM publications WHERE insee = ? ORDER BY published_at DESC LIMIT 1',
      )
      .get(insee) as { publishedAt: number } | undefined;
    if (!commune || !row) return { lastPublishedAt: null, url: null };
    return { lastPublishedAt: row.publishedAt, url: `/sites/${commune.slug}/` };
  }

  private async publishNow(insee: string, publishedBy: string | null): Promise<PublishResponse> {
    const commune = this.options.commune(insee);
    if (!commune) throw new PublishError('unknown-commune', `Commune inconnue : « ${insee} ».`);
    const started = this.now();
    const manifest = await this.options.readDoc(siteRoom(insee));
    const published = readPages(manifest).filter((p) => p.status === 'published');
    const pages: SiteSnapshot['pages'] = [];
    for (const meta of published) {
      const body = await this.options.readDoc(pageRoom(insee, meta.id));
      pages.push({ meta, body: pageBodyToEditorState(body) });
      body.destroy();
    }
    const settings = readSettings(manifest, commune.name);
    manifest.destroy();
    const stylesheet = await fs.readFile(path.join(this.options.assetsDir, 'site.css'), 'utf8');
    const publishedAt = this.now();
    const rendered = renderSite({
      commune: { insee: commune.insee, name: commune.name, slug: commune.slug },
      settings,
      pages,
      stylesheet,
      publishedAt,
    });

    const version = `${new Date(publishedAt).toISOString().replace(/[-:.]/g, '').replace('T', '-')}-${crypto
      .randomBytes(4)
      .toString('hex')}`;
    const siteDir = path.join(this.sitesDir, commune.slug);
    const versionsDir = path.join(siteDir, 'versions');
    const staging = path.join(versionsDir, `.${version}.tmp`);
    await fs.mkdir(staging, { recursive: true });
    try {
      for (const [rel, content] of rendered.files) {
        const safe = safeRelativePath(rel);
        if (!safe) throw new PublishError('publish-failed', `Chemin de fichier refusé : « ${rel} ».`);
        const target = path.join(staging, safe);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, content);
      }
      await fs.rename(staging, path.join(versionsDir, version));
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      throw error;
    }
    // Atomic switch: a new symlink renamed over `current`.
    const tmpLink = path.join(siteDir, `.current-${version}`);
    await fs.symlink(path.join('versions', version), tmpLink);
    await fs.rename(tmpLink, path.join(siteDir, 'current'));

    this.options.db
      .prepare(
        'INSERT INTO publications (insee, version, published_at, pages, published_by) VALUES (?, ?, ?, ?, ?)',
      )
      .run(insee, version, publishedAt, pages.length, publishedBy);
    this.options.logger.log('info', 'site.published', {
      insee,
      version,
      pages: pages.length,
      files: rendered.files.size,
      ms: this.now() - started,
    });
    return { version, url: `/sites/${commune.slug}/`, publishedAt, pages: pages.length };
  }
}
