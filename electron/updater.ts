/**
 * Wires electron-updater's `autoUpdater` to the update policy: generic feed on our server,
 * check at start and every few hours, background download, install at quit unless edits are
 * pending. Takes the updater and the timers as parameters so it runs in plain Node with a fake
 * (electron-updater's real `autoUpdater` needs Electron's `app` as soon as it is loaded).
 */
import type { UpdateState } from './ipcContract';
import {
  CHECK_INTERVAL_MS,
  clampPercent,
  decideAtQuit,
  FIRST_CHECK_DELAY_MS,
  type QuitDecision,
} from './updatePolicy';

/** The part of electron-updater's `AppUpdater` this module uses. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  disableDifferentialDownload: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export interface UpdaterDeps {
  autoUpdater: AutoUpdaterLike;
  feedUrl: string;
  /** Local changes the server has not acknowledged, as last reported by the renderer (null: never reported). */
  pendingChanges: () => number | null;
  setInterval: (run: () => void, ms: number) => unknown;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimer: (timer: unknown) => void;
  logError: (message: string) => void;
}

export interface Updater {
  state: () => UpdateState;
  /** Called from `before-quit`: arms or disarms the install-at-quit of a downloaded update. */
  beforeQuit: () => QuitDecision;
  stop: () => void;
}

function versionOf(info: unknown): string {
  const version = (info as { version?: unknown } | null)?.version;
  return typeof version === 'string' ? version.slice(0, 64) : '?';
}

export function startUpdater(deps: UpdaterDeps): Updater {
  const { autoUpdater } = deps;
  let state: UpdateState = { status: 'idle' };
  let downloaded = false;

  autoUpdater.autoDownload = true;
  // Armed now so electron-updater registers its quit handler; `beforeQuit` decides each time.
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.allowDowngrade = false;
  // Differential download: the feed serves each release's blockmap and answers Range requests
  // (sync-server/transport/updateRoutes.ts); electron-updater falls back to the whole file when it cannot.
  autoUpdater.disableDifferentialDownload = false;
  autoUpdater.setFeedURL({ provider: 'generic', url: deps.feedUrl });

  autoUpdater.on('checking-for-update', () => {
    if (!downloaded) state = { status: 'checking' };
  });
  autoUpdater.on('update-not-available', () => {
    if (!downloaded) state = { status: 'up-to-date' };
  });
  autoUpdater.on('update-available', (info: unknown) => {
    state = { status: 'downloading', version: versionOf(info), percent: 0 };
  });
  autoUpdater.on('download-progress', (progress: { percent?: unknown }) => {
    if (state.status === 'downloading') state = { ...state, percent: clampPercent(progress?.percent) };
  });
  autoUpdater.on('update-downloaded', (info: unknown) => {
    downloaded = true;
    state = { status: 'downloaded', version: versionOf(info) };
  });
  autoUpdater.on('error', (error: unknown) => {
    deps.logError(`Mise à jour : ${String(error instanceof Error ? error.message : error)}`);
    if (!downloaded)
      state = { status: 'error', message: 'serveur de mise à jour injoignable ou réponse invalide.' };
  });

  const check = (): void => {
    // Errors also arrive through the 'error' event; this only avoids an unhandled rejection.
    autoUpdater.checkForUpdates().catch(() => undefined);
  };
  const first = deps.setTimeout(check, FIRST_CHECK_DELAY_MS);
  const periodic = deps.setInterval(check, CHECK_INTERVAL_MS);

  return {
    state: () => state,
    beforeQuit() {
      const decision = decideAtQuit({ updateDownloaded: downloaded, pendingChanges: deps.pendingChanges() });
      autoUpdater.autoInstallOnAppQuit = decision.action === 'install';
      return decision;
    },
    stop() {
      deps.clearTimer(first);
      deps.clearTimer(periodic);
    },
  };
}
