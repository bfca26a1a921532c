// What the editor shows for an image of the page body (the decorator of site/'s ImageNode):
// the file from this computer's media store (so it shows offline), its caption, whether its
// alt text is filled in, and buttons to change it or remove it. (Like media/useMediaUrl, but it
// keeps asking until a file another agent is still uploading arrives.)
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useLexicalEditable } from '@lexical/react/useLexicalEditable';
import { $getNodeByKey, type NodeKey } from 'lexical';
import { type ImageData, installImageDecorator } from '../../../site/bodyNodes/ImageNode';
import { useEffect, useState } from 'react';
import type { MediaStore } from '../media/MediaStore';
import { useBodyMedia } from './bodyMedia';
import { EDIT_IMAGE_COMMAND } from './richCommands';

/** Installs the image view in site/'s ImageNode; call once at startup. Returns its disposer. */
export function installImageView(): () => void {
  return installImageDecorator((data, nodeKey) => <ImageView data={data} nodeKey={nodeKey} />);
}

function ImageView({ data, nodeKey }: { data: ImageData; nodeKey: NodeKey }) {
  const media = useBodyMedia();
  return (
    <figure className="ed-figure" data-sha256={data.sha256}>
      {media && data.sha256 ? (
        <StoredImage store={media.store} data={data} />
      ) : (
        <p className="ed-image-missing">Image indisponible.</p>
      )}
      {data.caption && <figcaption>{data.caption}</figcaption>}
      <ImageActions data={data} nodeKey={nodeKey} />
    </figure>
  );
}

/** Retry delays while the file is neither on this computer nor on the server yet. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * The image's object URL from this computer's store, which downloads it from the server when
 * missing. An image another agent just inserted may not be uploaded yet: ask again, less and
 * less often, until it arrives.
 */
function useStoredImageUrl(store: MediaStore, sha256: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setUrl(undefined);
    const attempt = (delay: number) => {
      const retry = () => {
        if (live) timer = setTimeout(() => attempt(Math.min(delay * 2, RETRY_MAX_MS)), delay);
      };
      store.objectUrl(sha256).then((found) => (found ? live && setUrl(found) : retry()), retry);
    };
    attempt(RETRY_FIRST_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [store, sha256]);
  return url;
}

function StoredImage({ store, data }: { store: MediaStore; data: ImageData }) {
  const url = useStoredImageUrl(store, data.sha256);
  if (!url) return <p className="ed-image-missing">Chargement de l’image…</p>;
  return <img src={url} alt={data.decorative ? '' : data.altText} />;
}

function ImageActions({ data, nodeKey }: { data: ImageData; nodeKey: NodeKey }) {
  const [editor] = useLexicalComposerContext();
  const editable = useLexicalEditable();
  const name = data.decorative
    ? 'décorative'
    : data.altText
      ? `« ${data.altText} »`
      : 'sans texte alternatif';
  return (
    <p className="ed-image-meta">
      <span className={!data.decorative && !data.altText ? 'error' : undefined}>
        {data.decorative
          ? 'Image décorative (ignorée par les lecteurs d’écran).'
          : data.altText
            ? `Texte alternatif : ${data.altText}`
            : 'Texte alternatif manquant : la publication sera bloquée.'}
      </span>
      {editable && (
        <>
          {' '}
          <button
            type="button"
            className="small"
            aria-label={`Modifier l’image ${name}`}
            onClick={() => editor.dispatchCommand(EDIT_IMAGE_COMMAND, nodeKey)}
          >
            Modifier l’image
          </button>{' '}
          <button
            type="button"
            className="small"
            aria-label={`Supprimer l’image ${name}`}
            onClick={() => {
              editor.update(() => $getNodeByKey(nodeKey)?.remove());
              editor.focus();
            }}
          >
            Supprimer l’image
          </button>
        </>
      )}
    </p>
  );
}
