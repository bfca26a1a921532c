// Range decisions for the update feed (issue 14): what electron-updater sends gets 206, hostile
// headers get a bounded answer.
import { describe, expect, it } from 'vitest';
import { MAX_RANGES, multipartFraming, planRanges } from './byteRanges';

const plan = (range: string | undefined, size = 1000, ifRange?: string) =>
  planRanges({ size, range, ifRange });

describe('planRanges', () => {
  it('answers the three single-range forms with the right bytes', () => {
    expect(plan('bytes=10-19')).toEqual({ kind: 'single', range: { start: 10, end: 19 } });
    expect(plan('bytes=990-')).toEqual({ kind: 'single', range: { start: 990, end: 999 } });
    expect(plan('bytes=-10')).toEqual({ kind: 'single', range: { start: 990, end: 999 } });
    // Past the end is clamped; a suffix longer than the file is the whole file (RFC 9110 §14.1.2).
    expect(plan('bytes=900-99999999999999999999')).toEqual({
      kind: 'single',
      range: { start: 900, end: 999 },
    });
    for (const suffix of ['bytes=-5000', `bytes=-${'9'.repeat(30)}`])
      expect(plan(suffix), suffix).toEqual({ kind: 'single', range: { start: 0, end: 999 } });
  });

  it('says 416 when nothing is satisfiable', () => {
    for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=20-10'])
      expect(plan(range), range).toEqual({ kind: 'unsatisfiable' });
    expect(plan('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole file for no header, a malformed one, another unit or If-Range', () => {
    for (const range of [undefined, 'bytes=--5', 'bytes=a-b', 'bytes=1e3-', 'items=0-5', 'bytes 0-5', ''])
      expect(plan(range), String(range)).toEqual({ kind: 'full' });
    expect(plan('bytes=0-5', 1000, '"etag"')).toEqual({ kind: 'full' });
  });

  it('answers ascending disjoint ranges — what electron-updater sends — as multipart', () => {
    expect(plan('bytes=0-9, 20-29, 990-999')).toEqual({
      kind: 'multipart',
      ranges: [
        { start: 0, end: 9 },
        { start: 20, end: 29 },
        { start: 990, end: 999 },
      ],
    });
    const many = Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10 + 4}`).join(', ');
    const answer = plan(`bytes=${many}`, MAX_RANGES * 10);
    expect(answer.kind === 'multipart' && answer.ranges.length).toBe(MAX_RANGES);
  });

  it('serves the whole file, never more, for overlapping, descending or too many ranges', () => {
    expect(plan('bytes=0-999, 0-999')).toEqual({ kind: 'full' });
    expect(plan('bytes=0-9, 5-20')).toEqual({ kind: 'full' });
    expect(plan('bytes=500-509, 0-9')).toEqual({ kind: 'full' });
    expect(plan(`bytes=${Array(MAX_RANGES).fill('0-999').join(',')}`)).toEqual({ kind: 'full' });
    const tooMany = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i}-${i}`).join(',');
    expect(plan(`bytes=${tooMany}`, 5000)).toEqual({ kind: 'full' });
    expect(plan(`bytes=${'0-0,'.repeat(200_000)}0-0`)).toEqual({ kind: 'full' });
  });
});

describe('multipartFraming', () => {
  it('counts the exact length of the body it frames', () => {
    const ranges = [
      { start: 0, end: 9 },
      { start: 100, end: 199 },
    ];
    const framing = multipartFraming({
      ranges,
      size: 1000,
      boundary: 'B',
      contentType: 'application/octet-stream',
    });
    const body =
      framing.partHeaders[0]! + 'x'.repeat(10) + framing.partHeaders[1]! + 'y'.repeat(100) + framing.closing;
    expect(framing.contentLength).toBe(Buffer.byteLength(body));
    expect(framing.partHeaders[0]!.startsWith('--B\r\n')).toBe(true);
    expect(framing.partHeaders[1]).toContain('Content-Range: bytes 100-199/1000\r\n\r\n');
    expect(framing.closing).toBe('\r\n--B--\r\n');
  });
});
