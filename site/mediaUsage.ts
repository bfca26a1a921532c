/**
 * Where each media file (by SHA-256) is used in a commune's site: the pages' media fields,
 * the media of their list items (an élu's photo…), the images of their rich bodies
 * (`bodyMedia`), and the settings' media (the logo). Shared by the editor's media library
 * (« Utilisé dans ») and the server, which refuses to delete a file still in use.
 */
import { PAGE_FIELDS, readFieldList } from './pageTypes';
import { SETTINGS_FIELDS } from './settings';
import type { PageMeta } from './siteDoc';

/** A use of a file: its page (null for the site's settings) and the field, in French. */
export interface MediaUse {
  page: PageMeta | null;
  field: string;
}

/** Pages (and which of their fields) that refer to each media hash. */
export function pagesMediaUsage(
  pages: readonly PageMeta[],
): Map<string, Array<{ page: PageMeta; field: string }>> {
  const usage = new Map<string, Array<{ page: PageMeta; field: string }>>();
  for (const page of pages) {
    const use = (value: unknown, field: string) => {
      if (typeof value !== 'string' || !value) return;
      const list = usage.get(value) ?? [];
      list.push({ page, field });
      usage.set(value, list);
    };
    for (const sha of page.bodyMedia ?? []) use(sha, 'texte de la page');
    for (const d of PAGE_FIELDS[page.type]) {
      if (d.kind === 'media') use(page.fields[d.name], d.label);
      if (d.kind !== 'list') continue;
      // A photo of an élu: « Élu n° 2 (Photo) » is where the agent finds it.
      readFieldList(d, page.fields).forEach((item, i) => {
        for (const sub of d.item ?? [])
          if (sub.kind === 'media')
            use(item[sub.name], `${d.itemLabel ?? d.label} n° ${i + 1}, ${sub.label}`);
      });
    }
  }
  return usage;
}

/** Every use of each hash: the pages' (above) and the settings' (`settings` values by name). */
export function siteMediaUsage(
  pages: readonly PageMeta[],
  settings: Readonly<Record<string, unknown>>,
): Map<string, MediaUse[]> {
  const usage: Map<string, MediaUse[]> = pagesMediaUsage(pages);
  for (const d of SETTINGS_FIELDS) {
    const value = settings[d.name];
    if (d.kind !== 'media' || typeof value !== 'string' || !value) continue;
    usage.set(value, [...(usage.get(value) ?? []), { page: null, field: `Réglages du site, ${d.label}` }]);
  }
  return usage;
}

/** « Actualités (Image), Réglages du site, Logo ou blason »: the uses, for a French message. */
export function describeMediaUses(uses: readonly MediaUse[]): string {
  return uses
    .map(({ page, field }) => (page ? `« ${page.title || 'Page sans titre'} » (${field})` : field))
    .join(', ');
}
