// Presence from y-websocket awareness: who is online on the site (manifest room) and on
// which page, and who is on a page's room (Lexical writes `name` and `focusing` there).
// Names and colours are overwritten by the server with the verified identity.
import { useEffect, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';

export interface PresentAgent {
  clientId: number;
  name: string;
  color: string;
  /** Site room: the page on screen, if any. */
  pageId: string | null;
  /** Page room: the editor has focus (the agent is typing there). */
  focusing: boolean;
}

export function readPresence(awareness: Awareness): PresentAgent[] {
  const out: PresentAgent[] = [];
  awareness.getStates().forEach((state, clientId) => {
    if (clientId === awareness.clientID || !state || typeof state !== 'object') return;
    const s = state as Record<string, unknown>;
    const name = typeof s.name === 'string' ? s.name : '';
    if (!name) return;
    out.push({
      clientId,
      name,
      color: typeof s.color === 'string' ? s.color : '#000',
      pageId: typeof s.pageId === 'string' ? s.pageId : null,
      focusing: s.focusing === true,
    });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.clientId - b.clientId);
}

/** Other agents present in a room, re-read on every awareness change. */
export function usePresence(awareness: Awareness | undefined): PresentAgent[] {
  const [present, setPresent] = useState<PresentAgent[]>([]);
  useEffect(() => {
    if (!awareness) return;
    const reread = () => setPresent(readPresence(awareness));
    reread();
    awareness.on('change', reread);
    return () => awareness.off('change', reread);
  }, [awareness]);
  return present;
}

/** Distinct names (an agent may have two windows open). */
export function uniqueNames(agents: readonly PresentAgent[]): string[] {
  return [...new Set(agents.map((a) => a.name))];
}
