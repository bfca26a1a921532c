/**
 * Checks that uploaded image bytes really are an image of the announced format and size, by
 * decoding every pixel with libvips (`sharp`), never by trusting a header: a WebP header in
 * front of garbage is refused. The cost is bounded before decoding: the header's dimensions
 * must fit `maxPixels` (libvips refuses larger inputs itself, `limitInputPixels`), and one
 * image is decoded at a time in the whole process (2-core servers; uploads wait their turn).
 */
import type { default as Sharp } from 'sharp';

let loading: Promise<typeof Sharp> | undefined;

/**
 * libvips, loaded at the first image (not at start: a node that never sees an upload does not
 * pay its memory). Shared server: one libvips worker thread per image, no cache of decoded images.
 */
function vips(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return loading;
}

export type ImageMime = 'image/webp' | 'image/jpeg' | 'image/png';

const FORMAT_OF: Readonly<Record<ImageMime, string>> = {
  'image/webp': 'webp',
  'image/jpeg': 'jpeg',
  'image/png': 'png',
};

export function isCheckedImage(mime: string): mime is ImageMime {
  return Object.hasOwn(FORMAT_OF, mime);
}

export type ImageCheck =
  | { ok: true; width: number; height: number }
  | { ok: false; reason: 'not-an-image' | 'wrong-format' | 'too-many-pixels' | 'undecodable' };

let queue: Promise<unknown> = Promise.resolve();

/** Runs `task` after every decode queued before it (one at a time). */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Decodes `bytes` fully and answers its dimensions, or why it is not an acceptable image of
 * type `mime` with at most `maxPixels` pixels. Only the first frame of an animation is read.
 */
export function decodeImage(bytes: Buffer, mime: ImageMime, maxPixels: number): Promise<ImageCheck> {
  return serialized(async (): Promise<ImageCheck> => {
    const sharp = await vips();
    // failOn 'error': a camera JPEG with a harmless warning passes; corrupt pixel data does not.
    const options = { failOn: 'error', limitInputPixels: maxPixels, sequentialRead: true } as const;
    // The header only (no pixel decoded): the dimensions are checked before any decoding.
    const meta = await sharp(bytes, { ...options, limitInputPixels: false })
      .metadata()
      .catch(() => null);
    if (!meta) return { ok: false, reason: 'not-an-image' };
    if (meta.format !== FORMAT_OF[mime]) return { ok: false, reason: 'wrong-format' };
    const { width, height } = meta;
    if (!width || !height) return { ok: false, reason: 'not-an-image' };
    if (width * height > maxPixels) return { ok: false, reason: 'too-many-pixels' };
    try {
      // stats() reads every pixel without copying the decoded image into JavaScript.
      await sharp(bytes, options).stats();
    } catch {
      return { ok: false, reason: 'undecodable' };
    }
    return { ok: true, width, height };
  });
}

/** Width and height of a stored image from its header (no pixel decoded), or null. */
export async function readImageSize(file: string): Promise<{ width: number; height: number } | null> {
  try {
    const sharp = await vips();
    const { width, height } = await sharp(file, { limitInputPixels: false }).metadata();
    return width && height ? { width, height } : null;
  } catch {
    return null;
  }
}
