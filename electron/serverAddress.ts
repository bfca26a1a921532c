/**
 * Which server the app talks to. The Métropole's installed build has its address fixed at
 * packaging (`USINE_PACKAGED_SERVER_URL` when `build.ts` bundles main): an agent never types it
 * and the environment cannot redirect the app elsewhere. A development build reads
 * `USINE_SERVER_URL` (default http://localhost:8080) and the login form may ask for it.
 */
import { parseServerUrl, type ServerUrlResult } from './urlPolicy';

export type ServerAddress = ServerUrlResult & { fixed: boolean };

export const MISSING_PACKAGED_SERVER =
  'Cette version installée ne connaît pas l’adresse du serveur de la Métropole : elle a été ' +
  'construite sans USINE_PACKAGED_SERVER_URL. Contactez le support (CATI).';

export function resolveServerAddress(input: {
  packaged: boolean;
  /** The address fixed at packaging ('' when none was given). */
  packagedServerUrl: string;
  /** USINE_SERVER_URL, honoured only by a development build. */
  envServerUrl: string | undefined;
}): ServerAddress {
  if (!input.packaged) return { ...parseServerUrl(input.envServerUrl), fixed: false };
  if (input.packagedServerUrl.trim() === '')
    return { ok: false, message: MISSING_PACKAGED_SERVER, fixed: true };
  return { ...parseServerUrl(input.packagedServerUrl), fixed: true };
}
