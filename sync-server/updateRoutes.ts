/**
 * GET /updates/<name>: the desktop app's update feed (see updateReleases.ts). Serves only the
 * published manifests and the files they list, from DATA_DIR/updates and nothing else: one path
 * segment matching RELEASE_FILE_NAME, a regular file (no symlink), listed by a manifest.
 * Anything else is a 404 without touching the disk beyond the manifests.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { MANIFEST_NAMES, publishedManifests, RELEASE_FILE_NAME } from './updateReleases';

export const UPDATES_PREFIX = '/updates/';

function notFound(res: http.ServerResponse): void {
  const body = 'Fichier de mise à jour introuvable.';
  res.writeHead(404, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** The file name asked for, or null when the path is not one plain segment. */
function requestedName(pathname: string): string | null {
  const raw = pathname.slice(UPDATES_PREFIX.length);
  // No decoding: electron-builder's names need none, and %2e%2e / %2f then cannot mean anything.
  if (!RELEASE_FILE_NAME.test(raw) || raw.includes('..')) return null;
  return raw;
}

export function createUpdateRoutes(options: { updatesDir: string }) {
  const root = path.resolve(options.updatesDir);

  async function isServable(name: string): Promise<boolean> {
    const manifests = await publishedManifests(root);
    if ((MANIFEST_NAMES as readonly string[]).includes(name)) return manifests.has(name);
    for (const manifest of manifests.values())
      if (manifest.files.some((entry) => entry.url === name)) return true;
    return false;
  }

  return {
    async handle(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
      const name = requestedName(pathname);
      if (name === null || !(await isServable(name))) return notFound(res);
      const file = path.join(root, name);
      const stat = await fs.lstat(file).catch(() => null);
      if (!stat?.isFile() || path.dirname(file) !== root) return notFound(res);
      const isManifest = name.endsWith('.yml');
      res.writeHead(200, {
        'Content-Type': isManifest ? 'text/yaml; charset=utf-8' : 'application/octet-stream',
        'Content-Length': stat.size,
        'Cache-Control': isManifest ? 'no-cache' : 'public, max-age=86400',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const stream = createReadStream(file);
        stream.on('error', reject);
        res.on('close', () => {
          stream.destroy();
          resolve();
        });
        stream.pipe(res);
      });
    },
  };
}
