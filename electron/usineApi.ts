/**
 * Builds the object the preload exposes as `window.usine` from the contract's method → channel
 * table. `invoke` is `ipcRenderer.invoke` in the preload and a spy in tests.
 */
import { API_METHODS, type IpcChannel, type UsineApi, type UsineApiMethod } from './ipcContract';

export function createUsineApi(invoke: (channel: IpcChannel, args: unknown) => Promise<unknown>): UsineApi {
  const api = Object.fromEntries(
    (Object.keys(API_METHODS) as UsineApiMethod[]).map((method) => [
      method,
      (args: unknown) => invoke(API_METHODS[method], args),
    ]),
  );
  return Object.freeze(api) as UsineApi;
}
