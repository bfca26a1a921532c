/**
 * The one IPC contract between the renderer, the preload and the main process.
 *
 * Exchange: the renderer calls `window.usine.<method>(args)`; the preload forwards it with
 * `ipcRenderer.invoke(channel, args)`; main answers through `validatedHandle`, which first checks
 * that the sender frame is our `app://usine` page, then validates the arguments at runtime.
 * Every answer is a value, never a thrown error: `{ ok: true, value }` or
 * `{ ok: false, code, message }` where `message` is French and can be shown to the agent as is.
 *
 * This file holds types and plain constants only (no Electron, no Node): the renderer imports it,
 * the preload bundles it.
 */

/** Version of this contract; bump it on any incompatible change of a channel's args or result. */
export const IPC_CONTRACT_VERSION = 2;

/** Name of the global the preload exposes: `window.usine`. */
export const API_GLOBAL_NAME = 'usine';

export interface AppInfo {
  /** Version of the desktop application (package version). */
  version: string;
  /** `process.platform` of the main process: 'win32' | 'darwin' | 'linux' | … */
  platform: string;
  /** Electron version, for support requests. */
  electron: string;
}

/** Where the desktop app's update stands (electron-updater, see updater.ts). */
export type UpdateState =
  | { status: 'disabled' }
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'up-to-date' }
  | { status: 'downloading'; version: string; percent: number }
  | { status: 'downloaded'; version: string }
  | { status: 'error'; message: string };

/** The editor's connection to the server, as the renderer knows it. */
export const SYNC_STATUSES = ['connected', 'connecting', 'offline', 'error'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface SyncReport {
  status: SyncStatus;
  /** Local changes not yet acknowledged by the server. */
  pendingChanges: number;
}

export interface SupportReport {
  /** The report as shown and copied (French, no secret, no page content). */
  text: string;
  /** The log file holding the same text, for the agent to attach; null if it could not be written. */
  file: string | null;
}

/** Channel → { args, result value }. `args` is the single argument sent over IPC. */
export interface IpcContract {
  /** Store the refresh token for a server (encrypted with safeStorage). */
  'credentials:save': { args: { serverUrl: string; refreshToken: string }; result: null };
  /** The stored refresh token for a server, or null when none is stored. */
  'credentials:load': { args: { serverUrl: string }; result: string | null };
  /** Forget the refresh token for a server (logout). */
  'credentials:clear': { args: { serverUrl: string }; result: null };
  'app:info': { args: void; result: AppInfo };
  /** Open an http(s) URL in the user's browser; any other scheme is refused. */
  'shell:openExternal': { args: { url: string }; result: null };
  /** The renderer tells main its sync state (updates are never installed with changes pending). */
  'sync:report': { args: SyncReport; result: null };
  'update:state': { args: void; result: UpdateState };
  /** « Signaler un problème »: builds the support report, with the renderer's last errors. */
  'support:report': { args: { errors: string[] }; result: SupportReport };
}

export type IpcChannel = keyof IpcContract;
export type IpcArgs<C extends IpcChannel> = IpcContract[C]['args'];
export type IpcValue<C extends IpcChannel> = IpcContract[C]['result'];

/** Every error crossing IPC, with its French message. */
export const IPC_ERRORS = {
  invalidSender: {
    code: 'invalid-sender',
    message: "Requête refusée : elle ne provient pas de l'éditeur de l'application.",
  },
  invalidArguments: {
    code: 'invalid-arguments',
    message: 'Requête refusée : paramètres invalides.',
  },
  insecureStorage: {
    code: 'insecure-storage',
    message:
      "Aucun trousseau sécurisé n'est disponible sur ce poste : la session ne sera pas mémorisée. " +
      'Vous devrez vous reconnecter au prochain démarrage.',
  },
  encryptionUnavailable: {
    code: 'encryption-unavailable',
    message: "Le chiffrement du système n'est pas disponible : la session ne peut pas être mémorisée.",
  },
  credentialsUnreadable: {
    code: 'credentials-unreadable',
    message: 'La session mémorisée ne peut pas être relue sur ce poste : veuillez vous reconnecter.',
  },
  urlRefused: {
    code: 'url-refused',
    message: 'Ce lien ne peut pas être ouvert : seules les adresses http et https sont autorisées.',
  },
  internal: {
    code: 'internal',
    message:
      "Une erreur interne de l'application est survenue. Réessayez ; si cela persiste, contactez le support.",
  },
} as const;

export type IpcErrorCode = (typeof IPC_ERRORS)[keyof typeof IPC_ERRORS]['code'];

export type IpcFailure = { ok: false; code: IpcErrorCode; message: string };
export type IpcResult<T> = { ok: true; value: T } | IpcFailure;
export type IpcChannelResult<C extends IpcChannel> = IpcResult<IpcValue<C>>;

export function ipcOk<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function ipcFail(error: { code: IpcErrorCode; message: string }): IpcFailure {
  return { ok: false, code: error.code, message: error.message };
}

/** Method of `window.usine` → channel. The preload builds the API from this table only. */
export const API_METHODS = {
  saveCredentials: 'credentials:save',
  loadCredentials: 'credentials:load',
  clearCredentials: 'credentials:clear',
  appInfo: 'app:info',
  openExternal: 'shell:openExternal',
  reportSync: 'sync:report',
  updateState: 'update:state',
  supportReport: 'support:report',
} as const satisfies Record<string, IpcChannel>;

export type UsineApiMethod = keyof typeof API_METHODS;

/** The API the preload exposes on `window.usine` (absent when the editor runs in a browser). */
export type UsineApi = {
  readonly [M in UsineApiMethod]: (
    args: IpcArgs<(typeof API_METHODS)[M]>,
  ) => Promise<IpcChannelResult<(typeof API_METHODS)[M]>>;
};

/** Convenience for the renderer: `(window as UsineWindow).usine?.appInfo()`. */
export type UsineWindow = { usine?: UsineApi };
