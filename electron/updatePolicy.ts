/**
 * When the desktop app looks for, downloads and installs an update from the Métropole's server.
 * Pure: no Electron, no electron-updater; `updater.ts` wires it. The rules:
 * - the feed is the app's own server, `<origin>/updates/` (electron-updater's generic provider);
 * - check at start, then every few hours; download in the background;
 * - install only when the app quits, and never while edits have not reached the server (the
 *   new version would start on a local store the agent may not have synced); the app says so.
 */
import type { UpdateState } from './ipcContract';

/** Delay before the first check, so the start of the app is not slowed down. */
export const FIRST_CHECK_DELAY_MS = 30_000;
/** Then every four hours (an agent keeps the app open all day). */
export const CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

/** The update feed of a server origin: electron-updater reads `latest.yml` there. */
export function updateFeedUrl(serverOrigin: string): string {
  return `${new URL(serverOrigin).origin}/updates/`;
}

export type QuitDecision =
  | { action: 'install' }
  | { action: 'quit' }
  /** Quit without installing; the update waits for the next quit with nothing pending. */
  | { action: 'postpone'; message: string };

/**
 * What to do with a downloaded update when the app quits. `pendingChanges` is null when the
 * editor never reported its sync state: unknown is not « nothing pending », so it waits too.
 */
export function decideAtQuit(input: {
  updateDownloaded: boolean;
  pendingChanges: number | null;
}): QuitDecision {
  if (!input.updateDownloaded) return { action: 'quit' };
  if (input.pendingChanges === null) return { action: 'postpone', message: UNKNOWN_SYNC_MESSAGE };
  if (input.pendingChanges > 0)
    return { action: 'postpone', message: postponedMessage(input.pendingChanges) };
  return { action: 'install' };
}

export const UNKNOWN_SYNC_MESSAGE =
  'La mise à jour n’a pas été installée : l’éditeur n’a pas pu confirmer que toutes vos modifications ' +
  'sont envoyées au serveur. Elle le sera à une prochaine fermeture.';

export function postponedMessage(pendingChanges: number): string {
  const changes =
    pendingChanges === 1
      ? '1 modification n’est pas encore envoyée'
      : `${pendingChanges} modifications ne sont pas encore envoyées`;
  return (
    `La mise à jour n’a pas été installée : ${changes} au serveur. ` +
    'Elle le sera à la prochaine fermeture, une fois vos modifications envoyées.'
  );
}

/** The French sentence the « À propos » screen shows for an update state. */
export function describeUpdateState(state: UpdateState): string {
  switch (state.status) {
    case 'disabled':
      return 'Mises à jour automatiques désactivées (version de développement).';
    case 'idle':
      return 'Aucune recherche de mise à jour pour l’instant.';
    case 'checking':
      return 'Recherche d’une mise à jour…';
    case 'up-to-date':
      return 'L’application est à jour.';
    case 'downloading':
      return `Téléchargement de la version ${state.version} : ${state.percent} %.`;
    case 'downloaded':
      return `La version ${state.version} sera installée à la fermeture de l’application.`;
    case 'error':
      return `La recherche de mise à jour a échoué : ${state.message}`;
  }
}

/** A download percentage as electron-updater reports it, made a whole number in [0, 100]. */
export function clampPercent(percent: unknown): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, Math.floor(percent)));
}
