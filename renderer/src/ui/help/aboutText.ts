// The French texts of « À propos et aide »: the update state as an agent reads it, and the
// computer's system. Pure, so every state is tested in Node.
import type { AppInfo, UpdateState } from '../../../../electron/ipcContract';

export const UP_TO_DATE = 'À jour';
export const DOWNLOADED = 'Mise à jour téléchargée — elle s’installera à la fermeture, quand tout est envoyé';
export const WAITING_FOR_SYNC = 'Mise à jour en attente : des modifications ne sont pas encore envoyées';
export const DESKTOP_ONLY =
  'Disponible seulement dans l’application de bureau : dans un navigateur, il n’y a ni mise à jour automatique ni rapport pour l’assistance.';

/**
 * One sentence for the update state. `pendingChanges` are the pages whose changes the server has
 * not acknowledged: a downloaded update waits for them (electron/updatePolicy.ts `decideAtQuit`).
 * `state` is null in a browser (no desktop app).
 */
export function updateStateText(state: UpdateState | null, pendingChanges: number): string {
  if (state === null) return DESKTOP_ONLY;
  switch (state.status) {
    case 'up-to-date':
      return UP_TO_DATE;
    case 'downloaded':
      return pendingChanges > 0 ? WAITING_FOR_SYNC : DOWNLOADED;
    case 'error':
      return `Vérification impossible : ${state.message}`;
    case 'checking':
      return 'Recherche d’une mise à jour…';
    case 'downloading':
      return `Téléchargement de la version ${state.version} : ${state.percent} %`;
    case 'idle':
      return 'Pas encore vérifiée : l’application cherche une mise à jour peu après son démarrage, puis toutes les quatre heures';
    case 'disabled':
      return 'Mises à jour automatiques désactivées (version de développement)';
  }
}

/** The version a downloaded or downloading update brings, to show beside the state. */
export function incomingVersion(state: UpdateState | null): string | null {
  return state && (state.status === 'downloaded' || state.status === 'downloading') ? state.version : null;
}

const PLATFORMS: Record<string, string> = { win32: 'Windows', darwin: 'macOS', linux: 'Linux' };

export function systemText(info: AppInfo): string {
  const system = PLATFORMS[info.platform] ?? info.platform;
  return info.electron ? `${system} (Electron ${info.electron})` : system;
}
