// Always-visible sync status (a polite live region), how many local changes wait to be sent,
// and the server's explanations, if any.
import { useSyncExternalStore } from 'react';
import type { SyncClient } from '../sync/SyncClient';
import { pendingEditsText, syncStatusText } from '../sync/syncStatus';

export function SyncStatusBar({ sync }: { sync: SyncClient }) {
  const { status, alerts, pendingEdits } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  return (
    <div className="sync">
      <p role="status" aria-live="polite" className={`sync-status sync-${status.kind}`}>
        {syncStatusText(status)}
      </p>
      {status.kind !== 'saved' && pendingEdits > 0 && (
        <p className="sync-pending">{pendingEditsText(pendingEdits)}</p>
      )}
      {alerts.length > 0 && (
        <div role="alert" className="sync-alerts">
          {[...new Set(alerts.map((a) => a.message))].map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
    </div>
  );
}
