// Where each page stands with respect to the published site (pure): from the server's
// publication history (GET /api/communes/{insee}/publications, newest first), when the
// version of the page online now was put online, and whether it changed since.
import type { PublicationEntry } from '../../../site/apiContract';
import type { PageMeta } from '../../../site/siteDoc';

export interface PageOnline {
  /** The publication that put the page's current online version online. */
  publishedAt: number;
}

/** The server returns at most this many publications (sync-server Publisher.history). */
export const HISTORY_LIMIT = 100;

export interface SiteOnline {
  pages: Map<string, PageOnline>;
  /** False when the history may be cut: an absent page may be online since an older one. */
  complete: boolean;
}

/**
 * For each page online now: the date of the latest publication, at or before the version
 * online (after a rollback, newer versions are not online), that added or changed it. Pages
 * removed in that chain, or never published, are absent.
 */
export function pagesOnline(history: readonly PublicationEntry[]): SiteOnline {
  const pages = new Map<string, PageOnline>();
  const complete = history.length < HISTORY_LIMIT;
  const start = history.findIndex((entry) => entry.current);
  if (start < 0) return { pages, complete };
  const settled = new Set<string>();
  for (const entry of history.slice(start)) {
    for (const { pageId, change } of entry.changed) {
      if (settled.has(pageId)) continue;
      settled.add(pageId);
      if (change !== 'removed') pages.set(pageId, { publishedAt: entry.publishedAt });
    }
  }
  return { pages, complete };
}

export type PagePublicationState =
  | { kind: 'unknown' }
  | { kind: 'too-old' }
  | { kind: 'not-online' }
  | { kind: 'online'; publishedAt: number; modified: boolean };

/**
 * One page's state. Modified since its publication when its fields or title changed after it
 * (`updatedAt` of the manifest), or when this computer edited its body after it.
 */
export function pagePublicationState(
  page: Pick<PageMeta, 'id' | 'updatedAt'>,
  online: SiteOnline | null,
  bodyEditedAt: number | undefined,
): PagePublicationState {
  if (!online) return { kind: 'unknown' };
  const known = online.pages.get(page.id);
  if (!known) return online.complete ? { kind: 'not-online' } : { kind: 'too-old' };
  const modified = page.updatedAt > known.publishedAt || (bodyEditedAt ?? 0) > known.publishedAt;
  return { kind: 'online', publishedAt: known.publishedAt, modified };
}

/** What the tree says about one page's publication, in French (empty: nothing to add). */
export function pagePublicationText(
  state: PagePublicationState,
  status: PageMeta['status'],
  formatDateTime: (ms: number) => string,
): string[] {
  switch (state.kind) {
    case 'unknown':
      return status === 'published' ? ['Date de publication inconnue (hors ligne)'] : [];
    case 'too-old':
      return status === 'published'
        ? [`Date de publication inconnue (au-delà des ${HISTORY_LIMIT} dernières publications)`]
        : [];
    case 'not-online':
      return status === 'published' ? ['Pas encore en ligne : elle le sera à la prochaine publication'] : [];
    case 'online': {
      const when = `Publiée le ${formatDateTime(state.publishedAt)}`;
      if (status !== 'published') return [when, 'Repassée en brouillon : retirée à la prochaine publication'];
      return state.modified ? [when, 'Modifiée depuis la publication'] : [when];
    }
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
