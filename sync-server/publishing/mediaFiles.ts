/**
 * A commune's media folder on disk, `{mediaDir}/{insee}/` (MEDIA_DIR, default `{dataDir}/media`): originals `{sha256}.{ext}`,
 * re-encoded sizes `{sha256}-{width}.webp`. Lookup, atomic writes, deletion of a file with its
 * sizes, the bytes a commune holds (counted in its storage quota) and the hashes it holds.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Extension of each accepted type (the order is the lookup order). */
export const MEDIA_EXTENSIONS: Readonly<Record<string, string>> = {
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/pdf': 'pdf',
};

/** `{sha256}.{ext}` or `{sha256}-{width}.webp`; the hash in group 1. */
const MEDIA_FILE = /^([0-9a-f]{64})(?:\.(?:webp|jpg|png|pdf)|-[1-9]\d{0,3}\.webp)$/;

export interface StoredFile {
  file: string;
  mime: string;
  size: number;
  mtimeMs: number;
}

/** `{mediaDir}/{insee}`: mediaDir is MEDIA_DIR, by default `{dataDir}/media`. */
export function communeMediaDir(mediaDir: string, insee: string): string {
  return path.join(mediaDir, insee);
}

export async function findOriginal(dir: string, sha: string): Promise<StoredFile | null> {
  for (const [mime, ext] of Object.entries(MEDIA_EXTENSIONS)) {
    const file = path.join(dir, `${sha}.${ext}`);
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return { file, mime, size: info.size, mtimeMs: info.mtimeMs };
  }
  return null;
}

export async function findVariant(dir: string, sha: string, width: number): Promise<StoredFile | null> {
  const file = path.join(dir, `${sha}-${width}.webp`);
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? { file, mime: 'image/webp', size: info.size, mtimeMs: info.mtimeMs } : null;
}

/** Writes a file atomically (temporary name, then rename): never a half-written file. */
export async function writeAtomic(dir: string, name: string, body: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, body, { flag: 'wx' });
    await rename(temp, path.join(dir, name));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Hash → its files (original and sizes) in the folder; other names are ignored. */
export async function filesByHash(dir: string): Promise<Map<string, string[]>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const byHash = new Map<string, string[]>();
  for (const name of names) {
    const sha = MEDIA_FILE.exec(name)?.[1];
    if (sha) byHash.set(sha, [...(byHash.get(sha) ?? []), name]);
  }
  return byHash;
}

/** Deletes the original of `sha` and all its sizes; answers the names deleted. */
export async function deleteMedia(dir: string, sha: string): Promise<string[]> {
  const names = (await filesByHash(dir)).get(sha) ?? [];
  for (const name of names) await unlink(path.join(dir, name)).catch(() => undefined);
  return names;
}

/**
 * Bytes of the commune's media files (each inode once: an original WebP is linked as its own
 * size). Synchronous: read once per commune by the quota, then counted there.
 */
export function mediaBytesOfCommune(mediaDir: string, insee: string): number {
  const dir = communeMediaDir(mediaDir, insee);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  const seen = new Set<number>();
  let bytes = 0;
  for (const name of names) {
    const info = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
    if (!info?.isFile() || seen.has(info.ino)) continue;
    seen.add(info.ino);
    bytes += info.size;
  }
  return bytes;
}
