// What the body editor needs of the media library: the commune, the manifest (its `media`
// map, read live) and this session's store and outbox. Given by PageEditor through a React
// context, so that image views rendered by Lexical's decorators can read local files.
import { createContext, useContext, useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { type MediaEntry, mediaMap, readMedia } from '../../../site/siteDoc';
import type { MediaOutbox } from '../media/MediaOutbox';
import type { MediaStore } from '../media/MediaStore';

export interface BodyMedia {
  insee: string;
  manifest: Y.Doc;
  store: MediaStore;
  outbox: MediaOutbox;
}

export const BodyMediaContext = createContext<BodyMedia | null>(null);

export function useBodyMedia(): BodyMedia | null {
  return useContext(BodyMediaContext);
}

/** The manifest's media library, kept current as other agents add files. */
export function useMediaLibrary(manifest: Y.Doc | undefined): Record<string, MediaEntry> {
  const [library, setLibrary] = useState<Record<string, MediaEntry>>(() =>
    manifest ? readMedia(manifest) : {},
  );
  useEffect(() => {
    if (!manifest) return;
    const map = mediaMap(manifest);
    const update = () => setLibrary(readMedia(manifest));
    update();
    map.observeDeep(update);
    return () => map.unobserveDeep(update);
  }, [manifest]);
  return library;
}

export const isImageMime = (mime: string) => mime.startsWith('image/');
export const isPdfMime = (mime: string) => mime === 'application/pdf';
