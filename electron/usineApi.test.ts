// The API the preload exposes is exactly the contract's methods, each bound to its own channel.
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS } from './ipcContract';
import { createUsineApi } from './usineApi';

describe('createUsineApi', () => {
  it('exposes one frozen function per contract method and nothing else', () => {
    const api = createUsineApi(async () => null);
    expect(Object.keys(api).sort()).toEqual(Object.keys(API_METHODS).sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('invokes each method on its channel with its single argument', async () => {
    const invoke = vi.fn(async (channel: string) => ({ ok: true, value: channel }));
    const api = createUsineApi(invoke);
    await api.saveCredentials({ serverUrl: 'http://localhost:8080', refreshToken: 'r' });
    await api.loadCredentials({ serverUrl: 'http://localhost:8080' });
    await api.clearCredentials({ serverUrl: 'http://localhost:8080' });
    await api.appInfo();
    await api.openExternal({ url: 'https://example.org' });
    expect(invoke.mock.calls).toEqual([
      ['credentials:save', { serverUrl: 'http://localhost:8080', refreshToken: 'r' }],
      ['credentials:load', { serverUrl: 'http://localhost:8080' }],
      ['credentials:clear', { serverUrl: 'http://localhost:8080' }],
      ['app:info', undefined],
      ['shell:openExternal', { url: 'https://example.org' }],
    ]);
  });
});
