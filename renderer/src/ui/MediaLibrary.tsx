// The media library: every image and PDF of the site with its alternative text (editable),
// its SHA-256, whether it is already on the Métropole's server, and where it is used.
import { useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import { type PageMeta, readMedia } from '../../../site/siteDoc';
import { mediaUsage, setMediaAlt } from '../media/mediaLibrary';
import type { MediaOutbox } from '../media/MediaOutbox';
import type { MediaStore } from '../media/MediaStore';
import { useMediaUrl } from '../media/useMediaUrl';

interface Props {
  manifest: Y.Doc;
  pages: PageMeta[];
  media: { store: MediaStore; outbox: MediaOutbox };
  readOnly: boolean;
  onOpenPage: (id: string) => void;
}

export function MediaLibrary({ manifest, pages, media, readOnly, onOpenPage }: Props) {
  const outbox = useSyncExternalStore(media.outbox.subscribe, media.outbox.getState);
  const library = Object.entries(readMedia(manifest));
  const usage = mediaUsage(pages);
  return (
    <section aria-labelledby="media-title" className="media-library">
      <h2 id="media-title">Médiathèque</h2>
      <p className="hint">
        {outbox.pending === 0
          ? 'Tous les fichiers ajoutés depuis cet ordinateur sont sur le serveur de la Métropole.'
          : `${outbox.pending} fichier${outbox.pending > 1 ? 's' : ''} en attente d’envoi (enregistré${outbox.pending > 1 ? 's' : ''} sur cet ordinateur).`}
      </p>
      {library.length === 0 ? (
        <p>Aucun fichier pour l’instant : ajoutez une image ou un PDF depuis les informations d’une page.</p>
      ) : (
        <ul className="media-grid">
          {library.map(([sha, entry]) => (
            <MediaItem
              key={sha}
              sha={sha}
              entry={entry}
              store={media.store}
              pending={outbox.pendingShas.includes(sha)}
              usedBy={usage.get(sha) ?? []}
              readOnly={readOnly}
              onAlt={(alt) => setMediaAlt(manifest, sha, alt)}
              onOpenPage={onOpenPage}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function MediaItem(props: {
  sha: string;
  entry: ReturnType<typeof readMedia>[string];
  store: MediaStore;
  pending: boolean;
  usedBy: Array<{ page: PageMeta; field: string }>;
  readOnly: boolean;
  onAlt: (alt: string) => void;
  onOpenPage: (id: string) => void;
}) {
  const { sha, entry } = props;
  const url = useMediaUrl(props.store, sha);
  const isImage = entry.mime.startsWith('image/');
  const altId = `alt-${sha.slice(0, 12)}`;
  return (
    <li className="media-item">
      {isImage ? (
        url ? (
          <img src={url} alt="" className="media-thumb" />
        ) : (
          <p className="hint">Aperçu indisponible sur cet ordinateur.</p>
        )
      ) : (
        <p className="media-pdf">PDF</p>
      )}
      <p className="media-name">{entry.name || 'Sans nom'}</p>
      <p className="hint">
        {entry.mime} — {Math.max(1, Math.round(entry.bytes / 1024))} Ko
        {entry.width ? ` — ${entry.width} × ${entry.height} px` : ''}
      </p>
      <p className="hint hash">SHA-256 : {sha}</p>
      <p className={props.pending ? 'media-pending' : 'media-sent'}>
        {props.pending
          ? 'En attente d’envoi depuis cet ordinateur'
          : 'Envoyé au serveur (ou ajouté depuis un autre ordinateur)'}
      </p>
      {isImage && (
        <div className="field">
          <label htmlFor={altId}>Texte alternatif de « {entry.name || 'l’image'} »</label>
          <input
            id={altId}
            value={entry.alt}
            disabled={props.readOnly}
            onChange={(e) => props.onAlt(e.target.value)}
          />
        </div>
      )}
      <p>
        {props.usedBy.length === 0 ? 'Utilisé nulle part.' : 'Utilisé dans : '}
        {props.usedBy.map(({ page, field }, i) => (
          <span key={`${page.id}-${field}`}>
            {i > 0 ? ', ' : ''}
            <button type="button" className="link-button" onClick={() => props.onOpenPage(page.id)}>
              {page.title || 'Page sans titre'}
            </button>{' '}
            ({field})
          </span>
        ))}
      </p>
    </li>
  );
}
