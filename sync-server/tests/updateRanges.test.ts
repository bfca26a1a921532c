// Range requests on the update feed (issue 14): electron-updater's own multi-range downloader
// (its differential download) rebuilds a new installer from an old one and our 206 answers, on
// the real server; hostile Range headers get fast, bounded answers.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../app/server';
import { startTestServer, tempDataDir } from '../app/testHarness';
import { publishRelease } from '../operations/updateReleases';

const require = createRequire(import.meta.url);
// electron-updater's code that sends the multi-range requests and splits the multipart answer.
const { executeTasksUsingMultipleRangeRequests } =
  require('electron-updater/out/differentialDownloader/multipleRangeDownloader') as {
    executeTasksUsingMultipleRangeRequests: (
      downloader: unknown,
      tasks: Task[],
      out: NodeJS.WritableStream,
      oldFileFd: number,
      reject: (error: Error) => void,
    ) => (offset: number) => void;
  };
/** electron-updater's operation: COPY from the old file, DOWNLOAD from the server; end exclusive. */
type Task = { kind: 0 | 1; start: number; end: number };

const SIZE = 1024 * 1024;
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

/** A GET with the given headers, bounded: the body is counted, only its first MiB kept. */
function get(url: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < SIZE * 2) chunks.push(chunk);
        kept += chunk.length;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ms: Date.now() - started,
        }),
      );
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('Range requests on /updates/ (real server)', () => {
  let server: RunningServer;
  let data: { dir: string; remove: () => Promise<void> };
  let work = '';
  let installer: Buffer;
  let url = '';

  beforeAll(async () => {
    data = await tempDataDir();
    work = await mkdtemp(path.join(os.tmpdir(), 'usine-ranges-'));
    installer = randomBytes(SIZE);
    const name = 'Usine-a-sites-Setup-3.0.0.exe';
    await writeFile(path.join(work, name), installer);
    await writeFile(
      path.join(work, 'latest.yml'),
      yaml.dump({
        version: '3.0.0',
        files: [{ url: name, sha512: sha512(installer), size: SIZE }],
        path: name,
      }),
    );
    await publishRelease({
      sourceDir: work,
      updatesDir: path.join(data.dir, 'updates'),
      rolloutPercent: 100,
    });
    server = await startTestServer(data.dir, { createDemoAccount: false });
    url = `${server.url}/updates/${name}`;
  });
  afterAll(async () => {
    await server.close();
    await data.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('answers bytes=a-b, bytes=a- and bytes=-n with 206 and the right Content-Range', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=100-199', 100, 199],
      [`bytes=${SIZE - 10}-`, SIZE - 10, SIZE - 1],
      ['bytes=-16', SIZE - 16, SIZE - 1],
    ];
    for (const [range, start, end] of cases) {
      const answer = await get(url, { Range: range });
      expect(answer.status, range).toBe(206);
      expect(answer.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(answer.headers['content-length']).toBe(String(end - start + 1));
      expect(answer.body.equals(installer.subarray(start, end + 1)), range).toBe(true);
    }
    const whole = await get(url, {});
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(installer)).toBe(true);
  });

  it('answers 416 with the size when nothing is satisfiable', async () => {
    for (const range of [`bytes=${SIZE}-`, 'bytes=-0', `bytes=${SIZE * 4}-${SIZE * 5}`]) {
      const answer = await get(url, { Range: range });
      expect(answer.status, range).toBe(416);
      expect(answer.headers['content-range']).toBe(`bytes */${SIZE}`);
      expect(answer.body.length).toBe(0);
    }
  });

  it('lets electron-updater rebuild the new installer from the old one and 600 ranges', async () => {
    // The old installer differs from the new one in 600 places; everything else is copied locally.
    const old = Buffer.from(installer);
    const tasks: Task[] = [];
    const stride = Math.floor(SIZE / 600);
    let copied = 0;
    for (let i = 0; i < 600; i += 1) {
      const changed = i * stride + 37;
      old.fill(0, changed, changed + 50);
      tasks.push({ kind: 0, start: copied, end: changed }, { kind: 1, start: changed, end: changed + 50 });
      copied = changed + 50;
    }
    tasks.push({ kind: 0, start: copied, end: SIZE });
    const oldFile = path.join(work, 'old.exe');
    const rebuilt = path.join(work, 'rebuilt.exe');
    await writeFile(oldFile, old);
    const handle = await open(oldFile, 'r');
    const requests: string[] = [];
    const { hostname, port, pathname } = new URL(url);
    try {
      await new Promise<void>((resolve, reject) => {
        const out = createWriteStream(rebuilt);
        out.on('finish', () => resolve());
        out.on('error', reject);
        const downloader = {
          fileMetadataBuffer: null,
          options: {},
          createRequestOptions: () => ({ hostname, port, path: pathname, method: 'GET', headers: {} }),
          httpExecutor: {
            createRequest: (
              options: http.RequestOptions & { headers: Record<string, string> },
              callback: (res: http.IncomingMessage) => void,
            ) => {
              requests.push(String(options.headers.Range));
              return http.request(options, callback);
            },
            addErrorAndTimeoutHandlers: (request: http.ClientRequest, fail: (error: Error) => void) => {
              request.on('error', fail);
              request.setTimeout(10_000, () => request.destroy(new Error('timeout')));
            },
          },
        };
        executeTasksUsingMultipleRangeRequests(downloader, tasks, out, handle.fd, reject)(0);
      });
    } finally {
      await handle.close();
    }
    // Two requests (electron-updater batches 1,000 tasks), each with hundreds of ranges.
    expect(requests.length).toBe(2);
    expect(requests[0]!.split(',').length).toBe(500);
    expect(sha512(await readFile(rebuilt))).toBe(sha512(installer));
  });

  it('answers hostile Range headers fast, never more than the file itself', async () => {
    const hostile = [
      'bytes=0-99999999999999999999999999999',
      'bytes=-99999999999999999999999999999',
      'bytes=-5-10',
      'bytes=-1--1',
      `bytes=${Array(1000)
        .fill(`0-${SIZE - 1}`)
        .join(',')}`,
      `bytes=${Array.from({ length: 1000 }, (_, i) => `${i * 7}-${i * 7 + 20}`).join(',')}`,
      `bytes=${Array.from({ length: 1500 }, (_, i) => `${i}-${i}`).join(',')}`,
      `bytes=${Array.from({ length: 1000 }, (_, i) => `${(999 - i) * 10}-${(999 - i) * 10 + 1}`).join(',')}`,
    ];
    const started = Date.now();
    for (const range of hostile) {
      const answer = await get(url, { Range: range });
      expect([200, 206, 416], range.slice(0, 40)).toContain(answer.status);
      expect(Number(answer.headers['content-length']), range.slice(0, 40)).toBeLessThanOrEqual(SIZE);
      expect(answer.ms, range.slice(0, 40)).toBeLessThan(5000);
    }
    // 1,000 overlapping copies of the whole file: one copy, not 1,000 (1 GiB).
    const amplified = await get(url, {
      Range: `bytes=${Array(1000)
        .fill(`0-${SIZE - 1}`)
        .join(',')}`,
    });
    expect(amplified.status).toBe(200);
    expect(amplified.body.length).toBe(SIZE);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('answers HEAD with the multipart length and no body', async () => {
    const answer = await get(url, { Range: 'bytes=0-9, 20-29' }, 'HEAD');
    expect(answer.status).toBe(206);
    expect(answer.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=[0-9a-f]{32}$/);
    expect(answer.body.length).toBe(0);
    const body = await get(url, { Range: 'bytes=0-9, 20-29' });
    expect(body.headers['content-length']).toBe(answer.headers['content-length']);
    expect(body.body.length).toBe(Number(answer.headers['content-length']));
  });
});
