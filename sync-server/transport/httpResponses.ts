/** Writing answers and reading bodies over `http`: the shapes every HTTP route shares. */
import fs from 'node:fs';
import type http from 'node:http';
import type { Logger } from '../observability/Logger';
import { contentTypeFor } from '../publishing/staticFiles';

export function sendJson(
  res: http.ServerResponse,
  response: { status: number; body: unknown },
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...extra,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

export function sendHtml(
  res: http.ServerResponse,
  status: number,
  html: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...extra,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

export function redirect(res: http.ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0 });
  res.end();
}

/** Streams a file (its type from its extension); a read error ends the response. */
export function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: { path: string; size: number; headers: Record<string, string> },
  logger: Logger,
): void {
  res.writeHead(200, {
    ...file.headers,
    'Content-Type': contentTypeFor(file.path),
    'Content-Length': file.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file.path);
  stream.on('error', (error) => {
    logger.log('error', 'http.file_read_failed', { error });
    res.destroy();
  });
  stream.pipe(res);
}

export function notFoundHtml(): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Page introuvable</title></head>
<body><main><h1>Page introuvable</h1><p>Cette adresse ne correspond à aucune page.</p></main></body></html>
`;
}

export class BodyTooLarge extends Error {}

/**
 * The whole body, or BodyTooLarge past `limit` bytes: reading stops there (nothing more is
 * held); the caller answers with `Connection: close`, which ends the upload.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
