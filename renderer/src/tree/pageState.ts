// [PUBL-9] What one page is on the public site, in the words every screen uses (pure): from
// the server's page statuses (GET /api/communes/{insee}/pages/status).
import type { PageStatusEntry, PublishIssue } from '../../../site/apiContract';

export type PageState =
  | { kind: 'unknown' }
  | { kind: 'draft' }
  | { kind: 'online'; since: number | null }
  | { kind: 'modified'; since: number | null }
  | { kind: 'scheduled'; at: number };

/**
 * One page's state. `statuses` null: not known yet (offline, never loaded). A page edited on
 * this computer after it was put online is « modifiée » before the server has the edit.
 */
export function pageState(
  pageId: string,
  statuses: ReadonlyMap<string, PageStatusEntry> | null,
  bodyEditedAt?: number,
): PageState {
  if (!statuses) return { kind: 'unknown' };
  const entry = statuses.get(pageId);
  if (entry?.scheduledAt) return { kind: 'scheduled', at: entry.scheduledAt };
  if (!entry?.online) return { kind: 'draft' };
  const localEdit = (bodyEditedAt ?? 0) > (entry.releasedAt ?? Infinity);
  return entry.modified || localEdit
    ? { kind: 'modified', since: entry.releasedAt }
    : { kind: 'online', since: entry.releasedAt };
}

/** « Brouillon », « En ligne », « En ligne — modifiée depuis », « Programmée le … ». */
export function pageStateLabel(state: PageState, formatDateTime: (ms: number) => string): string {
  switch (state.kind) {
    case 'unknown':
      return 'État de publication inconnu (hors ligne)';
    case 'draft':
      return 'Brouillon';
    case 'online':
      return 'En ligne';
    case 'modified':
      return 'En ligne — modifiée depuis';
    case 'scheduled':
      return `Programmée le ${formatDateTime(state.at)}`;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

/** The pages « Publier les modifications » will put online: changed since, or marked ready. */
export function pagesToPublish<T extends { id: string; status: string }>(
  pages: readonly T[],
  statuses: ReadonlyMap<string, PageStatusEntry>,
): T[] {
  return pages.filter((p) => {
    const s = statuses.get(p.id);
    return s?.online ? s.modified || p.status !== 'published' : p.status === 'published';
  });
}

/** The editor's address of the field to fix for one finding (the page, its field if named). */
export function issueTarget(
  issue: Pick<PublishIssue, 'pageId' | 'field'>,
): { pageId: string; field?: string } | null {
  if (!issue.pageId) return null;
  return issue.field ? { pageId: issue.pageId, field: issue.field } : { pageId: issue.pageId };
}
