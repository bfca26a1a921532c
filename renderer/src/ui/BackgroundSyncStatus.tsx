// Progress of the background copy of the whole site onto this computer.
import { useSyncExternalStore } from 'react';
import type { BackgroundState, BackgroundSync } from '../sync/BackgroundSync';
import { formatDateTime } from './formatDate';

/** « 12 pages sur 300 disponibles hors ligne » (singular up to 1, as French counts). */
export function availableText(available: number, pages: number): string {
  const plural = available > 1 ? 's' : '';
  return `${available} page${plural} sur ${pages} disponible${plural} hors ligne`;
}

export function backgroundText(state: BackgroundState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'unreachable':
      return 'Copie du site sur cet ordinateur : en attente de connexion.';
    case 'running':
      return `Copie du site sur cet ordinateur : ${availableText(state.available, state.pages)}…`;
    case 'done':
      return state.failed > 0
        ? `Copie du site : ${availableText(state.available, state.pages)} ; ${state.failed} page${state.failed > 1 ? 's' : ''} à réessayer (nouvelle tentative dans une minute).`
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
    // Each copied page is not announced (hundreds of them); the outcome is.
    <p className="background-sync" aria-live={state.kind === 'running' ? 'off' : 'polite'}>
      {text}
      {state.kind === 'running' && state.total > 0 && (
        <progress max={state.pages} value={state.available} aria-label="Progression de la copie du site" />
      )}
    </p>
  );
}
