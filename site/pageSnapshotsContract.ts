/**
 * Page history kept by the server (sync-server/publishing/PageSnapshots.ts), shared by every agent of
 * the commune: a snapshot of a page body at each publication that changed it and at the end
 * of each editing session on the server. Members of the commune only.
 *
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots        → PageSnapshotsResponse
 *   GET /api/communes/{insee}/pages/{pageId}/snapshots/{id}   → the Yjs state (binary,
 *                                                               Y.encodeStateAsUpdate)
 */
import { apiPath } from './apiContract';

export type ServerSnapshotReason = 'publication' | 'session';

export interface ServerSnapshotEntry {
  id: number;
  /** ms since epoch */
  at: number;
  reason: ServerSnapshotReason;
  /** Display names: who published, or the agents who edited during the session. */
  by: string[];
}

export interface PageSnapshotsResponse {
  snapshots: ServerSnapshotEntry[];
}

export const apiPageSnapshotsPath = (insee: string, pageId: string) =>
  apiPath('pageSnapshots', { insee, pageId });

export const apiPageSnapshotPath = (insee: string, pageId: string, id: number) =>
  apiPath('pageSnapshot', { insee, pageId, snapshotId: String(id) });
