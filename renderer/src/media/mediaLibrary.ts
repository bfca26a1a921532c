// The manifest's media library (`media`: sha256 → entry) as the editor writes it, and where
// each file is used. Docs hold references (hashes), never bytes.
import * as Y from 'yjs';
import { PAGE_FIELDS, readFieldList } from '../../../site/pageTypes';
import { mediaMap, ORIGIN_LOCAL_EDIT, type PageMeta } from '../../../site/siteDoc';

export interface NewMediaEntry {
  name: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
  alt: string;
  /** Widths of the re-encoded copies (`<sha256>-<w>.webp`), uploaded after the original. */
  widths?: readonly number[];
}

/** Adds a file to the library (kept as is when another agent added the same hash). */
export function addMediaEntry(manifest: Y.Doc, sha256: string, entry: NewMediaEntry): void {
  const media = mediaMap(manifest);
  if (media.has(sha256)) return;
  manifest.transact(() => {
    const map = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(entry)) if (key !== 'widths') map.set(key, value);
    map.set('widths', [...(entry.widths ?? [])]);
    media.set(sha256, map);
  }, ORIGIN_LOCAL_EDIT);
}

export function setMediaAlt(manifest: Y.Doc, sha256: string, alt: string): void {
  const entry = mediaMap(manifest).get(sha256);
  manifest.transact(() => {
    if (entry instanceof Y.Map) entry.set('alt', alt);
  }, ORIGIN_LOCAL_EDIT);
}

/** Pages (and which of their fields) that refer to each media hash. */
export function mediaUsage(
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
