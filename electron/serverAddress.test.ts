// The installed build's server address is the one fixed at packaging; only a development build
// reads USINE_SERVER_URL.
import { describe, expect, it } from 'vitest';
import { MISSING_PACKAGED_SERVER, resolveServerAddress } from './serverAddress';
import { appEntryUrl } from './urlPolicy';

describe('resolveServerAddress', () => {
  it('uses the packaged address and ignores the environment in an installed build', () => {
    const address = resolveServerAddress({
      packaged: true,
      packagedServerUrl: 'https://usine.ampmetropole.fr/',
      envServerUrl: 'http://attacker.example:8080',
    });
    expect(address).toMatchObject({
      ok: true,
      fixed: true,
      endpoint: { origin: 'https://usine.ampmetropole.fr' },
    });
  });

  it('refuses to start an installed build packaged without an address', () => {
    expect(
      resolveServerAddress({ packaged: true, packagedServerUrl: ' ', envServerUrl: 'http://x' }),
    ).toEqual({
      ok: false,
      message: MISSING_PACKAGED_SERVER,
      fixed: true,
    });
  });

  it('reads USINE_SERVER_URL (or localhost) in a development build', () => {
    expect(
      resolveServerAddress({
        packaged: false,
        packagedServerUrl: 'https://m.fr',
        envServerUrl: 'http://127.0.0.1:9000',
      }),
    ).toMatchObject({
      ok: true,
      fixed: false,
      endpoint: { origin: 'http://127.0.0.1:9000' },
    });
    expect(
      resolveServerAddress({ packaged: false, packagedServerUrl: '', envServerUrl: undefined }),
    ).toMatchObject({
      ok: true,
      endpoint: { origin: 'http://localhost:8080' },
    });
  });

  it('tells the renderer when the address is fixed, so the login form does not ask for it', () => {
    const endpoint = { origin: 'https://usine.ampmetropole.fr', wsOrigin: 'wss://usine.ampmetropole.fr' };
    expect(appEntryUrl(endpoint, { serverFixed: true })).toBe(
      'app://usine/index.html?server=https%3A%2F%2Fusine.ampmetropole.fr&serverFixed=1',
    );
    expect(appEntryUrl(endpoint)).not.toContain('serverFixed');
  });
});
