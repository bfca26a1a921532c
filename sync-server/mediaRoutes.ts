/**
 * Media files of a commune, content-addressed by SHA-256 (issue 5):
 *   PUT  /api/communes/{insee}/media/{sha256}  body = the file; Content-Type one of MEDIA_LIMITS
 *   GET|HEAD  same path                         the file (for the editor on another computer)
 *   PUT|GET|HEAD /api/communes/{insee}/media/{sha256}-{width}   a re-encoded size of an image
 * The hash of the body must equal the path's; a hash already stored is never rewritten
 * (200, `stored: false`), so an outbox that retries never uploads twice. A re-encoded size
 * (for `srcset`) is named by its original's hash and its width: it must be a WebP exactly that
 * wide, not wider than its original, whose original this commune already holds; it is never
 * rewritten either; an original WebP is also stored as its own size `{sha256}-{its width}`
 * (the same file), so that copy is never uploaded. Files live under `{dataDir}/media/{insee}/{sha256}.{ext}` and
 * `{sha256}-{width}.webp`, where the Publisher copies them from.
 * Mounted by one line in server.ts (before the JSON API, which would parse the body).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Accounts } from './Accounts';

export const MEDIA_PATH =
  /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/media\/([0-9a-f]{64})(?:-([1-9]\d{0,3}))?$/;

/** Widths a re-encoded size may have (the editor makes 480, 960 and 1600). */
export const VARIANT_MIN_WIDTH = 16;
export const VARIANT_MAX_WIDTH = 4096;
export const VARIANT_MAX_BYTES = 2 * 1024 * 1024;

/** Width and height of a WebP from its header (VP8, VP8L or VP8X), or null. */
export function webpSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30 || b.subarray(0, 4).toString('latin1') !== 'RIFF') return null;
  if (b.subarray(8, 12).toString('latin1') !== 'WEBP') return null;
  const chunk = b.subarray(12, 16).toString('latin1');
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  return null;
}

/** Accepted types, their extension, their size limit and their magic bytes. */
export const MEDIA_LIMITS: Readonly<
  Record<string, { ext: string; maxBytes: number; magic: (b: Buffer) => boolean }>
> = {
  'image/webp': {
    ext: 'webp',
    maxBytes: 5 * 1024 * 1024,
    magic: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  'image/jpeg': { ext: 'jpg', maxBytes: 5 * 1024 * 1024, magic: (b) => b[0] === 0xff && b[1] === 0xd8 },
  'image/png': {
    ext: 'png',
    maxBytes: 5 * 1024 * 1024,
    magic: (b) => b.subarray(1, 4).toString('latin1') === 'PNG',
  },
  'application/pdf': {
    ext: 'pdf',
    maxBytes: 20 * 1024 * 1024,
    magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  },
};

export interface MediaRouteOptions {
  accounts: Accounts;
  dataDir: string;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const fail = (res: http.ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message } });

async function existing(
  dir: string,
  sha: string,
): Promise<{ file: string; mime: string; size: number } | null> {
  for (const [mime, { ext }] of Object.entries(MEDIA_LIMITS)) {
    const file = path.join(dir, `${sha}.${ext}`);
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return { file, mime, size: info.size };
  }
  return null;
}

async function existingVariant(
  dir: string,
  sha: string,
  width: number,
): Promise<{ file: string; mime: string; size: number } | null> {
  const file = path.join(dir, `${sha}-${width}.webp`);
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? { file, mime: 'image/webp', size: info.size } : null;
}

/** Writes a file atomically (temporary name, then rename): never a half-written file. */
async function writeAtomic(dir: string, name: string, body: Buffer): Promise<void> {
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

/** PUT of a re-encoded size `{sha}-{width}.webp` (see the header comment). */
async function putVariant(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  dir: string,
  sha: string,
  width: number,
): Promise<void> {
  const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime !== 'image/webp')
    return fail(res, 415, 'unsupported-type', 'Une taille réduite d’image doit être au format WebP.');
  if (width < VARIANT_MIN_WIDTH || width > VARIANT_MAX_WIDTH)
    return fail(res, 422, 'bad-width', 'Largeur d’image refusée.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > VARIANT_MAX_BYTES) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
  const original = await existing(dir, sha);
  if (!original || !original.mime.startsWith('image/')) {
    req.resume();
    return fail(
      res,
      409,
      'original-missing',
      'L’image d’origine doit être envoyée avant ses tailles réduites.',
    );
  }
  if (await existingVariant(dir, sha, width)) {
    req.resume();
    return send(res, 200, { sha256: sha, width, stored: false });
  }
  const body = await readLimited(req, VARIANT_MAX_BYTES);
  if (!body) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
  const size = webpSize(body);
  if (!size) return fail(res, 422, 'bad-content', 'Le contenu n’est pas une image WebP.');
  if (size.width !== width)
    return fail(
      res,
      422,
      'bad-width',
      `L’image reçue fait ${size.width} px de large, et non ${width} px comme annoncé.`,
    );
  if (original.mime === 'image/webp') {
    const head = Buffer.alloc(64);
    const handle = await open(original.file, 'r');
    try {
      await handle.read(head, 0, 64, 0);
    } finally {
      await handle.close();
    }
    const from = webpSize(head);
    if (from && size.width > from.width)
      return fail(
        res,
        422,
        'bad-width',
        'Une taille réduite ne peut pas être plus large que l’image d’origine.',
      );
  }
  await writeAtomic(dir, `${sha}-${width}.webp`, body);
  send(res, 201, { sha256: sha, width, stored: true });
}

function readLimited(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Handles a media request (the caller checked MEDIA_PATH matches `pathname`). */
export async function handleMediaRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  options: MediaRouteOptions,
): Promise<void> {
  const match = MEDIA_PATH.exec(pathname);
  if (!match) return fail(res, 404, 'not-found', 'Fichier introuvable.');
  const insee = match[1]!;
  const sha = match[2]!;
  const variantWidth = match[3] === undefined ? null : Number(match[3]);
  const token = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(req.headers.authorization?.trim() ?? '')?.[1];
  const check = token ? options.accounts.authenticate(token) : null;
  if (!check?.ok) return fail(res, 401, 'unauthorized', 'Veuillez vous reconnecter.');
  const commune = check.identity.communes.find((c) => c.insee === insee);
  if (!commune) return fail(res, 403, 'forbidden', 'Cette commune n’est pas la vôtre.');
  const dir = path.join(options.dataDir, 'media', insee);

  if (req.method === 'GET' || req.method === 'HEAD') {
    const found =
      variantWidth === null ? await existing(dir, sha) : await existingVariant(dir, sha, variantWidth);
    if (!found) {
      res.writeHead(404, { 'Content-Length': 0, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': found.mime,
      'Content-Length': found.size,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(found.file).pipe(res);
    return;
  }
  if (req.method !== 'PUT') return fail(res, 405, 'method', 'Méthode non prise en charge.');
  if (commune.role === 'relecteur')
    return fail(res, 403, 'forbidden', 'Un relecteur ne peut pas ajouter de fichier.');
  if (variantWidth !== null) return putVariant(req, res, dir, sha, variantWidth);
  const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const limit = MEDIA_LIMITS[mime];
  if (!limit)
    return fail(res, 415, 'unsupported-type', 'Type de fichier refusé (images WebP, JPEG, PNG ou PDF).');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit.maxBytes) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
  if (await existing(dir, sha)) {
    req.resume();
    return send(res, 200, { sha256: sha, stored: false });
  }
  const body = await readLimited(req, limit.maxBytes);
  if (!body) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
  if (!limit.magic(body))
    return fail(res, 422, 'bad-content', 'Le contenu ne correspond pas au type annoncé.');
  if (createHash('sha256').update(body).digest('hex') !== sha) {
    return fail(res, 422, 'hash-mismatch', 'L’empreinte SHA-256 ne correspond pas au fichier reçu.');
  }
  await writeAtomic(dir, `${sha}.${limit.ext}`, body);
  // A WebP is also its own re-encoded size: `{sha}-{width}.webp` names the same bytes, so the
  // editor never sends them twice (its copy as wide as the image would be identical).
  const own = mime === 'image/webp' ? webpSize(body) : null;
  if (own && own.width >= VARIANT_MIN_WIDTH && own.width <= VARIANT_MAX_WIDTH)
    await link(path.join(dir, `${sha}.webp`), path.join(dir, `${sha}-${own.width}.webp`)).catch(() =>
      writeAtomic(dir, `${sha}-${own.width}.webp`, body),
    );
  send(res, 201, { sha256: sha, stored: true });
}
