// Progress of the background copy of the whole site onto this computer.
import { useSyncExternalStore } from 'react';
import type { BackgroundState, BackgroundSync } from '../sync/BackgroundSync';
import { formatDateTime } from './formatDate';

export function backgroundText(state: BackgroundState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'unreachable':
      return 'Copie du site sur cet ordinateur : en attente de connexion.';
    case 'running':
      return `Copie du site sur cet ordinateur : ${state.done} / ${state.total} page${state.total > 1 ? 's' : ''}…`;
    case 'done':
      return state.failed > 0
        ? `Copie du site : ${state.failed} page${state.failed > 1 ? 's' : ''} à réessayer (nouvelle tentative dans une minute).`
        : `Tout le site est disponible sur cet ordinateur, même hors connexion (vérifié le ${formatDateTime(state.at)}).`;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

export function BackgroundSyncStatus({ background }: { background: BackgroundSync }) {
  const state = useSyncExternalStore(background.subscribe, background.getState);
  const text = backgroundText(state);
  return (
    <p className="background-sync" aria-live="polite">
      {text}
      {state.kind === 'running' && state.total > 0 && (
        <progress max={state.total} value={state.done} aria-label="Progression de la copie du site" />
      )}
    </p>
  );
}
