// Prepares a file chosen by the agent before it is stored: images are decoded, scaled down
// to at most 1600 px on their longest side and re-encoded as WebP in the app (light pages on
// 3G, no EXIF/GPS metadata published), plus smaller WebP copies for the published pages'
// `srcset` (VARIANT_WIDTHS, only those not wider than the image); PDFs are kept byte for
// byte. Every file is named by the SHA-256 of its stored bytes (the hash published with an
// acte); a smaller copy by its original's hash and its width (`<sha256>-<width>`).

export const MAX_IMAGE_SIDE = 1600;
export const WEBP_QUALITY = 0.82;
export const MAX_PDF_BYTES = 20 * 1024 * 1024;
export const MAX_IMAGE_INPUT_BYTES = 40 * 1024 * 1024;
/** Widths of the re-encoded copies (site/renderHtml MediaInfo.widths, `media/<sha>-<w>.webp`). */
export const VARIANT_WIDTHS = [480, 960, 1600] as const;

export interface PreparedVariant {
  width: number;
  height: number;
  bytes: Uint8Array;
}

export interface PreparedMedia {
  sha256: string;
  bytes: Uint8Array;
  mime: 'image/webp' | 'application/pdf';
  width: number;
  height: number;
  name: string;
  /** Smaller WebP copies to store and upload, by increasing width (none for a PDF). */
  variants: PreparedVariant[];
  /**
   * Every width of VARIANT_WIDTHS the published `srcset` may use: the copies' plus the image's
   * own when it is one of them (the server keeps the image under that name too, so that copy
   * is never sent: it would be the same bytes again).
   */
  widths: number[];
}

/** The widths of the copies of an image `width` px wide: those of VARIANT_WIDTHS not wider. */
export function variantWidths(width: number): number[] {
  return VARIANT_WIDTHS.filter((w) => w <= width);
}

export class MediaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaError';
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The size that fits within `max` on the longest side, never upscaled. */
export function fitWithin(
  width: number,
  height: number,
  max = MAX_IMAGE_SIDE,
): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function encodeWebp(bitmap: ImageBitmap, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new MediaError('Le navigateur ne peut pas traiter cette image.');
    ctx.drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: 'image/webp', quality: WEBP_QUALITY });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new MediaError('Le navigateur ne peut pas traiter cette image.');
  ctx.drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new MediaError('Conversion de l’image impossible.'))),
      'image/webp',
      WEBP_QUALITY,
    ),
  );
}

/** Side, in pixels, of an SVG drawn for the site (a logo or a blason): drawn, not enlarged. */
export const SVG_RASTER_SIDE = 512;

/**
 * An SVG (a blason, often) drawn into pixels: browsers do not decode SVG with
 * `createImageBitmap`, so it is loaded as an `<img>` (no script of an SVG image ever runs)
 * and drawn at SVG_RASTER_SIDE px on its longest side. Published as WebP like any image.
 */
async function rasterizeSvg(file: File): Promise<ImageBitmap> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const [w, h] = [img.naturalWidth || SVG_RASTER_SIDE, img.naturalHeight || SVG_RASTER_SIDE];
    const scale = SVG_RASTER_SIDE / Math.max(w, h);
    const width = Math.max(1, Math.round(w * scale));
    const height = Math.max(1, Math.round(h * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new MediaError('Le navigateur ne peut pas traiter cette image.');
    ctx.drawImage(img, 0, 0, width, height);
    return await createImageBitmap(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function prepareMedia(file: File): Promise<PreparedMedia> {
  if (file.type === 'application/pdf') {
    if (file.size > MAX_PDF_BYTES)
      throw new MediaError('Ce PDF dépasse 20 Mo : réduisez-le avant de l’ajouter.');
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (new TextDecoder().decode(bytes.slice(0, 5)) !== '%PDF-') {
      throw new MediaError('Ce fichier n’est pas un PDF valide.');
    }
    return {
      sha256: await sha256Hex(bytes),
      bytes,
      mime: 'application/pdf',
      width: 0,
      height: 0,
      name: file.name,
      variants: [],
      widths: [],
    };
  }
  if (!file.type.startsWith('image/'))
    throw new MediaError('Seules les images et les PDF peuvent être ajoutés.');
  if (file.size > MAX_IMAGE_INPUT_BYTES) throw new MediaError('Cette image est trop lourde (plus de 40 Mo).');
  let bitmap: ImageBitmap;
  try {
    bitmap = file.type === 'image/svg+xml' ? await rasterizeSvg(file) : await createImageBitmap(file);
  } catch {
    throw new MediaError('Cette image ne peut pas être lue. Essayez un fichier JPEG ou PNG.');
  }
  try {
    const size = fitWithin(bitmap.width, bitmap.height);
    const blob = await encodeWebp(bitmap, size.width, size.height);
    if (blob.type !== 'image/webp') throw new MediaError('Le navigateur ne sait pas produire du WebP.');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const variants: PreparedVariant[] = [];
    const widths = variantWidths(size.width);
    for (const width of widths) {
      if (width === size.width) continue; // the image itself (see `widths`)
      const height = Math.max(1, Math.round((size.height * width) / size.width));
      const copy = await encodeWebp(bitmap, width, height);
      variants.push({ width, height, bytes: new Uint8Array(await copy.arrayBuffer()) });
    }
    return {
      sha256: await sha256Hex(bytes),
      bytes,
      mime: 'image/webp',
      ...size,
      name: file.name,
      variants,
      widths,
    };
  } finally {
    bitmap.close();
  }
}
