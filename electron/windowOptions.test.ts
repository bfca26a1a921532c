// The BrowserWindow options main uses carry the security checklist's flags.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppUrl } from './urlPolicy';
import { isPermissionGranted, mainWindowOptions, secureWebPreferences } from './windowOptions';

describe('secureWebPreferences', () => {
  const prefs = secureWebPreferences({ preloadPath: '/app/dist/electron/preload.cjs', devTools: false });

  it('isolates and sandboxes the renderer, without Node', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and risky features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('enableRemoteModule');
  });

  it('uses the bundled preload and honours the devTools switch', () => {
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
    expect(prefs.devTools).toBe(false);
    expect(secureWebPreferences({ preloadPath: 'p', devTools: true }).devTools).toBe(true);
  });

  it('is what the main window is built with', () => {
    expect(mainWindowOptions({ preloadPath: 'p', devTools: false }).webPreferences).toEqual(
      secureWebPreferences({ preloadPath: 'p', devTools: false }),
    );
  });

  it('main.ts builds its window from mainWindowOptions and overrides no webPreferences', () => {
    const source = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/new BrowserWindow\(mainWindowOptions\(/);
    expect(source).not.toMatch(/webPreferences|nodeIntegration|contextIsolation|sandbox:/);
  });
});

describe('isPermissionGranted', () => {
  it('denies by default', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'unknown',
    ]) {
      expect(isPermissionGranted(permission, 'app://usine/index.html', isAppUrl), permission).toBe(false);
    }
  });
  it('grants the small allow-list to app://usine only', () => {
    expect(isPermissionGranted('persistent-storage', 'app://usine/index.html', isAppUrl)).toBe(true);
    expect(isPermissionGranted('persistent-storage', 'app://usine', isAppUrl)).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'app://usine/', isAppUrl)).toBe(true);
    expect(isPermissionGranted('persistent-storage', 'https://evil.example/', isAppUrl)).toBe(false);
  });
});
