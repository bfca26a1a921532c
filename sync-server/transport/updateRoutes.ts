/**
 * GET /updates/<name>: the desktop app's update feed (see updateReleases.ts). Serves only the
 * published manifests, the files they list and the blockmaps publishing kept
 * (updateReleases.ts), from DATA_DIR/updates and nothing else: one path
 * segment matching RELEASE_FILE_NAME, a regular file (no symlink), listed by a manifest.
 * Anything else is a 404 without touching the disk beyond the manifests. Range requests (one or
 * several ranges) are answered as byteRanges.ts decides, for electron-updater's differential
 * download.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, contentRange, multipartFraming, planRanges } from './byteRanges';
import {
  BLOCKMAP_SUFFIX,
  MANIFEST_NAMES,
  publishedBlockmaps,
  publishedManifests,
  RELEASE_FILE_NAME,
} from '../operations/updateReleases';

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

/** Streams the parts of a multipart/byteranges answer from one open file, with backpressure. */
async function* multipartBody(
  file: string,
  ranges: readonly ByteRange[],
  framing: { partHeaders: string[]; closing: string },
): AsyncGenerator<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    for (const [index, range] of ranges.entries()) {
      yield Buffer.from(framing.partHeaders[index]!);
      for await (const chunk of handle.createReadStream({ ...range, autoClose: false }))
        yield chunk as Buffer;
    }
    yield Buffer.from(framing.closing);
  } finally {
    await handle.close();
  }
}

/** Pipes a body to the response; a client that goes away ends the read (no error raised). */
async function send(res: http.ServerResponse, body: () => Readable | AsyncGenerator<Buffer>): Promise<void> {
  await pipeline(body(), res).catch((error: unknown) => {
    if (!res.destroyed && !res.writableFinished) throw error;
  });
}

export function createUpdateRoutes(options: { updatesDir: string }) {
  const root = path.resolve(options.updatesDir);

  async function isServable(name: string): Promise<boolean> {
    if (name.endsWith(BLOCKMAP_SUFFIX)) return (await publishedBlockmaps(root)).includes(name);
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
      const contentType = isManifest ? 'text/yaml; charset=utf-8' : 'application/octet-stream';
      const common = {
        'Accept-Ranges': 'bytes',
        'Cache-Control': isManifest ? 'no-cache' : 'public, max-age=86400',
        'X-Content-Type-Options': 'nosniff',
      };
      const plan = planRanges({
        size: stat.size,
        range: req.headers.range,
        ifRange: req.headers['if-range'] === undefined ? undefined : String(req.headers['if-range']),
      });
      if (plan.kind === 'unsatisfiable') {
        res.writeHead(416, { ...common, 'Content-Range': `bytes */${stat.size}`, 'Content-Length': 0 });
        res.end();
        return;
      }
      if (plan.kind === 'multipart') {
        const boundary = randomBytes(16).toString('hex');
        const framing = multipartFraming({ ranges: plan.ranges, size: stat.size, boundary, contentType });
        res.writeHead(206, {
          ...common,
          'Content-Type': `multipart/byteranges; boundary=${boundary}`,
          'Content-Length': framing.contentLength,
        });
        if (req.method === 'HEAD') return void res.end();
        return send(res, () => multipartBody(file, plan.ranges, framing));
      }
      const range = plan.kind === 'single' ? plan.range : { start: 0, end: stat.size - 1 };
      res.writeHead(plan.kind === 'single' ? 206 : 200, {
        ...common,
        'Content-Type': contentType,
        'Content-Length': range.end - range.start + 1,
        ...(plan.kind === 'single' ? { 'Content-Range': contentRange(range, stat.size) } : {}),
      });
      if (req.method === 'HEAD' || stat.size === 0) return void res.end();
      return send(res, () => createReadStream(file, range));
    },
  };
}
