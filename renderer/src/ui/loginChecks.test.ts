// The login form's own checks (French, one per field) and the entry URL's server options.
import { describe, expect, it } from 'vitest';
import { checkLogin, entryServer, LOGIN_MESSAGES_FR } from './loginChecks';

describe('checkLogin', () => {
  it('accepts a complete form', () => {
    expect(checkLogin({ serverUrl: 'usine.exemple.fr', email: ' a.b@mairie.fr ', password: 'x' })).toEqual(
      {},
    );
  });

  it('names each missing or malformed field in French', () => {
    expect(checkLogin({ serverUrl: ' ', email: '', password: '' })).toEqual({
      server: LOGIN_MESSAGES_FR.serverMissing,
      email: LOGIN_MESSAGES_FR.emailMissing,
      password: LOGIN_MESSAGES_FR.passwordMissing,
    });
    expect(checkLogin({ serverUrl: 'ftp://usine.fr', email: 'secretariat@', password: 'x' })).toEqual({
      server: LOGIN_MESSAGES_FR.serverInvalid,
      email: LOGIN_MESSAGES_FR.emailInvalid,
    });
  });
});

describe('entryServer', () => {
  it('reads serverFixed=1 and the server of the desktop entry URL', () => {
    expect(entryServer('?server=https%3A%2F%2Fusine.ampmetropole.fr&serverFixed=1', undefined)).toEqual({
      serverUrl: 'https://usine.ampmetropole.fr',
      fixed: true,
    });
    expect(entryServer('?server=https%3A%2F%2Fusine.ampmetropole.fr', undefined)).toEqual({
      serverUrl: 'https://usine.ampmetropole.fr',
      fixed: false,
    });
    expect(entryServer('?serverFixed=0', undefined).fixed).toBe(false);
    expect(entryServer('', undefined)).toEqual({ serverUrl: '', fixed: false });
  });

  it('reads what the desktop app puts in its entry URL (electron/urlPolicy appEntryUrl)', () => {
    // The exact URLs electron/serverAddress.test.ts expects from appEntryUrl.
    const fixed = new URL('app://usine/index.html?server=https%3A%2F%2Fusine.ampmetropole.fr&serverFixed=1');
    const asked = new URL('app://usine/index.html?server=https%3A%2F%2Fusine.ampmetropole.fr');
    expect(entryServer(fixed.search, undefined)).toEqual({
      serverUrl: 'https://usine.ampmetropole.fr',
      fixed: true,
    });
    expect(entryServer(asked.search, undefined)).toEqual({
      serverUrl: 'https://usine.ampmetropole.fr',
      fixed: false,
    });
  });

  it('over http, the server is the page origin', () => {
    expect(entryServer('?serverFixed=1', 'http://127.0.0.1:8080')).toEqual({
      serverUrl: 'http://127.0.0.1:8080',
      fixed: true,
    });
  });
});
