// Credential store over a fake SafeStorageLike.
// The fake is deliberate: Electron's real safeStorage exists only inside the Electron binary,
// which cannot be installed in this environment. The fake "encrypts" reversibly with a marker so
// the tests can also prove that the stored blob is not the plaintext token.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonFileVault } from './credentialFile';
import { createCredentialStore, type CredentialVault, type SafeStorageLike } from './credentialStore';
import { IPC_ERRORS } from './ipcContract';

function fakeSafeStorage(overrides: Partial<SafeStorageLike> = {}): SafeStorageLike {
  return {
    isEncryptionAvailable: () => true,
    encryptString: (text) => Buffer.from(`enc:${Buffer.from(text).toString('hex')}`),
    decryptString: (blob) => {
      const text = blob.toString();
      if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided');
      return Buffer.from(text.slice(4), 'hex').toString();
    },
    getSelectedStorageBackend: () => 'gnome_libsecret',
    ...overrides,
  };
}

function memoryVault(): CredentialVault & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    read: async () => new Map(entries),
    write: async (next) => {
      entries.clear();
      for (const [k, v] of next) entries.set(k, v);
    },
  };
}

describe('createCredentialStore', () => {
  it('refuses to store when the backend is basic_text, in French, and writes nothing', async () => {
    const vault = memoryVault();
    const store = createCredentialStore({
      safeStorage: fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }),
      vault,
    });
    const result = await store.save('http://localhost:8080', 'refresh-1');
    expect(result).toEqual({ ok: false, ...IPC_ERRORS.insecureStorage });
    if (!result.ok) expect(result.message).toMatch(/trousseau sécurisé/);
    expect(vault.entries.size).toBe(0);
  });

  it('refuses to store when encryption is unavailable', async () => {
    const vault = memoryVault();
    const store = createCredentialStore({
      safeStorage: fakeSafeStorage({ isEncryptionAvailable: () => false }),
      vault,
    });
    expect(await store.save('http://localhost:8080', 'r')).toEqual({
      ok: false,
      ...IPC_ERRORS.encryptionUnavailable,
    });
    expect(vault.entries.size).toBe(0);
  });

  it('works on platforms without getSelectedStorageBackend (Windows, macOS)', async () => {
    const safeStorage = fakeSafeStorage();
    delete safeStorage.getSelectedStorageBackend;
    const store = createCredentialStore({ safeStorage, vault: memoryVault() });
    expect(await store.save('https://usine.example.fr', 'r')).toEqual({ ok: true, value: null });
  });

  it('round-trips a token per server origin, stored encrypted', async () => {
    const vault = memoryVault();
    const store = createCredentialStore({ safeStorage: fakeSafeStorage(), vault });
    expect(await store.load('http://localhost:8080')).toEqual({ ok: true, value: null });
    expect(await store.save('http://localhost:8080/some/path', 'refresh-local')).toEqual({
      ok: true,
      value: null,
    });
    expect(await store.save('https://usine.example.fr', 'refresh-remote')).toEqual({ ok: true, value: null });

    expect(await store.load('http://localhost:8080')).toEqual({ ok: true, value: 'refresh-local' });
    expect(await store.load('https://usine.example.fr/')).toEqual({ ok: true, value: 'refresh-remote' });
    expect([...vault.entries.keys()].sort()).toEqual(['http://localhost:8080', 'https://usine.example.fr']);
    for (const blob of vault.entries.values()) expect(blob).not.toContain('refresh');

    expect(await store.clear('http://localhost:8080')).toEqual({ ok: true, value: null });
    expect(await store.load('http://localhost:8080')).toEqual({ ok: true, value: null });
    expect(await store.load('https://usine.example.fr')).toEqual({ ok: true, value: 'refresh-remote' });
  });

  it('keeps both tokens when two saves race', async () => {
    const store = createCredentialStore({ safeStorage: fakeSafeStorage(), vault: memoryVault() });
    await Promise.all([store.save('http://a.fr', '1'), store.save('http://b.fr', '2')]);
    expect(await store.load('http://a.fr')).toEqual({ ok: true, value: '1' });
    expect(await store.load('http://b.fr')).toEqual({ ok: true, value: '2' });
  });

  it('reports an unreadable token instead of throwing', async () => {
    const vault = memoryVault();
    vault.entries.set('http://localhost:8080', Buffer.from('garbage').toString('base64'));
    const store = createCredentialStore({ safeStorage: fakeSafeStorage(), vault });
    expect(await store.load('http://localhost:8080')).toEqual({
      ok: false,
      ...IPC_ERRORS.credentialsUnreadable,
    });
  });

  it('refuses invalid server URLs and empty or oversized tokens', async () => {
    const store = createCredentialStore({ safeStorage: fakeSafeStorage(), vault: memoryVault() });
    for (const [url, token] of [
      ['', 't'],
      ['file:///etc', 't'],
      ['javascript:alert(1)', 't'],
      ['http://localhost:8080', ''],
      ['http://localhost:8080', 'x'.repeat(5000)],
    ] as const) {
      expect(await store.save(url, token)).toMatchObject({ ok: false, code: 'invalid-arguments' });
    }
    expect(await store.load('__proto__')).toMatchObject({ ok: false, code: 'invalid-arguments' });
  });
});

describe('createJsonFileVault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'usine-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists across instances, with owner-only permissions, never in plaintext', async () => {
    const file = path.join(dir, 'nested', 'credentials.json');
    const first = createCredentialStore({ safeStorage: fakeSafeStorage(), vault: createJsonFileVault(file) });
    await first.save('http://localhost:8080', 'refresh-secret');
    const second = createCredentialStore({
      safeStorage: fakeSafeStorage(),
      vault: createJsonFileVault(file),
    });
    expect(await second.load('http://localhost:8080')).toEqual({ ok: true, value: 'refresh-secret' });
    expect(await readFile(file, 'utf8')).not.toContain('refresh-secret');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('treats a missing or corrupt file as empty and ignores non-string values and non-origin keys', async () => {
    const file = path.join(dir, 'credentials.json');
    expect((await createJsonFileVault(file).read()).size).toBe(0);
    await writeFile(file, '{not json');
    expect((await createJsonFileVault(file).read()).size).toBe(0);
    await writeFile(
      file,
      '{"http://a.fr":"blob","http://b.fr":42,"__proto__":"x","not a url":"y","http://c.fr/path":"z"}',
    );
    expect([...(await createJsonFileVault(file).read()).keys()]).toEqual(['http://a.fr']);
  });
});
