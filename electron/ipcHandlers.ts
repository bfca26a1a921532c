/**
 * Registers every channel of the IPC contract on `ipcMain`, each through `validatedHandle`, with
 * a runtime check of its arguments. Returns one disposer for all of them.
 */
import { IPC_ERRORS, ipcFail, ipcOk, type AppInfo, type IpcArgs, type IpcChannel } from './ipcContract';
import type { CredentialStore } from './credentialStore';
import { isAllowedExternalUrl } from './urlPolicy';
import { validatedHandle, type ArgsParser, type IpcLogger, type IpcMainLike } from './validatedHandle';

export interface IpcHandlerDeps {
  ipcMain: IpcMainLike;
  credentials: CredentialStore;
  appInfo: () => AppInfo;
  openExternal: (url: string) => Promise<void>;
  logger: IpcLogger;
}

const MAX_URL_LENGTH = 2048;
const MAX_STRING_LENGTH = 8192;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Parser for an object whose listed keys are all bounded strings (and which has no other key). */
function stringFields<C extends IpcChannel>(...keys: string[]): ArgsParser<C> {
  return (raw) => {
    if (!isPlainObject(raw)) return undefined;
    if (Object.keys(raw).length !== keys.length) return undefined;
    for (const key of keys) {
      const value = raw[key];
      if (typeof value !== 'string' || value.length > MAX_STRING_LENGTH) return undefined;
    }
    return { value: raw as IpcArgs<C> };
  };
}

const noArgs: ArgsParser<'app:info'> = (raw) =>
  raw === undefined || raw === null ? { value: undefined } : undefined;

export function registerIpcHandlers(deps: IpcHandlerDeps): () => void {
  const { ipcMain, credentials, logger } = deps;
  const disposers = [
    validatedHandle(
      ipcMain,
      'credentials:save',
      stringFields('serverUrl', 'refreshToken'),
      (args) => credentials.save(args.serverUrl, args.refreshToken),
      logger,
    ),
    validatedHandle(
      ipcMain,
      'credentials:load',
      stringFields('serverUrl'),
      (args) => credentials.load(args.serverUrl),
      logger,
    ),
    validatedHandle(
      ipcMain,
      'credentials:clear',
      stringFields('serverUrl'),
      (args) => credentials.clear(args.serverUrl),
      logger,
    ),
    validatedHandle(ipcMain, 'app:info', noArgs, () => ipcOk(deps.appInfo()), logger),
    validatedHandle(
      ipcMain,
      'shell:openExternal',
      stringFields('url'),
      async (args) => {
        if (args.url.length > MAX_URL_LENGTH || !isAllowedExternalUrl(args.url))
          return ipcFail(IPC_ERRORS.urlRefused);
        await deps.openExternal(args.url);
        return ipcOk(null);
      },
      logger,
    ),
  ];
  return () => {
    for (const dispose of disposers.reverse()) dispose();
  };
}
