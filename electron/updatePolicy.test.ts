// The update policy and its wiring to electron-updater. The real `autoUpdater` needs the
// Electron binary (it reads `app` when loaded), so the wiring runs against a fake EventEmitter
// with the same events; the policy itself is pure.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { UpdateState } from './ipcContract';
import { startUpdater, type AutoUpdaterLike } from './updater';
import {
  CHECK_INTERVAL_MS,
  clampPercent,
  decideAtQuit,
  describeUpdateState,
  FIRST_CHECK_DELAY_MS,
  UNKNOWN_SYNC_MESSAGE,
  updateFeedUrl,
} from './updatePolicy';

describe('decideAtQuit', () => {
  it('installs a downloaded update only when nothing is pending', () => {
    expect(decideAtQuit({ updateDownloaded: true, pendingChanges: 0 })).toEqual({ action: 'install' });
    expect(decideAtQuit({ updateDownloaded: false, pendingChanges: 0 })).toEqual({ action: 'quit' });
    expect(decideAtQuit({ updateDownloaded: false, pendingChanges: 4 })).toEqual({ action: 'quit' });
  });

  it('postpones with a French message while edits are unsent', () => {
    const one = decideAtQuit({ updateDownloaded: true, pendingChanges: 1 });
    expect(one).toEqual({
      action: 'postpone',
      message: expect.stringContaining('1 modification n’est pas encore envoyée au serveur'),
    });
    expect(decideAtQuit({ updateDownloaded: true, pendingChanges: null })).toEqual({
      action: 'postpone',
      message: UNKNOWN_SYNC_MESSAGE,
    });
    const many = decideAtQuit({ updateDownloaded: true, pendingChanges: 7 });
    expect(many.action === 'postpone' && many.message).toContain(
      '7 modifications ne sont pas encore envoyées',
    );
  });
});

describe('updateFeedUrl', () => {
  it('is /updates/ on the server origin, whatever the path or query', () => {
    expect(updateFeedUrl('https://usine.ampmetropole.fr')).toBe('https://usine.ampmetropole.fr/updates/');
    expect(updateFeedUrl('http://localhost:8080/app/?x=1')).toBe('http://localhost:8080/updates/');
  });
});

describe('describeUpdateState / clampPercent', () => {
  it('has a French sentence for every state', () => {
    const states: UpdateState[] = [
      { status: 'disabled' },
      { status: 'idle' },
      { status: 'checking' },
      { status: 'up-to-date' },
      { status: 'downloading', version: '1.2.0', percent: 40 },
      { status: 'downloaded', version: '1.2.0' },
      { status: 'error', message: 'serveur injoignable.' },
    ];
    const sentences = states.map(describeUpdateState);
    expect(new Set(sentences).size).toBe(states.length);
    expect(sentences[4]).toBe('Téléchargement de la version 1.2.0 : 40 %.');
  });
  it('bounds percentages', () => {
    expect([
      clampPercent(-3),
      clampPercent(42.9),
      clampPercent(250),
      clampPercent(Number.NaN),
      clampPercent('9'),
    ]).toEqual([0, 42, 100, 0, 0]);
  });
});

class FakeUpdater extends EventEmitter implements AutoUpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  allowDowngrade = true;
  disableDifferentialDownload = true;
  feeds: unknown[] = [];
  checks = 0;
  setFeedURL(options: { provider: 'generic'; url: string }): void {
    this.feeds.push(options);
  }
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  checkForUpdates(): Promise<unknown> {
    this.checks += 1;
    return Promise.reject(new Error('offline'));
  }
}

function setup(pending: number | null = 0) {
  const fake = new FakeUpdater();
  const timers: Array<{ run: () => void; ms: number; repeat: boolean; cleared: boolean }> = [];
  const errors: string[] = [];
  let pendingChanges = pending;
  const updater = startUpdater({
    autoUpdater: fake,
    feedUrl: 'https://usine.ampmetropole.fr/updates/',
    pendingChanges: () => pendingChanges,
    setTimeout: (run, ms) => timers.push({ run, ms, repeat: false, cleared: false }) - 1,
    setInterval: (run, ms) => timers.push({ run, ms, repeat: true, cleared: false }) - 1,
    clearTimer: (index) => {
      timers[index as number]!.cleared = true;
    },
    logError: (message) => errors.push(message),
  });
  return { fake, timers, errors, updater, setPending: (n: number | null) => (pendingChanges = n) };
}

describe('startUpdater', () => {
  it('uses the generic feed, downloads in the background (differentially), never downgrades', () => {
    const { fake } = setup();
    expect(fake.feeds).toEqual([{ provider: 'generic', url: 'https://usine.ampmetropole.fr/updates/' }]);
    expect(fake.autoDownload).toBe(true);
    expect(fake.allowDowngrade).toBe(false);
    expect(fake.disableDifferentialDownload).toBe(false);
  });

  it('checks shortly after start and then every few hours, until stopped', () => {
    const { fake, timers, updater } = setup();
    expect(timers.map(({ ms, repeat }) => ({ ms, repeat }))).toEqual([
      { ms: FIRST_CHECK_DELAY_MS, repeat: false },
      { ms: CHECK_INTERVAL_MS, repeat: true },
    ]);
    timers[0]!.run();
    timers[1]!.run();
    expect(fake.checks).toBe(2);
    updater.stop();
    expect(timers.every((timer) => timer.cleared)).toBe(true);
  });

  it('follows electron-updater events into a state the renderer can show', () => {
    const { fake, updater, errors } = setup();
    expect(updater.state()).toEqual({ status: 'idle' });
    fake.emit('checking-for-update');
    expect(updater.state()).toEqual({ status: 'checking' });
    fake.emit('update-not-available', { version: '1.0.0' });
    expect(updater.state()).toEqual({ status: 'up-to-date' });
    fake.emit('update-available', { version: '1.1.0' });
    fake.emit('download-progress', { percent: 55.5 });
    expect(updater.state()).toEqual({ status: 'downloading', version: '1.1.0', percent: 55 });
    fake.emit('error', new Error('sha512 checksum mismatch'));
    expect(updater.state()).toEqual({ status: 'error', message: expect.stringMatching(/injoignable/) });
    expect(errors).toEqual(['Mise à jour : sha512 checksum mismatch']);
    fake.emit('update-downloaded', { version: '1.1.0' });
    fake.emit('checking-for-update');
    expect(updater.state()).toEqual({ status: 'downloaded', version: '1.1.0' });
  });

  it('disarms install-at-quit while changes are pending, re-arms when they are sent', () => {
    const { fake, updater, setPending } = setup(2);
    expect(updater.beforeQuit()).toEqual({ action: 'quit' });
    fake.emit('update-downloaded', { version: '1.1.0' });
    expect(updater.beforeQuit().action).toBe('postpone');
    expect(fake.autoInstallOnAppQuit).toBe(false);
    setPending(null);
    expect(updater.beforeQuit().action).toBe('postpone');
    setPending(0);
    expect(updater.beforeQuit()).toEqual({ action: 'install' });
    expect(fake.autoInstallOnAppQuit).toBe(true);
  });
});
