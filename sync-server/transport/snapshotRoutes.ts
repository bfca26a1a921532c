/**
 * HTTP routes of the page history kept by the server (site/pageSnapshotsContract.ts), for the
 * members of the commune (and the Métropole).
 * Every refusal is audited (`api.refused`) by the after-hook (refusals.ts).
 *
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots        list, newest first
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots/{id}   Yjs state (application/octet-stream)
 */
import type { PageSnapshotsResponse } from '../../site/pageSnapshotsContract';
import type { PageSnapshots } from '../publishing/PageSnapshots';
import { apiError } from './apiErrors';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

export function snapshotRoutes(options: { snapshots: PageSnapshots }) {
  const { snapshots } = options;

  async function list({ params }: RouteCall): Promise<ApiResponse> {
    const body: PageSnapshotsResponse = { snapshots: await snapshots.list(params.insee!, params.pageId!) };
    return { status: 200, body };
  }

  async function one({ params }: RouteCall): Promise<ApiResponse> {
    const { insee, pageId, snapshotId } = params as { insee: string; pageId: string; snapshotId: string };
    const state = await snapshots.state(insee, pageId, Number(snapshotId));
    if (!state) return apiError(404, 'not-found', 'Cette version de la page n’existe pas sur le serveur.');
    return {
      status: 200,
      body: null,
      file: {
        contentType: 'application/octet-stream',
        filename: `page-${pageId}-version-${snapshotId}.yjs`,
        data: Buffer.from(state),
      },
    };
  }

  return { pageSnapshots: list, pageSnapshot: one } satisfies Handlers;
}
