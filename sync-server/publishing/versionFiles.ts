/**
 * The files of a published version (Publisher.ts): a new immutable directory beside the kept
 * ones, where the files that did not change are hard links to the previous version's (or are
 * already there, in the copy made of links prepared in the background after the previous
 * publication), then switched to atomically with a `current` symlink renamed over the old one.
 * Synchronous calls on the request path: a thousand small files go much faster without a
 * thread-pool hop each.
 */
import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A rendered file's relative path, checked: no absolute path, no `..`, no odd characters. */
export function safeRelativePath(rel: string): string | null {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments.join(path.sep);
}

/** What a new version is made from, besides its own files. */
export interface PreviousVersion {
  /** The version online before, if its directory still exists: unchanged files link to it. */
  dir: string | null;
  /** Its files (relative path → content) and media paths. */
  files: ReadonlyMap<string, string>;
  media: ReadonlySet<string>;
  /** A copy of it made of hard links (Publisher.prepareNext), to write the new version in. */
  prepared: string | null;
}

export interface NewVersion {
  /** Relative path → content. */
  files: ReadonlyMap<string, string>;
  /** Media paths (`media/…`) the pages use. */
  media: ReadonlySet<string>;
  /** The commune's uploaded media (`{sha}.{ext}`, `{sha}-{w}.webp`). */
  mediaSource: string;
}

export class UnsafeFilePathError extends Error {}

/** Writes `next` into `versionsDir/version`; returns how many files were written and kept. */
export async function writeVersion(
  versionsDir: string,
  version: string,
  previous: PreviousVersion,
  next: NewVersion,
  onMissingMedia: (rel: string, error: unknown) => void,
): Promise<{ written: number; kept: number }> {
  const staging = new Staging(previous.prepared ?? path.join(versionsDir, `.${version}.tmp`), previous);
  await fs.mkdir(staging.dir, { recursive: true });
  try {
    if (previous.prepared) staging.removeGone(next);
    staging.writeFiles(next.files);
    staging.linkMedia(next.media, next.mediaSource, onMissingMedia);
    await fs.rename(staging.dir, path.join(versionsDir, version));
  } catch (error) {
    await fs.rm(staging.dir, { recursive: true, force: true });
    throw error;
  }
  return { written: staging.written, kept: staging.kept };
}

/** The directory a version is being written in. */
class Staging {
  written = 0;
  kept = 0;
  readonly dir: string;
  private readonly previous: PreviousVersion;
  private readonly made: Set<string>;

  constructor(dir: string, previous: PreviousVersion) {
    this.dir = dir;
    this.previous = previous;
    this.made = new Set([dir]);
  }

  private get prepared(): boolean {
    return this.previous.prepared !== null;
  }

  private mkdir(dir: string): void {
    if (this.made.has(dir)) return;
    fsSync.mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }

  /** Writes `target` with `write`, never through a hard link to the version online. */
  private replace(target: string, write: () => void): void {
    if (this.prepared) fsSync.rmSync(target, { force: true });
    else this.mkdir(path.dirname(target));
    try {
      write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.mkdir(path.dirname(target));
      write();
    }
  }

  writeFiles(files: ReadonlyMap<string, string>): void {
    const { dir: previousDir, files: previousFiles } = this.previous;
    for (const [rel, content] of files) {
      const unchanged = previousDir !== null && previousFiles.get(rel) === content;
      // Already in the prepared copy, under a path checked when it was first written.
      if (unchanged && this.prepared) {
        this.kept++;
        continue;
      }
      const safe = safeRelativePath(rel);
      if (!safe) throw new UnsafeFilePathError(`Chemin de fichier refusé : « ${rel} ».`);
      const target = path.join(this.dir, safe);
      if (unchanged && this.link(path.join(previousDir, safe), target)) continue;
      this.replace(target, () => fsSync.writeFileSync(target, content));
      this.written++;
    }
  }

  private link(source: string, target: string): boolean {
    try {
      this.mkdir(path.dirname(target));
      fsSync.linkSync(source, target);
      this.kept++;
      return true;
    } catch {
      return false; // written instead
    }
  }

  /** Media files: from the previous version, else from the uploads; a missing one is reported. */
  linkMedia(
    media: ReadonlySet<string>,
    mediaSource: string,
    onMissing: (rel: string, error: unknown) => void,
  ): void {
    const { dir: previousDir, media: previousMedia } = this.previous;
    for (const rel of media) {
      const safe = safeRelativePath(rel);
      if (!safe || !rel.startsWith('media/')) continue;
      if (this.prepared && previousMedia.has(rel)) continue;
      const target = path.join(this.dir, safe);
      const fromPrevious = previousDir !== null ? path.join(previousDir, safe) : null;
      const source =
        fromPrevious && fsSync.existsSync(fromPrevious) ? fromPrevious : path.join(mediaSource, rel.slice(6));
      try {
        this.replace(target, () => fsSync.linkSync(source, target));
      } catch {
        try {
          this.replace(target, () => fsSync.copyFileSync(source, target));
        } catch (error) {
          onMissing(rel, error);
        }
      }
    }
  }

  /**
   * In the prepared copy, the files of the previous version that are gone (removed pages, list
   * pages no longer needed, media no longer used); a folder left empty goes too, never one
   * that still holds files.
   */
  removeGone(next: NewVersion): void {
    const gone = [
      ...[...this.previous.files.keys()].filter((rel) => !next.files.has(rel)),
      ...[...this.previous.media].filter((rel) => !next.media.has(rel)),
    ];
    for (const rel of gone) {
      const safe = safeRelativePath(rel);
      if (!safe) continue;
      fsSync.rmSync(path.join(this.dir, safe), { force: true });
      const parent = path.dirname(path.join(this.dir, safe));
      if (parent === this.dir) continue;
      try {
        fsSync.rmdirSync(parent);
      } catch {
        // Not empty: other files of the version are in it.
      }
    }
  }
}

/**
 * Makes, off the request path, a copy of `source` made of hard links to `files` (relative
 * paths), in a new hidden folder of `versionsDir`; `stop` aborts it. Returns the folder.
 */
export async function linkCopy(
  versionsDir: string,
  source: string,
  files: Iterable<string>,
  stop: () => boolean,
): Promise<string> {
  const dir = path.join(versionsDir, `.next-${crypto.randomBytes(4).toString('hex')}`);
  const made = new Set<string>();
  try {
    await fs.mkdir(dir);
    for (const rel of files) {
      if (stop()) throw new Error('publisher closed');
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
    return dir;
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Atomic switch: a new symlink renamed over `current`. */
export async function switchCurrent(siteDir: string, version: string): Promise<void> {
  const tmpLink = path.join(siteDir, `.current-${version}-${crypto.randomBytes(3).toString('hex')}`);
  await fs.symlink(path.join('versions', version), tmpLink);
  await fs.rename(tmpLink, path.join(siteDir, 'current'));
}
