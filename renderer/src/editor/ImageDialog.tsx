// The image dialog of the page body: pick an image of the media library or import one from this
// computer, then give its alt text — required unless « Image décorative » is checked (RGAA 1.1,
// 1.2) — and an optional caption. Also used to change an image already in the text.
import { useId, useState } from 'react';
import type { ImageData } from '../../../site/bodyNodes/ImageNode';
import { importMediaFile } from '../media/importMediaFile';
import { MediaError } from '../media/mediaPipeline';
import { useMediaUrl } from '../media/useMediaUrl';
import { type BodyMedia, isImageMime, useMediaLibrary } from './bodyMedia';
import { FormDialog } from '../ui/feedback/FormDialog';
import { FilePickButton } from '../ui/forms/FilePickButton';

export const ALT_REQUIRED_MESSAGE =
  'Indiquez le texte alternatif de l’image (ce qu’elle montre ou apporte), ou cochez « Image décorative » si elle n’apporte aucune information.';
export const NOT_AN_IMAGE_MESSAGE =
  'Ce fichier n’est pas une image (JPEG, PNG, WebP…). Pour un document PDF, utilisez « Lien vers un PDF ».';
export const IMAGE_REQUIRED_MESSAGE = 'Choisissez une image de la médiathèque ou importez-en une.';

interface Props {
  media: BodyMedia;
  /** The image being changed; absent when inserting a new one. */
  initial?: ImageData;
  onSubmit: (data: ImageData) => void;
  onCancel: () => void;
}

export function ImageDialog({ media, initial, onSubmit, onCancel }: Props) {
  const library = useMediaLibrary(media.manifest);
  const images = Object.entries(library).filter(([, e]) => isImageMime(e.mime));
  const [sha256, setSha256] = useState(initial?.sha256 ?? '');
  const [altText, setAltText] = useState(initial?.altText ?? '');
  const [decorative, setDecorative] = useState(initial?.decorative ?? false);
  const [caption, setCaption] = useState(initial?.caption ?? '');
  const [errors, setErrors] = useState<{ image?: string; alt?: string }>({});
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const ids = {
    alt: useId(),
    altError: useId(),
    altHint: useId(),
    decorative: useId(),
    caption: useId(),
    imageError: useId(),
  };

  function choose(sha: string) {
    setSha256(sha);
    // The library's alt text is a good start; the agent can adapt it to this page.
    if (!altText.trim() && library[sha]?.alt) setAltText(library[sha]!.alt);
  }

  async function importFile(file: File) {
    if (!file.type.startsWith('image/')) {
      setProblem(NOT_AN_IMAGE_MESSAGE);
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      choose(await importMediaFile(file, media.insee, media.manifest, media));
    } catch (error) {
      setProblem(error instanceof MediaError ? error.message : 'L’image n’a pas pu être ajoutée.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <FormDialog title={initial ? 'Modifier l’image' : 'Insérer une image'} onClose={onCancel}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const next = {
            image: sha256 ? undefined : IMAGE_REQUIRED_MESSAGE,
            alt: decorative || altText.trim() ? undefined : ALT_REQUIRED_MESSAGE,
          };
          setErrors(next);
          if (next.image || next.alt) return;
          onSubmit({
            sha256,
            altText: decorative ? '' : altText.trim(),
            decorative,
            caption: caption.trim(),
          });
        }}
      >
        {!initial && (
          <fieldset aria-describedby={errors.image ? ids.imageError : undefined}>
            <legend>Image</legend>
            {images.length === 0 ? (
              <p className="hint">La médiathèque ne contient pas encore d’image.</p>
            ) : (
              <ul className="image-choices">
                {images.map(([sha, entry]) => (
                  <li key={sha}>
                    <label>
                      <input
                        type="radio"
                        name="image"
                        value={sha}
                        checked={sha256 === sha}
                        onChange={() => choose(sha)}
                      />
                      <Thumbnail media={media} sha256={sha} />
                      {entry.name || 'Image sans nom'}
                    </label>
                  </li>
                ))}
              </ul>
            )}
            <p>
              <FilePickButton
                text="Importer une image depuis cet ordinateur"
                accept={['image/*']}
                isDisabled={busy}
                onFile={(file) => void importFile(file)}
              />
            </p>
            {busy && <p aria-live="polite">Préparation de l’image…</p>}
            {problem && (
              <p role="alert" className="error">
                {problem}
              </p>
            )}
            {errors.image && (
              <p id={ids.imageError} role="alert" className="error">
                {errors.image}
              </p>
            )}
          </fieldset>
        )}
        <p>
          <label htmlFor={ids.alt}>Texte alternatif</label>
          <br />
          <input
            id={ids.alt}
            type="text"
            value={altText}
            disabled={decorative}
            maxLength={1000}
            autoFocus={Boolean(initial)}
            aria-invalid={errors.alt ? true : undefined}
            aria-describedby={errors.alt ? `${ids.altError} ${ids.altHint}` : ids.altHint}
            onChange={(e) => setAltText(e.target.value)}
          />
          <br />
          <span id={ids.altHint} className="hint">
            Ce que l’image montre ou apporte, pour les personnes qui ne la voient pas.
          </span>
        </p>
        <p>
          <input
            id={ids.decorative}
            type="checkbox"
            checked={decorative}
            onChange={(e) => setDecorative(e.target.checked)}
          />{' '}
          <label htmlFor={ids.decorative}>Image décorative</label>{' '}
          <span className="hint">
            (elle n’apporte aucune information : les lecteurs d’écran l’ignoreront)
          </span>
        </p>
        {errors.alt && (
          <p id={ids.altError} role="alert" className="error">
            {errors.alt}
          </p>
        )}
        <p>
          <label htmlFor={ids.caption}>Légende (facultative)</label>
          <br />
          <input
            id={ids.caption}
            type="text"
            value={caption}
            maxLength={1000}
            onChange={(e) => setCaption(e.target.value)}
          />
        </p>
        <p className="dialog-actions">
          <button type="submit" className="primary" disabled={busy}>
            {initial ? 'Enregistrer l’image' : 'Insérer l’image'}
          </button>{' '}
          <button type="button" onClick={onCancel}>
            Annuler
          </button>
        </p>
      </form>
    </FormDialog>
  );
}

function Thumbnail({ media, sha256 }: { media: BodyMedia; sha256: string }) {
  const url = useMediaUrl(media.store, sha256);
  return url ? <img src={url} alt="" className="media-thumb" /> : <span className="media-thumb" />;
}
