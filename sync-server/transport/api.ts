/**
 * The JSON API over HTTP (site/apiContract.ts, plus the administration routes): for a route the
 * router found in the table (routeTable.ts), it reads the JSON body (64 KiB at most), lets the
 * gate (access.ts) check the caller, runs the handler and writes the answer — JSON, or a file
 * for exports and page versions. Media routes stream their own body and answer. Every refusal
 * (4xx), on every route and before any route, goes through the after-hook (refusals.ts).
 */
import fs from 'node:fs';
import type http from 'node:http';
import { API_ROUTES, type ApiError, type ApiRouteName } from '../../site/apiContract';
import type { Metrics } from '../observability/Metrics';
import { admit } from './access';
import { ERRORS } from './apiErrors';
import { BodyTooLarge, readBody, sendJson } from './httpResponses';
import { createRefusalHook, writtenRefusal } from './refusals';
import type { RouteEntry, RouteMatch } from './router';
import { routeTable, type RouteTableOptions } from './routeTable';
import type { ApiRequest, ApiResponse, Caller, RequestContext, RouteCall, ServerRoute } from './routeTypes';

export type { ApiRequest, ApiResponse } from './routeTypes';

export interface ApiOptions extends RouteTableOptions {
  metrics: Metrics;
  /** The client's address (behind a trusted proxy, the forwarded one). */
  clientAddress: (req: http.IncomingMessage) => string;
}

const MAX_JSON_BODY_BYTES = 64 * 1024;

export const API_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

const isRefusal = (status: number) => status >= 400 && status < 500;

// Long by reason: a factory of short functions (none over ~70 lines) sharing its options.
export function createApi(options: ApiOptions) {
  const { accounts, logger, clientAddress } = options;
  const table = routeTable(options);
  const afterHook = createRefusalHook(options);

  /** Every route of the contract, for the server's router. */
  const entries: Array<RouteEntry<ServerRoute>> = (Object.keys(API_ROUTES) as ApiRouteName[]).map((name) => ({
    ...API_ROUTES[name],
    route: table[name],
  }));

  function refused(req: http.IncomingMessage, path: string, response: ApiResponse, ctx?: RequestContext) {
    afterHook({
      method: req.method ?? 'GET',
      path,
      status: response.status,
      code: (response.body as ApiError | null)?.error?.code ?? String(response.status),
      authorization: req.headers.authorization,
      address: clientAddress(req),
      caller: ctx && { agentId: ctx.agentId, insee: ctx.insee, authenticated: ctx.authenticated },
      audited: response.audited || ctx?.audited,
    });
  }

  function reply(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    response: ApiResponse,
    ctx?: RequestContext,
  ) {
    if (isRefusal(response.status)) refused(req, path, response, ctx);
    if (response.file) return sendFileAnswer(res, response.status, response.file);
    sendJson(res, response, { ...API_CORS_HEADERS, ...response.headers });
  }

  function sendFileAnswer(res: http.ServerResponse, status: number, file: NonNullable<ApiResponse['file']>) {
    res.writeHead(status, {
      ...API_CORS_HEADERS,
      'Content-Type': file.contentType,
      'Content-Length': 'data' in file ? file.data.length : file.bytes,
      'Content-Disposition': `attachment; filename="${file.filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if ('data' in file) return void res.end(file.data);
    const stream = fs.createReadStream(file.tempFile);
    // Deleted once sent, or when the client went away.
    res.once('close', () => fs.rm(file.tempFile, { force: true }, () => {}));
    stream.on('error', (error) => {
      logger.log('error', 'http.file_read_failed', { error });
      res.destroy();
    });
    stream.pipe(res);
  }

  /** The JSON body of a write, undefined when empty; null once a refusal was sent. */
  async function jsonBody(req: http.IncomingMessage, res: http.ServerResponse, path: string) {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'DELETE') return undefined;
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_JSON_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // The rest of the upload is not read: the connection ends with the answer.
        reply(req, res, path, { ...ERRORS.tooLarge(), headers: { Connection: 'close' } });
        res.once('finish', () => req.destroy());
      }
      return null;
    }
    if (raw.length === 0) return undefined;
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      reply(req, res, path, ERRORS.invalidJson());
      return null;
    }
  }

  async function answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    route: ServerRoute,
    params: Record<string, string>,
  ): Promise<void> {
    const ctx: RequestContext = {
      agentId: null,
      insee: params.insee ?? null,
      authenticated: false,
      audited: false,
    };
    // A JSON body is read (64 KiB at most) before anything else, whoever sends it.
    const body = 'json' in route ? await jsonBody(req, res, path) : undefined;
    if (body === null) return;
    const authorization = req.headers.authorization;
    let caller: Caller | null = null;
    if (route.access.kind !== 'public') {
      const gate = await admit(accounts, route.access, { authorization, insee: params.insee }, ctx);
      if ('response' in gate) return reply(req, res, path, gate.response, ctx);
      caller = gate.caller;
    }
    if ('stream' in route) {
      for (const [name, value] of Object.entries(API_CORS_HEADERS)) res.setHeader(name, value);
      await route.stream(req, res, { params, caller: caller!, ctx });
      const written = writtenRefusal(req, res, path, clientAddress(req));
      if (written) afterHook({ ...written, caller: ctx });
      return;
    }
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      pathname: path,
      authorization,
      body,
      address: clientAddress(req),
    };
    const call = { request, params, caller, ctx } as RouteCall<Caller | null>;
    reply(
      req,
      res,
      path,
      await (route.json as (call: RouteCall<Caller | null>) => Promise<ApiResponse>)(call),
      ctx,
    );
  }

  /** Answers an API path the table does not have (404), or not for this method (405). */
  async function unmatched(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    match: Exclude<RouteMatch<unknown>, { kind: 'found' }>,
  ): Promise<void> {
    if (req.method === 'OPTIONS') {
      // A browser's preflight (the editor at app:// in Electron).
      res.writeHead(204, API_CORS_HEADERS);
      res.end();
      return;
    }
    // Read like any body (bounded), so that a large one is cut short rather than drained.
    if ((await jsonBody(req, res, path)) === null) return;
    if (match.kind === 'not-found') return reply(req, res, path, ERRORS.notFound());
    reply(req, res, path, { ...ERRORS.methodNotAllowed(), headers: { Allow: match.allow.join(', ') } });
  }

  return { entries, answer, unmatched };
}
