/**
 * The shapes shared by the router, the access gate and the route modules: what a JSON route
 * receives (`RouteCall`) and answers (`ApiResponse`), and what each route of the table declares
 * (`ServerRoute`: who may call it, and its handler).
 */
import type http from 'node:http';
import type { AgentIdentity } from '../../site/apiContract';
import type { CommuneAction } from '../accounts/authorization';
import type { RefusalCaller } from './refusals';

export interface ApiRequest {
  method: string;
  pathname: string;
  authorization: string | undefined;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** Remote address, for the audit log. */
  address?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /**
   * A file to send instead of JSON: in memory (`data`), or a temporary file on disk
   * (`tempFile`, streamed then deleted by the transport).
   */
  file?: { contentType: string; filename: string } & ({ data: Buffer } | { tempFile: string; bytes: number });
  headers?: Record<string, string>;
  /** A refusal the route already wrote to the audit log (counted, not written twice). */
  audited?: boolean;
  /** Who the refused caller was, as far as the route learned (for the after-hook). */
  caller?: RefusalCaller;
}

/** What one request learned about its caller, for the audit record of a refusal. */
export interface RequestContext extends RefusalCaller {
  /** The handler already wrote its own audit record. */
  audited: boolean;
}

/**
 * Who may call a route, checked by the gate (access.ts) before its handler runs:
 * - `public`: anyone (the handler checks what it needs: a password, a refresh token);
 * - `signed-in`: a valid access token;
 * - `admin`: a Métropole administrator (`commune`: the path's commune must exist);
 * - `commune`: a member of the path's commune allowed `action` by the one authorization
 *   policy (accounts/authorization.ts); `refused` is the answer when only the action is denied.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'signed-in' }
  | { kind: 'admin'; commune?: boolean }
  | { kind: 'commune'; action: CommuneAction; refused?: () => ApiResponse };

/** The caller the gate let through; `null` on public routes. */
export interface Caller {
  identity: AgentIdentity;
  sessionId: string;
}

export interface RouteCall<C extends Caller | null = Caller> {
  request: ApiRequest;
  /** The path's variable segments, each checked against `API_PARAM_PATTERNS`. */
  params: Readonly<Record<string, string>>;
  caller: C;
  ctx: RequestContext;
}

/** Answers JSON (or a file) from the parsed request. */
export type JsonHandler<C extends Caller | null = Caller> = (
  call: RouteCall<C>,
) => ApiResponse | Promise<ApiResponse>;

/** Reads its body and writes its answer itself (media uploads and downloads). */
export type StreamHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  call: Omit<RouteCall, 'request'>,
) => Promise<void>;

/** What a route module gives the route table: its handlers by route name. */
export type Handlers = Record<string, JsonHandler | JsonHandler<null>>;

/** One line of the route table: who may call the route, and what answers it. */
export type ServerRoute =
  | { access: { kind: 'public' }; json: JsonHandler<null> }
  | { access: Exclude<Access, { kind: 'public' }>; json: JsonHandler }
  | { access: Exclude<Access, { kind: 'public' }>; stream: StreamHandler };
