// Always-visible sync status (a polite live region) and the server's explanations, if any.
import { useSyncExternalStore } from 'react';
import type { SyncClient } from '../sync/SyncClient';
import { syncStatusText } from '../sync/syncStatus';

export function SyncStatusBar({ sync }: { sync: SyncClient }) {
  const { status, alerts } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  return (
    <div className="sync">
      <p role="status" aria-live="polite" className={`sync-status sync-${status.kind}`}>
        {syncStatusText(status)}
      </p>
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
