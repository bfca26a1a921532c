/**
 * `ipcMain.handle` with the checks every channel needs: the sender frame must be our app://usine
 * page, the arguments are validated at runtime, and exceptions become `{ ok: false }` values.
 * Works against a minimal `IpcMainLike` so it is tested without Electron.
 */
import { IPC_ERRORS, ipcFail, type IpcArgs, type IpcChannel, type IpcChannelResult } from './ipcContract';
import { isAppUrl } from './urlPolicy';

/** The part of Electron's `IpcMainInvokeEvent` we rely on. */
export interface IpcInvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
}

/** The part of Electron's `ipcMain` we rely on. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Returns the parsed args, or `undefined` when the raw value does not match the channel's shape. */
export type ArgsParser<C extends IpcChannel> = (raw: unknown) => { value: IpcArgs<C> } | undefined;

/** A frame is trusted only when it shows our own page (`app://usine/…`). */
export function isTrustedSender(event: IpcInvokeEventLike): boolean {
  const frame = event.senderFrame;
  return frame !== null && typeof frame.url === 'string' && isAppUrl(frame.url);
}

/** Registers a validated handler; returns its disposer. */
export function validatedHandle<C extends IpcChannel>(
  ipcMain: IpcMainLike,
  channel: C,
  parseArgs: ArgsParser<C>,
  handler: (args: IpcArgs<C>) => Promise<IpcChannelResult<C>> | IpcChannelResult<C>,
  logger: IpcLogger,
): () => void {
  const listener = async (event: IpcInvokeEventLike, ...rawArgs: unknown[]): Promise<IpcChannelResult<C>> => {
    if (!isTrustedSender(event)) {
      logger.warn('ipc: sender refused', { channel, url: event.senderFrame?.url ?? null });
      return ipcFail(IPC_ERRORS.invalidSender);
    }
    const parsed = rawArgs.length <= 1 ? parseArgs(rawArgs[0]) : undefined;
    if (parsed === undefined) {
      logger.warn('ipc: invalid arguments', { channel });
      return ipcFail(IPC_ERRORS.invalidArguments);
    }
    try {
      return await handler(parsed.value);
    } catch (error) {
      logger.error('ipc: handler failed', { channel, error: String(error) });
      return ipcFail(IPC_ERRORS.internal);
    }
  };
  ipcMain.handle(channel, listener);
  return () => ipcMain.removeHandler(channel);
}
