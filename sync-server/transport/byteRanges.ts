/**
 * What to answer to a `Range` header on a file of known size (RFC 9110 §14), for the update feed
 * (electron-updater's differential download). Pure: the header is parsed by `range-parser`, this
 * module only decides, within bounds:
 * - no header, a malformed one, another unit, or an `If-Range` (we send no validator it could
 *   match) → the whole file (200), as the RFC allows;
 * - nothing satisfiable → 416 with `Content-Range: bytes *\/size`;
 * - one range → 206 with `Content-Range`;
 * - several → 206 `multipart/byteranges`, which electron-updater requires (it refuses any other
 *   answer to a multi-range request), only when they are at most `MAX_RANGES`, in ascending
 *   order and disjoint — the shape electron-updater sends. Overlapping, descending or too many
 *   ranges (RFC 9110 §14.2: signs of a broken client or an attack) get the whole file, so an
 *   answer never holds more than the file itself plus the part headers.
 */
import rangeParser from 'range-parser';

/** electron-updater asks at most 1,000 ranges per request (multipleRangeDownloader.js). */
export const MAX_RANGES = 1000;
/** Longer headers are not parsed (Node already refuses headers past 16 KiB in total). */
export const MAX_RANGE_HEADER_LENGTH = 32 * 1024;

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export type RangePlan =
  | { kind: 'full' }
  | { kind: 'unsatisfiable' }
  | { kind: 'single'; range: ByteRange }
  | { kind: 'multipart'; ranges: ByteRange[] };

function ascendingAndDisjoint(ranges: readonly ByteRange[]): boolean {
  for (let i = 1; i < ranges.length; i += 1) if (ranges[i]!.start <= ranges[i - 1]!.end) return false;
  return true;
}

/**
 * `bytes=-N` with N larger than the file means the whole file (RFC 9110 §14.1.2); range-parser
 * 1.3.0 calls it unsatisfiable (fixed upstream by jshttp/range-parser#66, not in that release).
 */
function oversizedSuffix(range: string, size: number): RangePlan | null {
  const suffix = /^bytes=\s*-(\d+)\s*$/.exec(range);
  if (!suffix || size === 0 || Number(suffix[1]) === 0) return null;
  return { kind: 'single', range: { start: 0, end: size - 1 } };
}

export function planRanges(input: {
  size: number;
  range: string | undefined;
  ifRange: string | undefined;
}): RangePlan {
  const { size, range } = input;
  if (range === undefined || input.ifRange !== undefined) return { kind: 'full' };
  if (range.length > MAX_RANGE_HEADER_LENGTH || !range.startsWith('bytes=')) return { kind: 'full' };
  // Counting commas first keeps range-parser from building a huge array for a hostile header.
  if (range.split(',', MAX_RANGES + 1).length > MAX_RANGES) return { kind: 'full' };
  const parsed = rangeParser(size, range);
  if (parsed === -2) return { kind: 'full' };
  if (parsed === -1) return oversizedSuffix(range, size) ?? { kind: 'unsatisfiable' };
  const ranges = parsed.map(({ start, end }) => ({ start, end }));
  if (ranges.length === 1) return { kind: 'single', range: ranges[0]! };
  if (!ascendingAndDisjoint(ranges)) return { kind: 'full' };
  return { kind: 'multipart', ranges };
}

/** `Content-Range` of one range. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** The multipart/byteranges framing: each part's header, and the closing delimiter. */
export function multipartFraming(input: {
  ranges: readonly ByteRange[];
  size: number;
  boundary: string;
  contentType: string;
}): { partHeaders: string[]; closing: string; contentLength: number } {
  const { ranges, size, boundary, contentType } = input;
  // The first delimiter has no leading CRLF: electron-updater's DataSplitter expects the body to
  // start with `--boundary`.
  const partHeaders = ranges.map(
    (range, index) =>
      `${index === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Range: ${contentRange(range, size)}\r\n\r\n`,
  );
  const closing = `\r\n--${boundary}--\r\n`;
  const contentLength =
    partHeaders.reduce((total, header) => total + Buffer.byteLength(header), 0) +
    ranges.reduce((total, range) => total + range.end - range.start + 1, 0) +
    Buffer.byteLength(closing);
  return { partHeaders, closing, contentLength };
}
