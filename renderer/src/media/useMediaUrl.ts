// An object URL for a stored media file, from this computer (works offline at once).
import { useEffect, useState } from 'react';
import type { MediaStore } from './MediaStore';

export function useMediaUrl(store: MediaStore, sha256: string | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let live = true;
    setUrl(undefined);
    if (sha256) void store.objectUrl(sha256).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [store, sha256]);
  return url;
}
