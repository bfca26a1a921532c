/**
 * HTTP routes of the page history kept by the server (site/pageSnapshotsContract.ts), for the
 * members of the commune (and the Métropole). Every refusal is audited (`api.refused`) by the after-hook (refusals.ts).
 *
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots        list, newest first
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots/{id}   Yjs state (application/octet-stream)
 */
import type { ApiError } from '../../site/apiContract';
import type { PageSnapshotsResponse } from '../../site/pageSnapshotsContract';
import type { Accounts } from '../accounts/Accounts';
import type { ApiRequest, ApiResponse } from './api';
import type { AuditLog } from '../observability/AuditLog';
import type { PageSnapshots } from '../publishing/PageSnapshots';
import { authorizeMember } from './publishingApi';

export interface SnapshotRoutesOptions {
  accounts: Accounts;
  audit: AuditLog;
  snapshots: PageSnapshots;
}

const ROUTE =
  /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/pages\/([A-Za-z0-9_-]{8,64})\/snapshots(?:\/(\d{1,15}))?$/;

function error(status: number, code: string, message: string): ApiResponse {
  const body: ApiError = { error: { code, message } };
  return { status, body };
}

export function withSnapshotRoutes(
  inner: (request: ApiRequest) => Promise<ApiResponse>,
  options: SnapshotRoutesOptions,
): (request: ApiRequest) => Promise<ApiResponse> {
  const { accounts, snapshots } = options;

  function answer(request: ApiRequest, insee: string, pageId: string, id: string | undefined): ApiResponse {
    if (request.method !== 'GET')
      return error(405, 'method-not-allowed', 'Méthode non autorisée pour cette adresse.');
    const auth = authorizeMember(accounts, request, insee);
    if ('response' in auth) return auth.response;
    if (id === undefined) {
      const body: PageSnapshotsResponse = { snapshots: snapshots.list(insee, pageId) };
      return { status: 200, body };
    }
    const state = snapshots.state(insee, pageId, Number(id));
    if (!state) return error(404, 'not-found', 'Cette version de la page n’existe pas sur le serveur.');
    return {
      status: 200,
      body: null,
      file: {
        contentType: 'application/octet-stream',
        filename: `page-${pageId}-version-${id}.yjs`,
        data: Buffer.from(state),
      },
    };
  }

  return async (request) => {
    const match = ROUTE.exec(request.pathname);
    if (!match) return inner(request);
    const [, insee, pageId, id] = match as unknown as [string, string, string, string | undefined];
    // A refusal is counted and audited by the after-hook (refusals.ts).
    return answer(request, insee, pageId, id);
  };
}
