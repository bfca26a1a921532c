// Calls to the Métropole server's JSON API (site/apiContract.ts). Every failure becomes an
// ApiFailure carrying a French message that can be shown to the agent as is.
import {
  API_LOGIN,
  API_MY_INVITATIONS,
  API_REFRESH,
  apiDocsPath,
  apiPath,
  apiInvitationPath,
  apiPublicationPath,
  apiPublishPath,
  apiPageReleasePath,
  apiPageStatusPath,
  apiPageWithdrawPath,
  type PageStatusResponse,
  type PublishIssue,
  apiSchedulePath,
  apiScheduleCancelPath,
  type ApiError,
  type LoginRequest,
  type LoginResponse,
  type MeResponse,
  type MyInvitationsResponse,
  type PublicationResponse,
  type PublishResponse,
  type RefreshRequest,
  type ScheduleRequest,
  type ScheduleResponse,
} from '../../../site/apiContract';
import { apiPageAddressesPath, type PageAddressesResponse } from '../../../site/addressContract';
import { plainRefusal } from './plainErrors';
import { SYNC_BATCH_CONTENT_TYPE } from '../../../site/syncBatch';
import {
  apiPageSnapshotPath,
  apiPageSnapshotsPath,
  type PageSnapshotsResponse,
} from '../../../site/pageSnapshotsContract';

export const MESSAGES_FR = {
  unreachable: 'Le serveur est injoignable. Vérifiez la connexion et l’adresse du serveur.',
  badCredentials: 'Adresse e-mail ou mot de passe incorrect.',
  unexpected: 'Le serveur a répondu de façon inattendue. Réessayez dans un instant.',
  sessionExpired: 'Votre session a expiré : veuillez vous reconnecter.',
} as const;

export type ApiFailureKind = 'unreachable' | 'unauthorized' | 'refused';

export class ApiFailure extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    readonly status: number,
    message: string,
    /** What to fix, page by page (422 of a publication refused by the checks). */
    readonly issues: PublishIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

async function call<T>(
  serverUrl: string,
  path: string,
  init: RequestInit,
  unauthorizedMessage: string,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(serverUrl + path, init);
  } catch {
    throw new ApiFailure('unreachable', 0, MESSAGES_FR.unreachable);
  }
  if (response.ok) {
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiFailure('refused', response.status, MESSAGES_FR.unexpected);
    }
  }
  const body = (await response.json().catch(() => null)) as ApiError | null;
  const serverMessage = typeof body?.error?.message === 'string' ? body.error.message : undefined;
  if (response.status === 401) {
    throw new ApiFailure('unauthorized', 401, serverMessage ?? unauthorizedMessage);
  }
  // A proxy or a server that is starting answers 502/503/504 without our JSON.
  if (!serverMessage && response.status >= 502 && response.status <= 504) {
    throw new ApiFailure('unreachable', response.status, MESSAGES_FR.unreachable);
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const issues = (body as { issues?: unknown } | null)?.issues;
  throw new ApiFailure(
    'refused',
    response.status,
    plainRefusal(code, serverMessage),
    Array.isArray(issues) ? (issues as PublishIssue[]) : [],
  );
}

function postJson(body: unknown, accessToken?: string): RequestInit {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  return { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' };
}

export function login(serverUrl: string, request: LoginRequest): Promise<LoginResponse> {
  return call(serverUrl, API_LOGIN, postJson(request), MESSAGES_FR.badCredentials);
}

export function refresh(serverUrl: string, request: RefreshRequest): Promise<LoginResponse> {
  return call(serverUrl, API_REFRESH, postJson(request), MESSAGES_FR.sessionExpired);
}

export function publish(serverUrl: string, insee: string, accessToken: string): Promise<PublishResponse> {
  return call(serverUrl, apiPublishPath(insee), postJson({}, accessToken), MESSAGES_FR.sessionExpired);
}

/** « Mettre en ligne » one page as it is now ([PUBL-9]). */
export function releasePage(
  serverUrl: string,
  insee: string,
  pageId: string,
  accessToken: string,
): Promise<PublishResponse> {
  return call(
    serverUrl,
    apiPageReleasePath(insee, pageId),
    postJson({}, accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

/** « Retirer du site » one page. */
export function withdrawPage(
  serverUrl: string,
  insee: string,
  pageId: string,
  accessToken: string,
): Promise<PublishResponse> {
  return call(
    serverUrl,
    apiPageWithdrawPath(insee, pageId),
    postJson({}, accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

export function getPageStatuses(
  serverUrl: string,
  insee: string,
  accessToken: string,
): Promise<PageStatusResponse> {
  return call(serverUrl, apiPageStatusPath(insee), getJson(accessToken), MESSAGES_FR.sessionExpired);
}

function getJson(accessToken: string): RequestInit {
  return { method: 'GET', headers: { authorization: `Bearer ${accessToken}` }, cache: 'no-store' };
}

export function getPublication(
  serverUrl: string,
  insee: string,
  accessToken: string,
): Promise<PublicationResponse> {
  return call(serverUrl, apiPublicationPath(insee), getJson(accessToken), MESSAGES_FR.sessionExpired);
}

/** One doc of the commune and its server sequence number (GET /api/communes/{insee}/docs). */
export interface RoomSeqInfo {
  room: string;
  seq: number;
}

export function getDocs(
  serverUrl: string,
  insee: string,
  accessToken: string,
): Promise<{ docs: RoomSeqInfo[] }> {
  return call(serverUrl, apiDocsPath(insee), getJson(accessToken), MESSAGES_FR.sessionExpired);
}

/** Many page rooms synced in one request (site/syncBatch.ts): the batch's binary answer. */
export function postSyncBatch(
  serverUrl: string,
  insee: string,
  batch: Uint8Array,
  accessToken: string,
): Promise<Uint8Array> {
  return callBinary(serverUrl + apiPath('syncRooms', { insee }), {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': SYNC_BATCH_CONTENT_TYPE },
    body: new Blob([batch as Uint8Array<ArrayBuffer>]),
    cache: 'no-store',
  });
}

/** The page's history kept by the server, newest first (members of the commune). */
export function getPageSnapshots(
  serverUrl: string,
  insee: string,
  pageId: string,
  accessToken: string,
): Promise<PageSnapshotsResponse> {
  return call(
    serverUrl,
    apiPageSnapshotsPath(insee, pageId),
    getJson(accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

/** The Yjs state of one server snapshot of the page (Y.encodeStateAsUpdate). */
export function getPageSnapshotState(
  serverUrl: string,
  insee: string,
  pageId: string,
  id: number,
  accessToken: string,
): Promise<Uint8Array> {
  return callBinary(serverUrl + apiPageSnapshotPath(insee, pageId, id), getJson(accessToken));
}

/** A binary answer (a Yjs state, a sync batch); failures as ApiFailure with the server's message. */
async function callBinary(url: string, init: RequestInit): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiFailure('unreachable', 0, MESSAGES_FR.unreachable);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as ApiError | null;
    const message = typeof body?.error?.message === 'string' ? body.error.message : MESSAGES_FR.unexpected;
    throw new ApiFailure(response.status === 401 ? 'unauthorized' : 'refused', response.status, message);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The commune's scheduled publications (pending, done, failed, cancelled). */
export function getSchedule(
  serverUrl: string,
  insee: string,
  accessToken: string,
): Promise<ScheduleResponse> {
  return call(serverUrl, apiSchedulePath(insee), getJson(accessToken), MESSAGES_FR.sessionExpired);
}

/** Asks the server to publish the page at `at` (ms since epoch), with no editor running. */
export function schedulePublication(
  serverUrl: string,
  insee: string,
  request: ScheduleRequest,
  accessToken: string,
): Promise<ScheduleResponse> {
  return call(serverUrl, apiSchedulePath(insee), postJson(request, accessToken), MESSAGES_FR.sessionExpired);
}

export function cancelScheduledPublication(
  serverUrl: string,
  insee: string,
  id: string,
  accessToken: string,
): Promise<ScheduleResponse> {
  return call(
    serverUrl,
    apiScheduleCancelPath(insee, id),
    postJson({}, accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

/** Invitations to join a commune waiting for this account (issue #9, finding 7). */
export function getMyInvitations(serverUrl: string, accessToken: string): Promise<MyInvitationsResponse> {
  return call(serverUrl, API_MY_INVITATIONS, getJson(accessToken), MESSAGES_FR.sessionExpired);
}

/** Accepting answers the account's identity with its new role; declining `{ ok: true }`. */
export function acceptInvitation(serverUrl: string, insee: string, accessToken: string): Promise<MeResponse> {
  return call(
    serverUrl,
    apiInvitationPath(insee, 'accept'),
    postJson({}, accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

export function declineInvitation(
  serverUrl: string,
  insee: string,
  accessToken: string,
): Promise<{ ok: true }> {
  return call(
    serverUrl,
    apiInvitationPath(insee, 'decline'),
    postJson({}, accessToken),
    MESSAGES_FR.sessionExpired,
  );
}

export function getPageAddresses(
  serverUrl: string,
  insee: string,
  pageId: string,
  accessToken: string,
): Promise<PageAddressesResponse> {
  return call(
    serverUrl,
    apiPageAddressesPath(insee, pageId),
    getJson(accessToken),
    MESSAGES_FR.sessionExpired,
  );
}
