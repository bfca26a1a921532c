/**
 * Files for the media tests: real images made with libvips (`sharp`), and images whose header
 * is valid but whose pixel data is garbage (the attack of issue #9: a header-only check
 * stored arbitrary bytes as a size of an image).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

/** A real WebP of that size (lossless, one colour drawn from `note`, so that notes differ). */
export async function webp(width: number, height: number, note = ''): Promise<Buffer> {
  const [r, g, b] = createHash('sha256').update(note).digest();
  return sharp({ create: { width, height, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .webp({ lossless: true })
    .toBuffer();
}

/** A real PNG of that size. */
export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
}

/**
 * A WebP whose RIFF/VP8L header announces `width` × `height` exactly as a real one does, and
 * whose payload is `bytes` bytes of garbage.
 */
export function fakeWebp(width: number, height: number, bytes = 4096): Buffer {
  const bits = Buffer.alloc(4);
  bits.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0);
  const garbage = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) garbage[i] = (i * 131 + 17) & 0xff;
  const payload = Buffer.concat([Buffer.from([0x2f]), bits, garbage]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  return Buffer.concat([
    Buffer.from('RIFF'),
    u32(4 + 8 + payload.length),
    Buffer.from('WEBPVP8L'),
    u32(payload.length),
    payload,
  ]);
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A copy of a real image whose bytes after its first `keep` are garbage: 25 keeps a lossless
 * WebP's RIFF, VP8L chunk and size headers.
 */
export function garblePixels(image: Buffer, keep = 25): Buffer {
  const copy = Buffer.from(image);
  for (let i = keep; i < copy.length; i++) copy[i] = (i * 31 + 7) & 0xff;
  return copy;
}
