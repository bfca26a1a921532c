/**
 * The JSON HTTP API between the editor and the Métropole sync server: paths, request
 * and response shapes. Shared by sync-server/ (which implements it) and renderer/
 * (which calls it). Errors are always `{ error: { code, message } }` with a French message.
 */
export type Role = 'agent' | 'referent' | 'relecteur';

export interface CommuneRef {
  insee: string;
  name: string;
  /** Directory of the published site: `/sites/{slug}/`. */
  slug: string;
  role: Role;
}

export interface AgentIdentity {
  id: string;
  email: string;
  displayName: string;
  /** Presence colour (hex), stable per agent. */
  color: string;
  /** True for the Métropole's administrators. */
  admin: boolean;
  communes: CommuneRef[];
}

export const API_LOGIN = '/api/auth/login';
export interface LoginRequest {
  email: string;
  password: string;
}
export interface LoginResponse {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  agent: AgentIdentity;
}

export const API_REFRESH = '/api/auth/refresh';
export interface RefreshRequest {
  refreshToken: string;
}
export type RefreshResponse = LoginResponse;

export const API_ME = '/api/me';
export type MeResponse = AgentIdentity;

export const apiPublishPath = (insee: string) => `/api/communes/${insee}/publish`;
export interface PublishResponse {
  version: string;
  /** Site-relative URL of the published home page, e.g. `/sites/aix-en-provence/`. */
  url: string;
  publishedAt: number;
  pages: number;
}

export const apiPublicationPath = (insee: string) => `/api/communes/${insee}/publication`;
export interface PublicationResponse {
  lastPublishedAt: number | null;
  url: string | null;
}

export interface ApiError {
  error: { code: string; message: string };
}

export const SYNC_PATH = '/sync';
