/**
 * The BrowserWindow options main uses, kept here so the security-relevant flags are asserted by
 * a unit test instead of being trusted by eye.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export function secureWebPreferences(options: { preloadPath: string; devTools: boolean }): WebPreferences {
  return {
    preload: options.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true,
    devTools: options.devTools,
  };
}

export function mainWindowOptions(options: {
  preloadPath: string;
  devTools: boolean;
}): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 600,
    title: 'Usine à sites',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: secureWebPreferences(options),
  };
}

/** Permissions the editor page may obtain; everything else is refused. */
const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set([
  // navigator.storage.persist(): keeps the offline store from being evicted (see DESIGN.md).
  'persistent-storage',
  // Copy from the editor with the async clipboard API (write only; reading stays refused).
  'clipboard-sanitized-write',
]);

export function isPermissionGranted(
  permission: string,
  requestingUrl: string,
  isAppUrl: (url: string) => boolean,
): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}
