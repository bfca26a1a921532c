// Lasting messages under the top bar: offline (in a permanent live region, so it is
// announced when it appears), the server's explanations (session ended, access refused…),
// which go away when their cause is gone, and this computer's storage.
import { useSyncExternalStore } from 'react';
import type { SyncClient } from '../../sync/SyncClient';
import { StorageWarning, type StorageState, type WriteFailureState } from '../StorageWarning';

interface Props {
  sync: SyncClient;
  storage: StorageState | null;
  writeFailure: WriteFailureState;
}

export function Banners({ sync, storage, writeFailure }: Props) {
  const { status, alerts } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  return (
    <>
      <div className="offline-live" aria-live="polite">
        {status.kind === 'offline' && (
          <div className="banner banner-info offline-banner">
            <p>
              Vous travaillez sans connexion au serveur de la Métropole. Tout ce que vous faites est
              enregistré sur cet ordinateur et sera envoyé automatiquement au retour de la connexion.
            </p>
          </div>
        )}
      </div>
      {alerts.length > 0 && (
        <div role="alert" className="banner banner-danger sync-alerts">
          {[...new Set(alerts.map((a) => a.message))].map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
      <StorageWarning state={storage} writeFailure={writeFailure} savedOnServer={status.kind === 'saved'} />
    </>
  );
}
