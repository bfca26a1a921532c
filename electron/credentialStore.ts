/**
 * Keeps one refresh token per server origin, encrypted with Electron's safeStorage.
 * Refuses to store anything when the OS offers no real keyring (Linux `basic_text` backend):
 * a token "encrypted" with a hard-coded key is a plaintext token, so we say so and store nothing.
 * safeStorage and the file holding the encrypted blobs are parameters (tested without Electron).
 */
import { IPC_ERRORS, ipcFail, ipcOk, type IpcResult } from './ipcContract';
import { parseServerUrl } from './urlPolicy';

/** The part of Electron's `safeStorage` we use. `getSelectedStorageBackend` exists on Linux only. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/** Where encrypted blobs (base64) are persisted, keyed by server origin. */
export interface CredentialVault {
  read(): Promise<ReadonlyMap<string, string>>;
  write(entries: ReadonlyMap<string, string>): Promise<void>;
}

export interface CredentialStore {
  save(serverUrl: string, refreshToken: string): Promise<IpcResult<null>>;
  load(serverUrl: string): Promise<IpcResult<string | null>>;
  clear(serverUrl: string): Promise<IpcResult<null>>;
}

/** Upper bound of a refresh token; our tokens are far shorter, this only bounds untrusted input. */
export const MAX_REFRESH_TOKEN_LENGTH = 4096;

export function createCredentialStore(deps: {
  safeStorage: SafeStorageLike;
  vault: CredentialVault;
}): CredentialStore {
  const { safeStorage, vault } = deps;

  const keyFor = (serverUrl: string): string | null => {
    const parsed = parseServerUrl(serverUrl);
    return parsed.ok && serverUrl.trim() !== '' ? parsed.endpoint.origin : null;
  };

  // Serialises read-modify-write cycles so two saves never lose one another.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    save(serverUrl, refreshToken) {
      return exclusive(async () => {
        const key = keyFor(serverUrl);
        if (key === null || refreshToken === '' || refreshToken.length > MAX_REFRESH_TOKEN_LENGTH) {
          return ipcFail(IPC_ERRORS.invalidArguments);
        }
        if (safeStorage.getSelectedStorageBackend?.() === 'basic_text')
          return ipcFail(IPC_ERRORS.insecureStorage);
        if (!safeStorage.isEncryptionAvailable()) return ipcFail(IPC_ERRORS.encryptionUnavailable);
        const entries = new Map(await vault.read());
        entries.set(key, safeStorage.encryptString(refreshToken).toString('base64'));
        await vault.write(entries);
        return ipcOk(null);
      });
    },

    load(serverUrl) {
      return exclusive(async () => {
        const key = keyFor(serverUrl);
        if (key === null) return ipcFail(IPC_ERRORS.invalidArguments);
        const blob = (await vault.read()).get(key);
        if (blob === undefined) return ipcOk(null);
        if (!safeStorage.isEncryptionAvailable()) return ipcFail(IPC_ERRORS.encryptionUnavailable);
        try {
          return ipcOk(safeStorage.decryptString(Buffer.from(blob, 'base64')));
        } catch {
          return ipcFail(IPC_ERRORS.credentialsUnreadable);
        }
      });
    },

    clear(serverUrl) {
      return exclusive(async () => {
        const key = keyFor(serverUrl);
        if (key === null) return ipcFail(IPC_ERRORS.invalidArguments);
        const entries = new Map(await vault.read());
        if (entries.delete(key)) await vault.write(entries);
        return ipcOk(null);
      });
    },
  };
}
