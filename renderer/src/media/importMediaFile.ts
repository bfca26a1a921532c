// A file chosen by the agent becomes a media of the site: re-encoded, stored on this computer
// by SHA-256 (with its re-encoded copies), added to the manifest's library with the copies'
// widths (the published `srcset`), and queued for upload. Returns its hash.
import type * as Y from 'yjs';
import { addMediaEntry } from './mediaLibrary';
import type { MediaOutbox } from './MediaOutbox';
import { prepareMedia } from './mediaPipeline';
import type { MediaStore } from './MediaStore';

export async function importMediaFile(
  file: File,
  insee: string,
  manifest: Y.Doc,
  media: { store: MediaStore; outbox: MediaOutbox },
): Promise<string> {
  const prepared = await prepareMedia(file);
  await media.store.add(insee, prepared.sha256, prepared.mime, prepared.bytes, Date.now(), prepared.variants);
  addMediaEntry(manifest, prepared.sha256, {
    name: prepared.name,
    mime: prepared.mime,
    bytes: prepared.bytes.length,
    width: prepared.width,
    height: prepared.height,
    alt: '',
    widths: prepared.widths,
  });
  media.outbox.kick();
  return prepared.sha256;
}
