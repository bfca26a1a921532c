// One list of a page's versions: those kept by the server (shared by the whole commune) and
// those kept only on this computer, newest first, each saying where it is kept.
import type { ServerSnapshotEntry, ServerSnapshotReason } from '../../../site/pageSnapshotsContract';
import { REASON_FR, type Snapshot } from './HistoryStore';

export const SERVER_REASON_FR: Record<ServerSnapshotReason, string> = {
  publication: 'Publication du site',
  session: 'Fin d’une session d’édition',
};

export const WHERE_FR = {
  server: 'Enregistrée sur le serveur, visible par toute la commune',
  local: 'Sur cet ordinateur seulement',
} as const;

export type HistoryEntry =
  | { source: 'local'; key: string; at: number; label: string; by: string; snapshot: Snapshot }
  | { source: 'server'; key: string; at: number; label: string; by: string; id: number };

export function mergeHistory(
  local: readonly Snapshot[],
  server: readonly ServerSnapshotEntry[],
): HistoryEntry[] {
  const entries: HistoryEntry[] = [
    ...server.map((s): HistoryEntry => ({
      source: 'server',
      key: `server-${s.id}`,
      at: s.at,
      label: SERVER_REASON_FR[s.reason] ?? s.reason,
      by: s.by.join(', '),
      id: s.id,
    })),
    ...local.map((s): HistoryEntry => ({
      source: 'local',
      key: `local-${s.id ?? s.takenAt}`,
      at: s.takenAt,
      label: REASON_FR[s.reason],
      by: s.by,
      snapshot: s,
    })),
  ];
  // Newest first; at the same instant the shared version comes first.
  return entries.sort((a, b) => b.at - a.at || (a.source === b.source ? 0 : a.source === 'server' ? -1 : 1));
}
