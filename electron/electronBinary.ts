/**
 * Finds the Electron executable without `require('electron')`: that module downloads the binary
 * when it is missing, which cannot work here and must not happen behind the user's back.
 * Mirrors node_modules/electron/index.js: `path.txt` names the executable inside `dist/`.
 */
import path from 'node:path';

export interface BinaryLookupDeps {
  /** Directory of the installed `electron` package, or null when it is not installed. */
  electronPackageDir: string | null;
  /** Value of ELECTRON_OVERRIDE_DIST_PATH, read by the caller. */
  overrideDistPath: string | undefined;
  exists: (filePath: string) => boolean;
  readText: (filePath: string) => string | null;
}

export function resolveElectronBinary(deps: BinaryLookupDeps): string | null {
  if (deps.electronPackageDir === null) return null;
  const executable = deps.readText(path.join(deps.electronPackageDir, 'path.txt'))?.trim() ?? '';
  if (deps.overrideDistPath !== undefined && deps.overrideDistPath !== '') {
    const candidate = path.join(deps.overrideDistPath, executable === '' ? 'electron' : executable);
    return deps.exists(candidate) ? candidate : null;
  }
  if (executable === '') return null;
  const candidate = path.join(deps.electronPackageDir, 'dist', executable);
  return deps.exists(candidate) ? candidate : null;
}

/** The one line printed by `npm start` when no Electron binary is available. */
export function binaryMissingMessage(editorUrl: string): string {
  return (
    "Electron n'est pas installé sur cette machine (binaire absent) : ouvrez l'éditeur dans un navigateur à " +
    `${editorUrl} — le serveur continue de tourner.`
  );
}
