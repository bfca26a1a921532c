// A clear French message when this computer's storage for the editor is nearly full.
// Nothing is deleted: the agent is told how to free space and that unsent work is kept.
import { useEffect, useState } from 'react';

/** Above this share of the quota, or below this many free bytes, the agent is warned. */
const NEARLY_FULL_RATIO = 0.9;
const NEARLY_FULL_BYTES = 50 * 1024 * 1024;

export interface StorageState {
  usage: number;
  quota: number;
  persisted: boolean | null;
}

export function isNearlyFull({ usage, quota }: StorageState): boolean {
  if (!quota) return false;
  return usage / quota >= NEARLY_FULL_RATIO || quota - usage < NEARLY_FULL_BYTES;
}

function megabytes(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / (1024 * 1024)))} Mo`;
}

export function useStorageState(): StorageState | null {
  const [state, setState] = useState<StorageState | null>(null);
  useEffect(() => {
    let live = true;
    const check = async () => {
      const storage = navigator.storage;
      if (!storage?.estimate) return;
      const estimate = await storage.estimate().catch(() => null);
      const persisted = storage.persisted ? await storage.persisted().catch(() => null) : null;
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

export function StorageWarning({ state }: { state: StorageState | null }) {
  if (!state || !isNearlyFull(state)) return null;
  return (
    <div role="alert" className="storage-warning">
      <p>
        L’espace de stockage de cet ordinateur est presque plein : il reste{' '}
        {megabytes(state.quota - state.usage)} sur {megabytes(state.quota)}. Vos modifications sont conservées
        et rien n’est effacé. Connectez-vous au réseau pour les envoyer au serveur de la Métropole, puis
        libérez de l’espace sur le disque (fichiers téléchargés, corbeille).
      </p>
    </div>
  );
}
