// The manifest's media library (`media`: sha256 → entry) as the editor writes it, and where
// each file is used. Docs hold references (hashes), never bytes.
import * as Y from 'yjs';
import { pagesMediaUsage } from '../../../site/mediaUsage';
import { mediaMap, ORIGIN_LOCAL_EDIT } from '../../../site/siteDoc';

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

/** Pages (and which of their fields) that refer to each media hash (shared with the server). */
export const mediaUsage = pagesMediaUsage;
