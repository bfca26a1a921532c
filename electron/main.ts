/**
 * Electron main process: wires the pure modules of this folder to Electron. Thin on purpose —
 * decisions (paths, CSP, URL allow-lists, sender checks, credentials, updates, support report)
 * live in tested modules. The only place that reads USINE_SERVER_URL (development builds only).
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  safeStorage,
  session,
  shell,
  type WebContents,
} from 'electron';
import electronUpdater from 'electron-updater';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_SCHEME_REGISTRATION, createAppProtocolHandler } from './appProtocol';
import { buildContentSecurityPolicy } from './contentSecurityPolicy';
import { createJsonFileVault } from './credentialFile';
import { createCredentialStore, type SafeStorageLike } from './credentialStore';
import { registerIpcHandlers } from './ipcHandlers';
import type { SyncReport } from './ipcContract';
import { resolveServerAddress } from './serverAddress';
import { buildSupportReport, createRecentErrors } from './supportReport';
import { startUpdater, type Updater } from './updater';
import { updateFeedUrl } from './updatePolicy';
import type { IpcLogger } from './validatedHandle';
import { APP_SCHEME, appEntryUrl, decideNavigation, decideWindowOpen, isAppUrl } from './urlPolicy';
import { isPermissionGranted, mainWindowOptions } from './windowOptions';

// Bundled to dist/electron/main.mjs; the editor build sits next to it in dist/renderer.
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.resolve(here, '../renderer');
const preloadPath = path.join(here, 'preload.cjs');

/** Replaced by build.ts (esbuild `define`) with USINE_PACKAGED_SERVER_URL at packaging time. */
declare const __USINE_PACKAGED_SERVER_URL__: string;

const recentErrors = createRecentErrors();
const logger: IpcLogger = {
  warn: (message, details) => console.warn(JSON.stringify({ level: 'warn', message, ...details })),
  error: (message, details) => {
    recentErrors.add(message);
    console.error(JSON.stringify({ level: 'error', message, ...details }));
  },
};

const server = resolveServerAddress({
  packaged: app.isPackaged,
  packagedServerUrl: __USINE_PACKAGED_SERVER_URL__,
  envServerUrl: process.env.USINE_SERVER_URL,
});
if (!server.ok) {
  console.error(server.message);
  dialog.showErrorBox('Usine à sites', server.message);
  app.exit(1);
} else {
  const endpoint = server.endpoint;
  const disposers: Array<() => void> = [];
  let sync: SyncReport | null = null;
  let updater: Updater | null = null;

  const writeSupportReport = async (rendererErrors: string[]) => {
    const text = buildSupportReport({
      generatedAt: new Date(),
      app: {
        version: app.getVersion(),
        platform: process.platform,
        electron: process.versions.electron ?? '',
        packaged: app.isPackaged,
      },
      os: { release: os.release(), arch: process.arch },
      serverUrl: endpoint.origin,
      sync,
      update: updater?.state() ?? { status: 'disabled' },
      errors: [...recentErrors.list(), ...rendererErrors],
    });
    const file = path.join(app.getPath('logs'), 'rapport-support.txt');
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text, { encoding: 'utf8', mode: 0o600 });
      return { text, file };
    } catch (error) {
      logger.warn('support report not written', { error: String(error) });
      return { text, file: null };
    }
  };

  // Must run before `ready`: app:// gets standard + secure semantics (origin, storage, CSP 'self').
  protocol.registerSchemesAsPrivileged([APP_SCHEME_REGISTRATION]);
  app.enableSandbox();

  const openExternally = (url: string): void => {
    void shell
      .openExternal(url)
      .catch((error: unknown) => logger.error('shell.openExternal failed', { error: String(error) }));
  };

  // Applies to every WebContents ever created, not only our window (checklist items 12–14).
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event) => {
      const decision = decideNavigation(event.url);
      if (decision.action === 'deny') {
        event.preventDefault();
        if (decision.openExternally) openExternally(event.url);
      }
    });
    contents.on('will-redirect', (event) => {
      if (decideNavigation(event.url).action === 'deny') event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (decideWindowOpen(url).openExternally) openExternally(url);
      return { action: 'deny' };
    });
  });

  const safeStorageForPlatform: SafeStorageLike = {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    encryptString: (text) => safeStorage.encryptString(text),
    decryptString: (blob) => safeStorage.decryptString(blob),
    // Only Linux reports a backend; elsewhere the OS keychain (DPAPI, Keychain) is always used.
    ...(process.platform === 'linux'
      ? { getSelectedStorageBackend: () => safeStorage.getSelectedStorageBackend() }
      : {}),
  };

  void app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((contents, permission, callback) =>
      callback(isPermissionGranted(permission, contents.getURL(), isAppUrl)),
    );
    ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
      isPermissionGranted(permission, requestingOrigin, isAppUrl),
    );

    protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({
        rootDir: rendererDir,
        contentSecurityPolicy: buildContentSecurityPolicy(endpoint),
        readFile: (file) => fs.readFile(file),
        realpath: (file) => fs.realpath(file),
      }),
    );
    disposers.push(() => protocol.unhandle(APP_SCHEME));

    disposers.push(
      registerIpcHandlers({
        ipcMain,
        credentials: createCredentialStore({
          safeStorage: safeStorageForPlatform,
          vault: createJsonFileVault(path.join(app.getPath('userData'), 'credentials.json')),
        }),
        appInfo: () => ({
          version: app.getVersion(),
          platform: process.platform,
          electron: process.versions.electron ?? '',
        }),
        openExternal: (url) => shell.openExternal(url),
        reportSync: (report) => {
          sync = report;
        },
        updateState: () => updater?.state() ?? { status: 'disabled' },
        supportReport: writeSupportReport,
        logger,
      }),
    );

    // electron-updater only works in an installed build (it reads resources/app-update.yml).
    if (app.isPackaged) {
      updater = startUpdater({
        autoUpdater: electronUpdater.autoUpdater,
        feedUrl: updateFeedUrl(endpoint.origin),
        pendingChanges: () => sync?.pendingChanges ?? null,
        setTimeout: (run, ms) => setTimeout(run, ms),
        setInterval: (run, ms) => setInterval(run, ms),
        clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
        logError: (message) => logger.error(message),
      });
      const running = updater;
      disposers.push(() => running.stop());
    }

    const window = new BrowserWindow(mainWindowOptions({ preloadPath, devTools: !app.isPackaged }));
    window.once('ready-to-show', () => window.show());
    void window.loadURL(appEntryUrl(endpoint, { serverFixed: server.fixed }));
  });

  app.on('window-all-closed', () => app.quit());
  // Runs before electron-updater's own 'quit' handler: an update waits while edits are unsent.
  app.on('before-quit', () => {
    const decision = updater?.beforeQuit();
    if (decision?.action === 'postpone')
      dialog.showMessageBoxSync({ type: 'info', title: 'Mise à jour reportée', message: decision.message });
  });
  app.on('will-quit', () => {
    for (const dispose of disposers.reverse()) dispose();
  });
}
