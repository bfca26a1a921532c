// Sender validation and argument checks of every IPC channel, with a fake ipcMain (no Electron).
import { describe, expect, it, vi } from 'vitest';
import { IPC_ERRORS, type IpcChannel } from './ipcContract';
import { MAX_RENDERER_ERRORS, registerIpcHandlers } from './ipcHandlers';
import type { CredentialStore } from './credentialStore';
import {
  isTrustedSender,
  validatedHandle,
  type IpcInvokeEventLike,
  type IpcMainLike,
} from './validatedHandle';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invoke = (channel: string, url: string | null, ...args: unknown[]) => {
    const listener = handlers.get(channel);
    if (listener === undefined) throw new Error(`no handler for ${channel}`);
    return listener({ senderFrame: url === null ? null : { url } }, ...args);
  };
  return { ipcMain, handlers, invoke };
}

const silent = { warn: () => {}, error: () => {} };
const APP = 'app://usine/index.html?server=http%3A%2F%2Flocalhost%3A8080';

describe('isTrustedSender', () => {
  it.each([
    'https://example.org/',
    'http://localhost:8080/app/',
    'file:///work/main/dist/renderer/index.html',
    'app://evil/index.html',
    'app://usine:1/',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,x',
    '',
  ])('rejects a frame at %s', (url) => expect(isTrustedSender({ senderFrame: { url } })).toBe(false));
  it('rejects a missing frame (destroyed or navigated away)', () =>
    expect(isTrustedSender({ senderFrame: null })).toBe(false));
  it('accepts app://usine', () => expect(isTrustedSender({ senderFrame: { url: APP } })).toBe(true));
});

describe('validatedHandle', () => {
  it('answers invalid-sender without running the handler', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const handler = vi.fn(() => ({ ok: true as const, value: null }));
    validatedHandle(
      ipcMain,
      'shell:openExternal',
      (raw) => ({ value: raw as { url: string } }),
      handler,
      silent,
    );
    for (const url of ['https://example.org/', 'file:///x', null]) {
      expect(await invoke('shell:openExternal', url, { url: 'https://a.fr' })).toEqual({
        ok: false,
        ...IPC_ERRORS.invalidSender,
      });
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a thrown error into an internal-error value', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const error = vi.fn();
    validatedHandle(
      ipcMain,
      'app:info',
      () => ({ value: undefined }),
      () => {
        throw new Error('boom');
      },
      { warn: () => {}, error },
    );
    expect(await invoke('app:info', APP)).toEqual({ ok: false, ...IPC_ERRORS.internal });
    expect(error).toHaveBeenCalledOnce();
  });

  it('returns a disposer that removes the handler', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispose = validatedHandle(
      ipcMain,
      'app:info',
      () => ({ value: undefined }),
      () => ({ ok: true, value: { version: '', platform: '', electron: '' } }),
      silent,
    );
    expect(handlers.has('app:info')).toBe(true);
    dispose();
    expect(handlers.has('app:info')).toBe(false);
  });
});

describe('registerIpcHandlers', () => {
  function setup() {
    const fake = fakeIpcMain();
    const credentials: CredentialStore = {
      save: vi.fn(async () => ({ ok: true as const, value: null })),
      load: vi.fn(async () => ({ ok: true as const, value: 'token' })),
      clear: vi.fn(async () => ({ ok: true as const, value: null })),
    };
    const openExternal = vi.fn(async () => {});
    const reportSync = vi.fn();
    const supportReport = vi.fn(async (errors: string[]) => ({
      text: `${errors.length} erreurs`,
      file: null,
    }));
    const dispose = registerIpcHandlers({
      ipcMain: fake.ipcMain,
      credentials,
      appInfo: () => ({ version: '0.1.0', platform: 'linux', electron: '45.4.1' }),
      openExternal,
      reportSync,
      updateState: () => ({ status: 'up-to-date' }),
      supportReport,
      logger: silent,
    });
    return { ...fake, credentials, openExternal, reportSync, supportReport, dispose };
  }

  it('registers exactly the contract channels and disposes them all', () => {
    const { handlers, dispose } = setup();
    const expected: IpcChannel[] = [
      'credentials:save',
      'credentials:load',
      'credentials:clear',
      'app:info',
      'shell:openExternal',
      'sync:report',
      'update:state',
      'support:report',
    ];
    expect([...handlers.keys()].sort()).toEqual([...expected].sort());
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('refuses every channel from a foreign frame', async () => {
    const { handlers, invoke, credentials, openExternal } = setup();
    for (const channel of handlers.keys()) {
      expect(
        await invoke(channel, 'https://evil.example/', { serverUrl: 'http://localhost:8080' }),
      ).toMatchObject({
        ok: false,
        code: 'invalid-sender',
      });
    }
    expect(credentials.save).not.toHaveBeenCalled();
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('validates argument shapes', async () => {
    const { invoke, credentials } = setup();
    for (const args of [
      undefined,
      null,
      'http://localhost:8080',
      { serverUrl: 1, refreshToken: 'x' },
      { serverUrl: 'http://localhost:8080' },
      { serverUrl: 'http://localhost:8080', refreshToken: 'x', extra: true },
      { serverUrl: 'http://localhost:8080', refreshToken: 'x'.repeat(10_000) },
      Object.assign(Object.create({ polluted: true }), { serverUrl: 'a', refreshToken: 'b' }),
    ]) {
      expect(await invoke('credentials:save', APP, args)).toMatchObject({
        ok: false,
        code: 'invalid-arguments',
      });
    }
    expect(await invoke('credentials:save', APP, { serverUrl: 'a' }, 'second')).toMatchObject({
      ok: false,
      code: 'invalid-arguments',
    });
    expect(await invoke('app:info', APP, { unexpected: 1 })).toMatchObject({
      ok: false,
      code: 'invalid-arguments',
    });
    expect(credentials.save).not.toHaveBeenCalled();
  });

  it('forwards valid calls', async () => {
    const { invoke, credentials } = setup();
    expect(
      await invoke('credentials:save', APP, { serverUrl: 'http://localhost:8080', refreshToken: 'r' }),
    ).toEqual({
      ok: true,
      value: null,
    });
    expect(credentials.save).toHaveBeenCalledWith('http://localhost:8080', 'r');
    expect(await invoke('credentials:load', APP, { serverUrl: 'http://localhost:8080' })).toEqual({
      ok: true,
      value: 'token',
    });
    expect(await invoke('app:info', APP)).toEqual({
      ok: true,
      value: { version: '0.1.0', platform: 'linux', electron: '45.4.1' },
    });
  });

  it('opens only http(s) URLs externally', async () => {
    const { invoke, openExternal } = setup();
    expect(await invoke('shell:openExternal', APP, { url: 'https://www.service-public.fr/' })).toEqual({
      ok: true,
      value: null,
    });
    expect(openExternal).toHaveBeenCalledWith('https://www.service-public.fr/');
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'app://usine/index.html', 'smb://x/y']) {
      expect(await invoke('shell:openExternal', APP, { url })).toEqual({
        ok: false,
        ...IPC_ERRORS.urlRefused,
      });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('takes the sync state and support requests only in their exact shape', async () => {
    const { invoke, reportSync, supportReport } = setup();
    for (const args of [
      { status: 'connected' },
      { status: 'hacked', pendingChanges: 0 },
      { status: 'offline', pendingChanges: -1 },
      { status: 'offline', pendingChanges: 1.5 },
      { status: 'offline', pendingChanges: 2e9 },
      { status: 'offline', pendingChanges: 0, extra: 1 },
    ]) {
      expect(await invoke('sync:report', APP, args), JSON.stringify(args)).toMatchObject({
        code: 'invalid-arguments',
      });
    }
    for (const args of [
      {},
      { errors: 'x' },
      { errors: [1] },
      { errors: Array.from({ length: MAX_RENDERER_ERRORS + 1 }, () => 'e') },
      { errors: ['x'.repeat(10_000)] },
    ]) {
      expect(await invoke('support:report', APP, args)).toMatchObject({ code: 'invalid-arguments' });
    }
    expect(reportSync).not.toHaveBeenCalled();
    expect(supportReport).not.toHaveBeenCalled();
    expect(await invoke('sync:report', APP, { status: 'offline', pendingChanges: 3 })).toEqual({
      ok: true,
      value: null,
    });
    expect(reportSync).toHaveBeenCalledWith({ status: 'offline', pendingChanges: 3 });
    expect(await invoke('support:report', APP, { errors: ['a', 'b'] })).toEqual({
      ok: true,
      value: { text: '2 erreurs', file: null },
    });
    expect(await invoke('update:state', APP)).toEqual({ ok: true, value: { status: 'up-to-date' } });
  });
});
