/**
 * The JSON HTTP API between the editor and the Métropole sync server: paths, request
 * and response shapes. Shared by sync-server/ (which implements it) and renderer/
 * (which calls it). Errors are always `{ error: { code, message } }` with a French message.
 */
/** One route of the API: its method, and its path with `:name` for each variable segment. */
export interface ApiRouteSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
}

/**
 * Every route of the JSON API, by name: the server's route table (sync-server/transport/
 * routeTable.ts) must handle each one, and the editor builds its addresses with `apiPath`.
 * The shapes of requests and answers follow below, next to each route's path builder.
 */
export const API_ROUTES = {
  login: { method: 'POST', path: '/api/auth/login' },
  refresh: { method: 'POST', path: '/api/auth/refresh' },
  logout: { method: 'POST', path: '/api/auth/logout' },
  me: { method: 'GET', path: '/api/me' },
  myInvitations: { method: 'GET', path: '/api/me/invitations' },
  answerInvitation: { method: 'POST', path: '/api/me/invitations/:insee/:answer' },
  listMembers: { method: 'GET', path: '/api/communes/:insee/agents' },
  addMember: { method: 'POST', path: '/api/communes/:insee/agents' },
  changeMemberRole: { method: 'PUT', path: '/api/communes/:insee/agents/:agentId' },
  removeMember: { method: 'DELETE', path: '/api/communes/:insee/agents/:agentId' },
  docs: { method: 'GET', path: '/api/communes/:insee/docs' },
  /** Many page rooms synced in one request (site/syncBatch.ts): binary body and answer. */
  syncRooms: { method: 'POST', path: '/api/communes/:insee/sync' },
  publish: { method: 'POST', path: '/api/communes/:insee/publish' },
  publication: { method: 'GET', path: '/api/communes/:insee/publication' },
  publications: { method: 'GET', path: '/api/communes/:insee/publications' },
  rollback: { method: 'POST', path: '/api/communes/:insee/rollback' },
  listScheduled: { method: 'GET', path: '/api/communes/:insee/schedule' },
  schedule: { method: 'POST', path: '/api/communes/:insee/schedule' },
  cancelScheduled: { method: 'POST', path: '/api/communes/:insee/schedule/:scheduleId/cancel' },
  pageStatuses: { method: 'GET', path: '/api/communes/:insee/pages/status' },
  releasePage: { method: 'POST', path: '/api/communes/:insee/pages/:pageId/release' },
  withdrawPage: { method: 'POST', path: '/api/communes/:insee/pages/:pageId/withdraw' },
  pageSnapshots: { method: 'GET', path: '/api/communes/:insee/pages/:pageId/snapshots' },
  pageSnapshot: { method: 'GET', path: '/api/communes/:insee/pages/:pageId/snapshots/:snapshotId' },
  pageAddresses: { method: 'GET', path: '/api/communes/:insee/pages/:pageId/addresses' },
  exportCommune: { method: 'GET', path: '/api/communes/:insee/export' },
  communeAudit: { method: 'GET', path: '/api/communes/:insee/audit' },
  readMedia: { method: 'GET', path: '/api/communes/:insee/media/:file' },
  checkMedia: { method: 'HEAD', path: '/api/communes/:insee/media/:file' },
  storeMedia: { method: 'PUT', path: '/api/communes/:insee/media/:file' },
  deleteMedia: { method: 'DELETE', path: '/api/communes/:insee/media/:file' },
  adminCommunes: { method: 'GET', path: '/api/admin/communes' },
  adminAudit: { method: 'GET', path: '/api/admin/audit' },
  adminBackup: { method: 'POST', path: '/api/admin/backups' },
  adminAgentAction: { method: 'POST', path: '/api/admin/agents/:agentId/:agentAction' },
  adminDeleteCommuneData: { method: 'DELETE', path: '/api/admin/communes/:insee/data' },
  adminRepairPage: { method: 'POST', path: '/api/admin/communes/:insee/pages/:pageId/repair' },
} as const satisfies Record<string, ApiRouteSpec>;

export type ApiRouteName = keyof typeof API_ROUTES;

/** The `:name` segments of a path template, as a union of names. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The values a route's path needs, e.g. `{ insee, pageId }`. */
export type ApiRouteParams<K extends ApiRouteName> = Record<
  ParamNames<(typeof API_ROUTES)[K]['path']>,
  string
>;

/**
 * What each variable segment may hold; anything else is answered 404 by the server before any
 * handler runs. A media `file` is a SHA-256, or a SHA-256 and a width for a re-encoded size.
 */
export const API_PARAM_PATTERNS: Readonly<Record<string, RegExp>> = {
  insee: /^(?:\d{5}|2[AB]\d{3})$/,
  pageId: /^[A-Za-z0-9_-]{1,64}$/,
  agentId: /^[0-9a-f-]{36}$/,
  scheduleId: /^[A-Za-z0-9_-]{1,40}$/,
  snapshotId: /^\d{1,15}$/,
  file: /^[0-9a-f]{64}(?:-[1-9]\d{0,3})?$/,
  answer: /^(?:accept|decline)$/,
  agentAction: /^(?:disable|enable|unlock)$/,
};

/** The address of one route, its segments filled in (and escaped). */
export function apiPath<K extends ApiRouteName>(name: K, params: ApiRouteParams<K>): string {
  const values = params as Record<string, string>;
  return API_ROUTES[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => encodeURIComponent(values[key]!));
}

/** Paths the server answers besides the JSON API. */
export const SERVER_PATHS = {
  /** Published sites: `/sites/{slug}/…`. */
  sites: '/sites/',
  /** The editor's web build. */
  app: '/app/',
  /** The desktop app's update feed (electron-updater's generic provider). */
  updates: '/updates/',
  health: '/healthz',
  metrics: '/metrics',
  /** WebSocket rooms: `/sync/{insee}/{doc}`. */
  sync: '/sync',
} as const;

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

export const API_LOGIN = API_ROUTES.login.path;
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

export const API_REFRESH = API_ROUTES.refresh.path;
export interface RefreshRequest {
  refreshToken: string;
}
export type RefreshResponse = LoginResponse;

/**
 * POST: ends the session on the server (every token of its family refused afterwards). Sent
 * with the access token, or — when it has expired meanwhile (a logout queued offline) — with
 * the session's current refresh token in the body.
 */
export const API_LOGOUT = API_ROUTES.logout.path;
export interface LogoutRequest {
  refreshToken?: string;
}

export const API_ME = API_ROUTES.me.path;
export type MeResponse = AgentIdentity;

/**
 * Agents of a commune (référent or admin). GET lists its members and the invitations still
 * pending. POST `AddAgentRequest`: an administrator attaches the account directly (201 a new
 * account, 200 an existing one, `{ agent }`); a référent **invites** (202
 * `InvitationSentResponse`, the same answer whether the address has an account or not — a
 * password creates an account without any role when there was none), except for a member of
 * their own commune, whose role changes at once (200 `{ member }`).
 */
export const apiAgentsPath = (insee: string) => apiPath('listMembers', { insee });
export const apiMemberPath = (insee: string, agentId: string) =>
  apiPath('changeMemberRole', { insee, agentId });
export interface AddAgentRequest {
  email: string;
  role: Role;
  password?: string;
  displayName?: string;
}
export interface CommuneMember {
  id: string;
  email: string;
  displayName: string;
  disabled: boolean;
  role: Role;
}
export interface AgentsResponse {
  agents: CommuneMember[];
  invitations: Array<{ email: string; role: Role; invitedAt: number }>;
}
export interface InvitationSentResponse {
  invitation: { email: string; insee: string; role: Role; status: 'pending' };
  /** French, to show the référent as is. */
  message: string;
}

/** The invitations waiting for the logged-in account (GET); accept or decline one (POST). */
export const API_MY_INVITATIONS = API_ROUTES.myInvitations.path;
export const apiInvitationPath = (insee: string, answer: 'accept' | 'decline') =>
  apiPath('answerInvitation', { insee, answer });
export interface PendingInvitation {
  insee: string;
  communeName: string;
  role: Role;
  invitedAt: number;
  /** Display name of whoever invited, if the account still exists. */
  invitedBy: string | null;
}
export interface MyInvitationsResponse {
  invitations: PendingInvitation[];
}
/** Accepting answers the account's new identity (`MeResponse`); declining `{ ok: true }`. */

/** GET: every doc of the commune with its sequence number (sync-server DocsResponse). */
export const apiDocsPath = (insee: string) => apiPath('docs', { insee });
export const apiPublishPath = (insee: string) => apiPath('publish', { insee });
/** One finding of the checks run before publishing (site/checks.ts, SPEC.md [CHK-*]). */
export interface PublishIssue {
  severity: 'error' | 'warning';
  /** Stable rule name: alt-text, heading-order, link-text, empty-element, contrast, unique-title… */
  rule: string;
  /** The page concerned, or null for the whole site (settings). */
  pageId: string | null;
  /** Title of that page, as the agent knows it. */
  page: string;
  /** French: what to fix, and where. */
  message: string;
  /** The structured field to fix, when the finding is about one (the editor links to it). */
  field?: string;
}

export interface PublishResponse {
  version: string;
  /** Site-relative URL of the published home page, e.g. `/sites/aix-en-provence/`. */
  url: string;
  publishedAt: number;
  pages: number;
  /** Findings that did not block this publication (shown to the agent). */
  warnings?: PublishIssue[];
  /** Pages whose HTML changed since the previous publication (ids; the home page is `index`). */
  changedPages?: string[];
  /** Files rendered again and written, vs. kept from the previous version. */
  filesWritten?: number;
  filesKept?: number;
  ms?: number;
  /** Pages put online by this publication ([PUBL-9]). */
  released?: string[];
  /** Pages taken off the site by this publication. */
  withdrawn?: string[];
  /** Errors of the pages left as they were online (or offline): what to fix in each. */
  skipped?: PublishIssue[];
}

/** « Mettre en ligne » one page (POST): PublishResponse, or 422 checks-failed. */
export const apiPageReleasePath = (insee: string, pageId: string) =>
  apiPath('releasePage', { insee, pageId });
/** « Retirer du site » one page (POST): PublishResponse, or 422 acte-online. */
export const apiPageWithdrawPath = (insee: string, pageId: string) =>
  apiPath('withdrawPage', { insee, pageId });
/** Where each page stands with respect to the public site (GET). */
export const apiPageStatusPath = (insee: string) => apiPath('pageStatuses', { insee });
export interface PageStatusEntry {
  pageId: string;
  /** On the public site now. */
  online: boolean;
  /** Online, and its fields or text changed since it was put online. */
  modified: boolean;
  releasedAt: number | null;
  releasedBy: string | null;
  /** Earliest pending scheduled publication, if any. */
  scheduledAt: number | null;
}
export interface PageStatusResponse {
  pages: PageStatusEntry[];
}

/**
 * 422 answer of a publish blocked by the checks: `error.message` is a French summary, and
 * `issues` lists every error (and the warnings) with the page to fix. The site online is
 * unchanged.
 */
export interface PublishBlockedResponse extends ApiError {
  error: { code: 'checks-failed'; message: string };
  issues: PublishIssue[];
}

/** Publication history (GET), newest first. */
export const apiPublicationsPath = (insee: string) => apiPath('publications', { insee });
export interface PublicationEntry {
  version: string;
  publishedAt: number;
  /** Agent id, or `programmation` for a scheduled publication, or null. */
  publishedBy: string | null;
  publishedByName: string | null;
  pages: number;
  /** Titles of the pages added, changed or removed in this version. */
  changed: Array<{ pageId: string; title: string; change: 'added' | 'changed' | 'removed' }>;
  /** True for the version online now. */
  current: boolean;
  /** A rollback: the version it restored. */
  rollbackOf: string | null;
  /** Still on disk: can be restored. */
  kept: boolean;
}
export interface PublicationsResponse {
  publications: PublicationEntry[];
}

/** POST `{ version }`: puts a kept version back online (atomic switch). */
export const apiRollbackPath = (insee: string) => apiPath('rollback', { insee });
export interface RollbackRequest {
  version: string;
}
export type RollbackResponse = PublicationEntry;

/**
 * Scheduled publications: GET lists them; POST `{ pageId, at }` (ms since epoch) puts the page
 * online at that time, done by the server even with no editor running; a pending one is
 * cancelled by POST to `apiScheduleCancelPath`.
 */
export const apiSchedulePath = (insee: string) => apiPath('schedule', { insee });
/** POST: cancels a scheduled publication still pending. */
export const apiScheduleCancelPath = (insee: string, scheduleId: string) =>
  apiPath('cancelScheduled', { insee, scheduleId });
export interface ScheduleRequest {
  pageId: string;
  at: number;
}
export interface ScheduledPublication {
  id: string;
  pageId: string;
  at: number;
  createdBy: string | null;
  /** pending → done (published) | failed (message) | cancelled. */
  state: 'pending' | 'done' | 'failed' | 'cancelled';
  message: string | null;
}
export interface ScheduleResponse {
  scheduled: ScheduledPublication[];
}

export const apiPublicationPath = (insee: string) => apiPath('publication', { insee });
export interface PublicationResponse {
  lastPublishedAt: number | null;
  url: string | null;
}

/**
 * A media file of the commune (by SHA-256): PUT stores it, GET/HEAD read it, DELETE removes it
 * with its sizes — 204; 409 `media-in-use` (French message naming the pages) while the site
 * uses it; 403 for a relecteur. `-{width}` names a re-encoded size (PUT/GET/HEAD only).
 */
export const apiMediaPath = (insee: string, sha256: string, width?: number) =>
  apiPath('readMedia', { insee, file: width === undefined ? sha256 : `${sha256}-${width}` });
export type MediaErrorCode =
  'too-many-uploads' | 'quota-exceeded' | 'bad-content' | 'bad-width' | 'bad-height' | 'media-in-use';

export interface ApiError {
  error: { code: string; message: string };
}

export const SYNC_PATH = SERVER_PATHS.sync;
