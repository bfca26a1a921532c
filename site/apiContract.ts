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

/**
 * POST: ends the session on the server (every token of its family refused afterwards). Sent
 * with the access token, or — when it has expired meanwhile (a logout queued offline) — with
 * the session's current refresh token in the body.
 */
export const API_LOGOUT = '/api/auth/logout';
export interface LogoutRequest {
  refreshToken?: string;
}

export const API_ME = '/api/me';
export type MeResponse = AgentIdentity;

/**
 * Agents of a commune (référent or admin). GET lists its members and the invitations still
 * pending. POST `AddAgentRequest`: an administrator attaches the account directly (201 a new
 * account, 200 an existing one, `{ agent }`); a référent **invites** (202
 * `InvitationSentResponse`, the same answer whether the address has an account or not — a
 * password creates an account without any role when there was none), except for a member of
 * their own commune, whose role changes at once (200 `{ member }`).
 */
export const apiAgentsPath = (insee: string) => `/api/communes/${insee}/agents`;
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
export const API_MY_INVITATIONS = '/api/me/invitations';
export const apiInvitationPath = (insee: string, action: 'accept' | 'decline') =>
  `${API_MY_INVITATIONS}/${insee}/${action}`;
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
export const apiDocsPath = (insee: string) => `/api/communes/${insee}/docs`;
export const apiPublishPath = (insee: string) => `/api/communes/${insee}/publish`;
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
  `/api/communes/${insee}/pages/${encodeURIComponent(pageId)}/release`;
/** « Retirer du site » one page (POST): PublishResponse, or 422 acte-online. */
export const apiPageWithdrawPath = (insee: string, pageId: string) =>
  `/api/communes/${insee}/pages/${encodeURIComponent(pageId)}/withdraw`;
/** Where each page stands with respect to the public site (GET). */
export const apiPageStatusPath = (insee: string) => `/api/communes/${insee}/pages/status`;
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
export const apiPublicationsPath = (insee: string) => `/api/communes/${insee}/publications`;
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
export const apiRollbackPath = (insee: string) => `/api/communes/${insee}/rollback`;
export interface RollbackRequest {
  version: string;
}
export type RollbackResponse = PublicationEntry;

/**
 * Scheduled publications: GET lists them; POST `{ pageId, at }` (ms since epoch) puts the page
 * online at that time, done by the server even with no editor running; DELETE `?id=`.
 */
export const apiSchedulePath = (insee: string) => `/api/communes/${insee}/schedule`;
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

export const apiPublicationPath = (insee: string) => `/api/communes/${insee}/publication`;
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
  `/api/communes/${insee}/media/${sha256}${width === undefined ? '' : `-${width}`}`;
export type MediaErrorCode =
  'too-many-uploads' | 'quota-exceeded' | 'bad-content' | 'bad-width' | 'bad-height' | 'media-in-use';

export interface ApiError {
  error: { code: string; message: string };
}

export const SYNC_PATH = '/sync';
