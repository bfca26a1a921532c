/**
 * Media files of a commune, content-addressed by SHA-256 (issue 5):
 *   PUT  /api/communes/{insee}/media/{sha256}  body = the file; Content-Type one of MEDIA_LIMITS
 *   GET|HEAD  same path                         the file (for the editor on another computer)
 *   DELETE    same path                         the file and its sizes, unless the site uses it
 *   PUT|GET|HEAD /api/communes/{insee}/media/{sha256}-{width}   a re-encoded size of an image
 * The hash of the body must equal the path's; a hash already stored is never rewritten
 * (200, `stored: false`), so an outbox that retries never uploads twice. An image (original or
 * size) is decoded in full before it is stored (`mediaImage.ts`): a valid header in front of
 * garbage is refused. A re-encoded size (for `srcset`) is named by its original's hash and its
 * width: it must be a WebP exactly that wide, of its original's proportions, not wider than
 * it, whose original this commune already holds; it is never rewritten either; an original
 * WebP is also stored as its own size `{sha256}-{its width}` (the same file), so that copy is
 * never uploaded. Uploads are rate-limited per agent (requests and bytes) and count in the
 * commune's storage quota with its documents (`Limits.admitStoredFile`). Files live under
 * `{mediaDir}/{insee}/{sha256}.{ext}` and `{sha256}-{width}.webp` (`mediaFiles.ts`),
 * where the Publisher copies them from. The route table's gate (access.ts) checks the caller
 * first: any member reads, a relecteur neither adds nor deletes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { describeMediaUses } from '../../site/mediaUsage';
import { noteRefusalCode } from './refusals';
import type { AuditLog } from '../observability/AuditLog';
import type { Logger } from '../observability/Logger';
import { decodeImage, isCheckedImage, readImageSize, type ImageCheck } from '../publishing/mediaImage';
import {
  communeMediaDir,
  deleteMedia,
  findOriginal,
  findVariant,
  writeAtomic,
  type StoredFile,
} from '../publishing/mediaFiles';
import { readMediaReferences, type ReadDoc } from '../publishing/mediaSweep';
import { RateLimiter, type RateLimit } from '../sync/RateLimiter';
import { apiError } from './apiErrors';
import { BodyTooLarge, readBody } from './httpResponses';
import type { RouteCall, StreamHandler } from './routeTypes';

/** Widths a re-encoded size may have (the editor makes 480, 960 and 1600). */
export const VARIANT_MIN_WIDTH = 16;
export const VARIANT_MAX_WIDTH = 4096;
export const VARIANT_MAX_BYTES = 2 * 1024 * 1024;
/**
 * Most pixels of an image decoded on upload (original or size): bounds the decoding cost
 * (about a second for 4096 × 4096). The editor sends images of at most 1600 px a side.
 */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

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

/** Uploads per agent: a PUT takes one request and its bytes (announced, else the type's limit). */
export interface MediaUploadRate {
  requests: RateLimit;
  bytes: RateLimit;
}

/**
 * The editor sends an image as up to 3 files (original and 2 sizes): importing 40 photos at
 * once passes; a script storing 20 MB PDFs in a loop is refused after 100 MB, then gets
 * 1 MB/s (the commune quota bounds the total).
 */
export const DEFAULT_MEDIA_UPLOAD_RATE: MediaUploadRate = {
  requests: { ratePerSecond: 2, burst: 120 },
  bytes: { ratePerSecond: 1024 * 1024, burst: 100 * 1024 * 1024 },
};

/** The commune storage quota shared with documents (`Limits`). */
export interface StorageQuota {
  admitStoredFile(insee: string, bytes: number): boolean;
  recount(insee: string): void;
  readonly communeQuotaBytes: number;
}

export interface MediaRouteOptions {
  /** The media library's root (MEDIA_DIR, default `{dataDir}/media`). */
  mediaDir: string;
  quota: StorageQuota;
  audit: AuditLog;
  logger: Logger;
  /** Current state of a room's doc: the manifest tells which files the site uses. */
  readDoc: ReadDoc;
  uploadRate?: Partial<MediaUploadRate>;
  now?: () => number;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const fail = (res: http.ServerResponse, status: number, code: string, message: string, headers = {}) => {
  // Counted and audited by the after-hook (refusals.ts) once answered.
  noteRefusalCode(res, code);
  send(res, status, { error: { code, message } }, headers);
};

/** An upload past its limit: answered, then the connection ends (the rest is never read). */
function tooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
  fail(res, 413, 'too-large', 'Fichier trop volumineux.', { Connection: 'close' });
  res.once('finish', () => req.destroy());
}

/** The body, or null past `max` bytes (reading stops there). */
function readLimited(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return readBody(req, max).catch((error: unknown) => {
    if (error instanceof BodyTooLarge) return null;
    throw error;
  });
}

const IMAGE_REFUSED: Record<Exclude<ImageCheck, { ok: true }>['reason'], string> = {
  'not-an-image': 'Le contenu n’est pas une image lisible.',
  'wrong-format': 'Le contenu ne correspond pas au type annoncé.',
  'too-many-pixels': 'Image trop grande : 16 millions de pixels au plus (4096 × 4096).',
  undecodable: 'L’image est abîmée : ses pixels ne peuvent pas être lus.',
};

const MB = 1024 * 1024;

/** What a media handler works on, once the gate let the caller through. */
interface MediaContext {
  insee: string;
  dir: string;
  sha: string;
  agentId: string;
}

export const RELECTEUR_CANNOT_ADD = () =>
  apiError(403, 'forbidden', 'Un relecteur ne peut pas ajouter de fichier.');
export const RELECTEUR_CANNOT_DELETE = () =>
  apiError(403, 'forbidden', 'Un relecteur ne peut pas supprimer de fichier.');

export type MediaRoutes = ReturnType<typeof mediaRoutes>;

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function mediaRoutes(options: MediaRouteOptions) {
  const rate = { ...DEFAULT_MEDIA_UPLOAD_RATE, ...options.uploadRate };
  const requests = new RateLimiter(rate.requests, options.now);
  const bytes = new RateLimiter(rate.bytes, options.now);

  /** Takes the agent's upload budget; false (429 sent) when it is spent. */
  function admitUpload(res: http.ServerResponse, agentId: string, cost: number): boolean {
    if (requests.take(agentId) && bytes.take(agentId, Math.min(cost, rate.bytes.burst))) return true;
    const seconds = Math.max(1, Math.ceil(cost / rate.bytes.ratePerSecond));
    fail(
      res,
      429,
      'too-many-uploads',
      'Trop de fichiers envoyés en peu de temps : l’envoi reprendra automatiquement dans un moment.',
      { 'Retry-After': String(Math.min(seconds, 600)) },
    );
    return false;
  }

  /** Reserves the bytes in the commune quota; false (413 sent) when it is full. */
  function admitStorage(res: http.ServerResponse, insee: string, size: number): boolean {
    if (options.quota.admitStoredFile(insee, size)) return true;
    const quota = Math.round(options.quota.communeQuotaBytes / MB);
    fail(
      res,
      413,
      'quota-exceeded',
      `L’espace de stockage de la commune est plein (${quota} Mo pour les pages et les fichiers). Supprimez des fichiers inutilisés de la médiathèque, ou demandez plus d’espace à la Métropole.`,
    );
    return false;
  }

  async function store(insee: string, dir: string, name: string, body: Buffer): Promise<void> {
    try {
      await writeAtomic(dir, name, body);
    } catch (error) {
      options.quota.recount(insee);
      throw error;
    }
  }

  async function putVariant(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: MediaContext,
    width: number,
  ): Promise<void> {
    const { insee, dir, sha } = ctx;
    const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mime !== 'image/webp')
      return fail(res, 415, 'unsupported-type', 'Une taille réduite d’image doit être au format WebP.');
    if (width < VARIANT_MIN_WIDTH || width > VARIANT_MAX_WIDTH)
      return fail(res, 422, 'bad-width', 'Largeur d’image refusée.');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > VARIANT_MAX_BYTES) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
    const original = await findOriginal(dir, sha);
    if (!original || !original.mime.startsWith('image/')) {
      req.resume();
      return fail(
        res,
        409,
        'original-missing',
        'L’image d’origine doit être envoyée avant ses tailles réduites.',
      );
    }
    if (await findVariant(dir, sha, width)) {
      req.resume();
      return send(res, 200, { sha256: sha, width, stored: false });
    }
    if (!admitUpload(res, ctx.agentId, declared || VARIANT_MAX_BYTES)) return;
    const body = await readLimited(req, VARIANT_MAX_BYTES);
    if (!body) return tooLarge(req, res);
    const image = await decodeImage(body, 'image/webp', MAX_IMAGE_PIXELS);
    if (!image.ok) {
      const message =
        image.reason === 'wrong-format'
          ? 'Le contenu n’est pas une image WebP.'
          : IMAGE_REFUSED[image.reason];
      return fail(res, 422, 'bad-content', message);
    }
    if (image.width !== width)
      return fail(
        res,
        422,
        'bad-width',
        `L’image reçue fait ${image.width} px de large, et non ${width} px comme annoncé.`,
      );
    const from = await readImageSize(original.file);
    if (from && image.width > from.width)
      return fail(
        res,
        422,
        'bad-width',
        'Une taille réduite ne peut pas être plus large que l’image d’origine.',
      );
    const expected = from ? Math.max(1, Math.round((from.height * width) / from.width)) : image.height;
    if (Math.abs(image.height - expected) > 1)
      return fail(
        res,
        422,
        'bad-height',
        `L’image reçue fait ${image.width} × ${image.height} px : une taille réduite de l’image d’origine ferait ${width} × ${expected} px.`,
      );
    if (!admitStorage(res, insee, body.length)) return;
    await store(insee, dir, `${sha}-${width}.webp`, body);
    send(res, 201, { sha256: sha, width, stored: true });
  }

  async function putOriginal(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ctx: MediaContext,
  ): Promise<void> {
    const { insee, dir, sha } = ctx;
    const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const limit = MEDIA_LIMITS[mime];
    if (!limit)
      return fail(res, 415, 'unsupported-type', 'Type de fichier refusé (images WebP, JPEG, PNG ou PDF).');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit.maxBytes) return fail(res, 413, 'too-large', 'Fichier trop volumineux.');
    if (await findOriginal(dir, sha)) {
      req.resume();
      return send(res, 200, { sha256: sha, stored: false });
    }
    if (!admitUpload(res, ctx.agentId, declared || limit.maxBytes)) return;
    const body = await readLimited(req, limit.maxBytes);
    if (!body) return tooLarge(req, res);
    if (!limit.magic(body))
      return fail(res, 422, 'bad-content', 'Le contenu ne correspond pas au type annoncé.');
    if (createHash('sha256').update(body).digest('hex') !== sha) {
      return fail(res, 422, 'hash-mismatch', 'L’empreinte SHA-256 ne correspond pas au fichier reçu.');
    }
    const image = isCheckedImage(mime) ? await decodeImage(body, mime, MAX_IMAGE_PIXELS) : null;
    if (image && !image.ok) return fail(res, 422, 'bad-content', IMAGE_REFUSED[image.reason]);
    if (!admitStorage(res, insee, body.length)) return;
    await store(insee, dir, `${sha}.${limit.ext}`, body);
    // A WebP is also its own re-encoded size: `{sha}-{width}.webp` names the same bytes, so the
    // editor never sends them twice (its copy as wide as the image would be identical).
    const own = mime === 'image/webp' && image?.ok ? image : null;
    if (own && own.width >= VARIANT_MIN_WIDTH && own.width <= VARIANT_MAX_WIDTH)
      await link(path.join(dir, `${sha}.webp`), path.join(dir, `${sha}-${own.width}.webp`)).catch(() =>
        store(insee, dir, `${sha}-${own.width}.webp`, body),
      );
    send(res, 201, { sha256: sha, stored: true });
  }

  async function remove(res: http.ServerResponse, ctx: MediaContext): Promise<void> {
    const { insee, dir, sha } = ctx;
    const original = await findOriginal(dir, sha);
    if (!original) return fail(res, 404, 'not-found', 'Fichier introuvable sur le serveur.');
    const uses = (await readMediaReferences(options.readDoc, insee)).uses.get(sha) ?? [];
    if (uses.length > 0)
      return fail(
        res,
        409,
        'media-in-use',
        `Ce fichier est utilisé dans : ${describeMediaUses(uses)}. Retirez-le de ces pages avant de le supprimer.`,
      );
    const removed = await deleteMedia(dir, sha);
    options.quota.recount(insee);
    options.audit.record({
      event: 'media.deleted',
      insee,
      agentId: ctx.agentId,
      outcome: 'ok',
      details: { sha256: sha, files: removed.length },
    });
    options.logger.log('info', 'media.deleted', { insee, sha256: sha, files: removed.length });
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, found: StoredFile | null) {
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
  }

  /** The file a route names: its original's hash, and the width of a re-encoded size. */
  function named(call: Omit<RouteCall, 'request'>): MediaContext & { width: number | null } {
    const [sha, width] = call.params.file!.split('-') as [string, string | undefined];
    const insee = call.params.insee!;
    return {
      insee,
      dir: communeMediaDir(options.mediaDir, insee),
      sha,
      agentId: call.caller.identity.id,
      width: width === undefined ? null : Number(width),
    };
  }

  const read: StreamHandler = async (req, res, call) => {
    const { dir, sha, width } = named(call);
    return serve(
      req,
      res,
      width === null ? await findOriginal(dir, sha) : await findVariant(dir, sha, width),
    );
  };
  return {
    readMedia: read,
    checkMedia: read,
    storeMedia: async (req, res, call) => {
      const { width, ...ctx } = named(call);
      return width === null ? putOriginal(req, res, ctx) : putVariant(req, res, ctx, width);
    },
    deleteMedia: async (_req, res, call) => {
      const { width, ...ctx } = named(call);
      if (width !== null)
        return fail(
          res,
          405,
          'method',
          'Supprimez le fichier d’origine : ses tailles réduites sont supprimées avec lui.',
        );
      return remove(res, ctx);
    },
  } satisfies Record<string, StreamHandler>;
}
