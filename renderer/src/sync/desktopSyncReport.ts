// Tells the desktop app (electron/updater.ts) whether edits are waiting to be sent, so that an
// update is never installed over them; in a browser `window.usine` is absent and nothing is sent.
import type { SyncReport, UsineWindow } from '../../../electron/ipcContract';
import type { SyncSnapshot } from './SyncClient';

/** What the main process needs: the connection, and the pages holding unsent changes. */
export function toSyncReport(snapshot: SyncSnapshot): SyncReport {
  const { kind } = snapshot.status;
  return {
    status: kind === 'saved' ? 'connected' : kind === 'syncing' ? 'connecting' : 'offline',
    pendingChanges: snapshot.pendingRooms.length,
  };
}

interface SyncSource {
  subscribe: (listener: () => void) => () => void;
  getSnapshot: () => SyncSnapshot;
}

/** Sends the report now and at each change of it; returns the unsubscribe. */
export function reportSyncToDesktop(sync: SyncSource, win: unknown = window): () => void {
  const api = (win as UsineWindow).usine;
  if (!api) return () => undefined;
  let last = '';
  const send = () => {
    const report = toSyncReport(sync.getSnapshot());
    const key = `${report.status}:${report.pendingChanges}`;
    if (key === last) return;
    last = key;
    api.reportSync(report).catch(() => undefined);
  };
  send();
  return sync.subscribe(send);
}
