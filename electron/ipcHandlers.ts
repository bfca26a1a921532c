/**
 * Registers every channel of the IPC contract on `ipcMain`, each through `validatedHandle`, with
 * a runtime check of its arguments. Returns one disposer for all of them.
 */
import {
  IPC_ERRORS,
  ipcFail,
  ipcOk,
  SYNC_STATUSES,
  type AppInfo,
  type IpcArgs,
  type IpcChannel,
  type SupportReport,
  type SyncReport,
  type UpdateState,
} from './ipcContract';
import type { CredentialStore } from './credentialStore';
import { isAllowedExternalUrl } from './urlPolicy';
import { validatedHandle, type ArgsParser, type IpcLogger, type IpcMainLike } from './validatedHandle';

export interface IpcHandlerDeps {
  ipcMain: IpcMainLike;
  credentials: CredentialStore;
  appInfo: () => AppInfo;
  openExternal: (url: string) => Promise<void>;
  reportSync: (report: SyncReport) => void;
  updateState: () => UpdateState;
  supportReport: (rendererErrors: string[]) => Promise<SupportReport>;
  logger: IpcLogger;
}

/** Bounds of the renderer's input to a support report (each error is cut further when written). */
export const MAX_RENDERER_ERRORS = 50;
const MAX_PENDING_CHANGES = 1_000_000_000;

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

function noArgs<C extends 'app:info' | 'update:state'>(): ArgsParser<C> {
  return (raw) => (raw === undefined || raw === null ? { value: undefined as IpcArgs<C> } : undefined);
}

const syncReport: ArgsParser<'sync:report'> = (raw) => {
  if (!isPlainObject(raw) || Object.keys(raw).length !== 2) return undefined;
  const { status, pendingChanges } = raw;
  if (!(SYNC_STATUSES as readonly unknown[]).includes(status)) return undefined;
  if (!Number.isSafeInteger(pendingChanges) || (pendingChanges as number) < 0) return undefined;
  if ((pendingChanges as number) > MAX_PENDING_CHANGES) return undefined;
  return { value: { status: status as SyncReport['status'], pendingChanges: pendingChanges as number } };
};

const supportArgs: ArgsParser<'support:report'> = (raw) => {
  if (!isPlainObject(raw) || Object.keys(raw).length !== 1 || !Array.isArray(raw.errors)) return undefined;
  const errors: unknown[] = raw.errors;
  if (errors.length > MAX_RENDERER_ERRORS) return undefined;
  if (!errors.every((error) => typeof error === 'string' && error.length <= MAX_STRING_LENGTH))
    return undefined;
  return { value: { errors: errors as string[] } };
};

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
    validatedHandle(ipcMain, 'app:info', noArgs(), () => ipcOk(deps.appInfo()), logger),
    validatedHandle(
      ipcMain,
      'sync:report',
      syncReport,
      (report) => {
        deps.reportSync(report);
        return ipcOk(null);
      },
      logger,
    ),
    validatedHandle(ipcMain, 'update:state', noArgs(), () => ipcOk(deps.updateState()), logger),
    validatedHandle(
      ipcMain,
      'support:report',
      supportArgs,
      async (args) => ipcOk(await deps.supportReport(args.errors)),
      logger,
    ),
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
