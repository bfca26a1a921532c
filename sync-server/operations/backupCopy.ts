/**
 * Off-machine copies of the backups (convention art. 4.2: a backup on the same disk as the
 * data dies with it). After each backup, the file is copied into `BACKUP_COPY_DIR` (meant to be
 * another disk or a network mount), read back and compared by SHA-256 with the original; the
 * digest is written next to it as `<name>.sha256` (`sha256sum -c` format) so the copy can be
 * checked again before a restore. Media files follow (copied once, immutable), and the copies
 * are pruned by the same retention as the originals.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { backupsToKeep, copyMissing, listBackups, type RetentionPolicy } from './Backups';

export interface BackupCopy {
  file: string;
  sha256: string;
}

export class ChecksumMismatch extends Error {}

export function sha256Of(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** SHA-256 of a file, read as a stream: the server's event loop keeps running meanwhile. */
export async function sha256OfStream(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The digest recorded next to a backup (`<file>.sha256`), or null when there is none. */
export function recordedSha256(file: string): string | null {
  try {
    return /^([0-9a-f]{64})\b/.exec(fs.readFileSync(`${file}.sha256`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Copies `backupFile` (and the media folder next to it) into `copyDir`, verifies the copy by
 * SHA-256 (asynchronously: a large base does not stall the server), records the digest,
 * prunes old copies. Throws ChecksumMismatch (the bad copy is
 * removed) or the file system's error.
 */
export async function copyBackup(
  backupFile: string,
  copyDir: string,
  retention?: RetentionPolicy,
  /** Test hook: called on the copy before it is verified. */
  tamper?: (partial: string) => void,
): Promise<BackupCopy> {
  fs.mkdirSync(copyDir, { recursive: true });
  const name = path.basename(backupFile);
  const target = path.join(copyDir, name);
  const partial = `${target}.partial`;
  const expected = await sha256OfStream(backupFile);
  try {
    await fs.promises.copyFile(backupFile, partial);
    tamper?.(partial);
    const actual = await sha256OfStream(partial);
    if (actual !== expected) {
      throw new ChecksumMismatch(`copy of ${name} differs from the backup (sha256 ${actual} ≠ ${expected})`);
    }
    fs.writeFileSync(`${target}.sha256`, `${expected}  ${name}\n`);
    fs.renameSync(partial, target);
  } catch (error) {
    // Nothing half-written stays behind.
    fs.rmSync(partial, { force: true });
    throw error;
  }
  copyMissing(path.join(path.dirname(backupFile), 'media'), path.join(copyDir, 'media'));
  const copies = listBackups(copyDir);
  const keep = backupsToKeep(
    copies.map((c) => c.takenAt),
    retention,
  );
  for (const copy of copies) {
    if (keep.has(copy.takenAt)) continue;
    fs.rmSync(copy.file, { force: true });
    fs.rmSync(`${copy.file}.sha256`, { force: true });
  }
  return { file: target, sha256: expected };
}
