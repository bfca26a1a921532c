// Clear French messages about this computer's storage for the editor: nearly full, a change
// it refused to write, and whether the browser protects our data from eviction. Nothing is
// deleted: the agent is told how to free space and where the unsent work is kept.
import { useEffect, useState } from 'react';
import type { LocalDocs, LocalWriteFailure } from '../store/LocalStore';

/** Above this share of the quota, or below this many free bytes, the agent is warned. */
const NEARLY_FULL_RATIO = 0.9;
const NEARLY_FULL_BYTES = 50 * 1024 * 1024;

export interface StorageState {
  usage: number;
  quota: number;
  /** The browser granted persistent storage (no eviction under pressure); null if unknown. */
  persisted: boolean | null;
}

export function isNearlyFull({ usage, quota }: StorageState): boolean {
  if (!quota) return false;
  return usage / quota >= NEARLY_FULL_RATIO || quota - usage < NEARLY_FULL_BYTES;
}

function megabytes(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / (1024 * 1024)))} Mo`;
}

let persistRequest: Promise<boolean | null> | undefined;

/**
 * Asks once per window that our storage be persistent (not evicted when the disk fills up);
 * resolves with the browser's answer, null when it cannot say.
 */
export function requestPersistentStorage(): Promise<boolean | null> {
  persistRequest ??= (async () => {
    const storage = navigator.storage;
    if (!storage?.persist) return null;
    try {
      if (await storage.persisted?.()) return true;
      return await storage.persist();
    } catch {
      return null;
    }
  })();
  return persistRequest;
}

export function persistenceText(persisted: boolean | null): string {
  if (persisted === true)
    return 'Stockage protégé : le navigateur n’effacera pas la copie du site gardée sur cet ordinateur.';
  if (persisted === false)
    return 'Conseil : ce navigateur garde la copie du site sans garantie. Pour ne rien perdre, restez connecté au réseau de temps en temps : vos modifications partent alors au serveur de la Métropole. L’application de bureau n’a pas cette limite.';
  return 'Stockage protégé : le navigateur ne dit pas s’il l’accorde.';
}

export function useStorageState(): StorageState | null {
  const [state, setState] = useState<StorageState | null>(null);
  useEffect(() => {
    let live = true;
    const check = async () => {
      const storage = navigator.storage;
      if (!storage?.estimate) return;
      const estimate = await storage.estimate().catch(() => null);
      const persisted = await requestPersistentStorage();
      if (live && estimate) setState({ usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted });
    };
    void check();
    const timer = setInterval(() => void check(), 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return state;
}

export type WriteFailureState =
  | { kind: 'failed'; failure: LocalWriteFailure }
  /** Every refused write was written again (space was freed). */
  | { kind: 'restored' }
  | null;

/** The local write failures of this session, merged (the worst case wins), until restored. */
export function useWriteFailure(docs: LocalDocs): WriteFailureState {
  const [state, setState] = useState<WriteFailureState>(null);
  useEffect(() => {
    const offFailure = docs.onWriteFailure((next) =>
      setState((previous) => {
        if (previous?.kind !== 'failed') return { kind: 'failed', failure: next };
        const { quota, journaled } = previous.failure;
        return {
          kind: 'failed',
          failure: { room: next.room, quota: quota || next.quota, journaled: journaled && next.journaled },
        };
      }),
    );
    const offRestored = docs.onWritesRestored(() =>
      setState((previous) => (previous ? { kind: 'restored' } : previous)),
    );
    return () => {
      offFailure();
      offRestored();
    };
  }, [docs]);
  return state;
}

/** What the agent reads after a refused local write: what happened, where the work is, what to do. */
export function writeFailureText(failure: LocalWriteFailure, savedOnServer: boolean): string[] {
  const what = failure.quota
    ? 'Cet ordinateur n’a plus de place pour enregistrer vos dernières modifications.'
    : 'L’enregistrement de vos dernières modifications sur cet ordinateur a échoué.';
  const where = failure.journaled
    ? 'Elles ne sont pas perdues : elles sont gardées en réserve sur cet ordinateur et envoyées au serveur de la Métropole dès que la connexion le permet.'
    : 'Elles ne sont pas perdues tant que cette fenêtre reste ouverte : elles seront envoyées au serveur de la Métropole dès que la connexion le permet.';
  const todo = savedOnServer
    ? 'Elles sont maintenant enregistrées sur le serveur de la Métropole. Libérez de l’espace sur le disque (fichiers téléchargés, corbeille) pour continuer à travailler hors connexion ; l’application réessaie d’enregistrer sur cet ordinateur toutes les 15 secondes.'
    : 'Connectez-vous au réseau et gardez l’application ouverte jusqu’à ce que l’état indique « Enregistré », puis libérez de l’espace sur le disque (fichiers téléchargés, corbeille).';
  return [what, where, todo];
}

export const WRITES_RESTORED_TEXT =
  'De la place s’est libérée : vos modifications sont de nouveau enregistrées sur cet ordinateur.';

export function StorageWarning({
  state,
  writeFailure,
  savedOnServer,
}: {
  state: StorageState | null;
  writeFailure: WriteFailureState;
  savedOnServer: boolean;
}) {
  return (
    <>
      {writeFailure?.kind === 'failed' && (
        <div role="alert" className="storage-warning storage-write-failure">
          {writeFailureText(writeFailure.failure, savedOnServer).map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      )}
      <p role="status" className="storage-restored">
        {writeFailure?.kind === 'restored' ? WRITES_RESTORED_TEXT : ''}
      </p>
      {state && isNearlyFull(state) && (
        <div role="alert" className="storage-warning">
          <p>
            L’espace de stockage de cet ordinateur est presque plein : il reste{' '}
            {megabytes(state.quota - state.usage)} sur {megabytes(state.quota)}. Vos modifications sont
            conservées et rien n’est effacé. Connectez-vous au réseau pour les envoyer au serveur de la
            Métropole, puis libérez de l’espace sur le disque (fichiers téléchargés, corbeille).
          </p>
          {state.persisted === false && <p>{persistenceText(false)}</p>}
        </div>
      )}
    </>
  );
}
