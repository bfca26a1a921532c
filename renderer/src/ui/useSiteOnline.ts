// Which pages of the site are online and since when (the tree and the page screen say the same).
import { useEffect, useState } from 'react';
import { apiPublicationsPath, type PublicationsResponse } from '../../../site/apiContract';
import { ApiFailure, MESSAGES_FR } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { type PageOnline, pagesOnline, type SiteOnline } from '../tree/pagePublication';
import { PUBLISHED_EVENT } from './PublishButton';

/**
 * Which pages are online and since when: from the server when reachable (at start, after a
 * publication from this window, and every minute), else what this computer last heard.
 */
export function useSiteOnline(auth: AuthSession, insee: string): SiteOnline | null {
  const key = `usine:pages-online:${auth.current.serverUrl}:${insee}`;
  const [online, setOnline] = useState<SiteOnline | null>(() => {
    try {
      const raw = localStorage.getItem(key);
      if (!raw) return null;
      const stored = JSON.parse(raw) as { complete: boolean; pages: Record<string, PageOnline> };
      return { complete: stored.complete, pages: new Map(Object.entries(stored.pages)) };
    } catch {
      return null;
    }
  });
  useEffect(() => {
    let live = true;
    const load = () =>
      auth
        .withAccessToken((token) => fetchPublications(auth.current.serverUrl, insee, token))
        .then(
          ({ publications }) => {
            const next = pagesOnline(publications);
            try {
              localStorage.setItem(
                key,
                JSON.stringify({ complete: next.complete, pages: Object.fromEntries(next.pages) }),
              );
            } catch {
              // Full storage: only this memory is lost, the server still knows.
            }
            if (live) setOnline(next);
          },
          () => undefined,
        );
    void load();
    const timer = setInterval(() => void load(), 60_000);
    const onPublished = () => void load();
    window.addEventListener(PUBLISHED_EVENT, onPublished);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(PUBLISHED_EVENT, onPublished);
    };
  }, [auth, insee, key]);
  return online;
}

async function fetchPublications(
  serverUrl: string,
  insee: string,
  token: string,
): Promise<PublicationsResponse> {
  let response: Response;
  try {
    response = await fetch(serverUrl + apiPublicationsPath(insee), {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
    });
  } catch {
    throw new ApiFailure('unreachable', 0, MESSAGES_FR.unreachable);
  }
  if (response.status === 401) throw new ApiFailure('unauthorized', 401, MESSAGES_FR.sessionExpired);
  if (!response.ok) throw new ApiFailure('refused', response.status, MESSAGES_FR.unexpected);
  return (await response.json()) as PublicationsResponse;
}
