// [PUBL-9] Where each page stands on the public site, from the server (at start, after a
// publication from this window, every 15 s), else what this computer last heard.
import { useEffect, useState } from 'react';
import type { PageStatusEntry } from '../../../site/apiContract';
import { getPageStatuses } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { PUBLISHED_EVENT } from './PublishButton';

const REFRESH_MS = 15_000;

export function usePageStatuses(
  auth: AuthSession,
  insee: string,
): ReadonlyMap<string, PageStatusEntry> | null {
  const key = `usine:page-statuses:${auth.current.serverUrl}:${insee}`;
  const [statuses, setStatuses] = useState<ReadonlyMap<string, PageStatusEntry> | null>(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw ? new Map((JSON.parse(raw) as PageStatusEntry[]).map((e) => [e.pageId, e])) : null;
    } catch {
      return null;
    }
  });
  useEffect(() => {
    let live = true;
    const load = () =>
      auth
        .withAccessToken((token) => getPageStatuses(auth.current.serverUrl, insee, token))
        .then(
          ({ pages }) => {
            try {
              localStorage.setItem(key, JSON.stringify(pages));
            } catch {
              // Full storage: only this memory is lost, the server still knows.
            }
            if (live) setStatuses(new Map(pages.map((e) => [e.pageId, e])));
          },
          () => undefined,
        );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    const onPublished = () => void load();
    window.addEventListener(PUBLISHED_EVENT, onPublished);
    window.addEventListener('online', onPublished);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(PUBLISHED_EVENT, onPublished);
      window.removeEventListener('online', onPublished);
    };
  }, [auth, insee, key]);
  return statuses;
}
