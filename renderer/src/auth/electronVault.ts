// In Electron, the refresh token is kept by the main process with safeStorage
// (electron/ipcContract.ts); in a browser `window.usine` is absent and there is no vault.
import type { UsineWindow } from '../../../electron/ipcContract';
import type { SecretVault } from '../store/DexieLocalStore';

export function electronVault(): SecretVault | undefined {
  const api = (window as unknown as UsineWindow).usine;
  if (!api) return undefined;
  return {
    async save(serverUrl, refreshToken) {
      const result = await api.saveCredentials({ serverUrl, refreshToken });
      return result.ok;
    },
    async load(serverUrl) {
      const result = await api.loadCredentials({ serverUrl });
      return result.ok ? result.value : null;
    },
    async clear(serverUrl) {
      await api.clearCredentials({ serverUrl });
    },
  };
}
