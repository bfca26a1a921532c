// The « lien vers un PDF » dialog of the page body: pick a PDF of the media library or import
// one, and the words of the link. The link's url is `media:<sha256>`; the published site links
// to the file and adds its type and size (site/SPEC.md [HTML-13]).
import { useId, useState } from 'react';
import { importMediaFile } from '../media/importMediaFile';
import { MediaError } from '../media/mediaPipeline';
import { type BodyMedia, isPdfMime, useMediaLibrary } from './bodyMedia';
import { FormDialog } from '../ui/feedback/FormDialog';
import { FilePickButton } from '../ui/forms/FilePickButton';

export const NOT_A_PDF_MESSAGE =
  'Ce fichier n’est pas un PDF. Pour une image, utilisez « Insérer une image ».';
export const PDF_REQUIRED_MESSAGE = 'Choisissez un PDF de la médiathèque ou importez-en un.';

/** « compte-rendu_conseil.pdf » → « compte-rendu conseil »: a readable default link text. */
export function linkTextFromFileName(name: string): string {
  return name
    .replace(/\.[a-z0-9]{1,5}$/i, '')
    .replace(/[_]+/g, ' ')
    .trim();
}

interface Props {
  media: BodyMedia;
  /** The selected words, which become the link. */
  initialText: string;
  onSubmit: (sha256: string, text: string) => void;
  onCancel: () => void;
}

export function FileLinkDialog({ media, initialText, onSubmit, onCancel }: Props) {
  const library = useMediaLibrary(media.manifest);
  const pdfs = Object.entries(library).filter(([, e]) => isPdfMime(e.mime));
  const [sha256, setSha256] = useState('');
  const [text, setText] = useState(initialText);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const ids = { text: useId(), error: useId() };

  function choose(sha: string, name: string | undefined) {
    setSha256(sha);
    if (!text.trim() && name) setText(linkTextFromFileName(name));
  }

  return (
    <FormDialog title="Insérer un lien vers un PDF" onClose={onCancel}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!sha256) {
            setError(PDF_REQUIRED_MESSAGE);
            return;
          }
          const words = text.trim() || linkTextFromFileName(library[sha256]?.name ?? '') || 'Document PDF';
          onSubmit(sha256, words);
        }}
      >
        <fieldset aria-describedby={error ? ids.error : undefined}>
          <legend>Fichier PDF</legend>
          {pdfs.length === 0 ? (
            <p className="hint">La médiathèque ne contient pas encore de PDF.</p>
          ) : (
            <ul className="file-choices">
              {pdfs.map(([sha, entry]) => (
                <li key={sha}>
                  <label>
                    <input
                      type="radio"
                      name="pdf"
                      value={sha}
                      checked={sha256 === sha}
                      onChange={() => choose(sha, entry.name)}
                    />{' '}
                    {entry.name || 'PDF sans nom'}
                    {entry.bytes ? ` (${Math.max(1, Math.round(entry.bytes / 1024))} Ko)` : ''}
                  </label>
                </li>
              ))}
            </ul>
          )}
          <p>
            <FilePickButton
              text="Importer un PDF depuis cet ordinateur"
              accept={['application/pdf']}
              isDisabled={busy}
              onFile={async (file) => {
                if (file.type !== 'application/pdf') {
                  setProblem(NOT_A_PDF_MESSAGE);
                  return;
                }
                setBusy(true);
                setProblem(undefined);
                try {
                  choose(await importMediaFile(file, media.insee, media.manifest, media), file.name);
                } catch (err) {
                  setProblem(err instanceof MediaError ? err.message : 'Le PDF n’a pas pu être ajouté.');
                } finally {
                  setBusy(false);
                }
              }}
            />
          </p>
          {busy && <p aria-live="polite">Préparation du fichier…</p>}
          {problem && (
            <p role="alert" className="error">
              {problem}
            </p>
          )}
          {error && (
            <p id={ids.error} role="alert" className="error">
              {error}
            </p>
          )}
        </fieldset>
        <p>
          <label htmlFor={ids.text}>Texte du lien</label>
          <br />
          <input
            id={ids.text}
            type="text"
            value={text}
            maxLength={300}
            onChange={(e) => setText(e.target.value)}
          />
          <br />
          <span className="hint">
            Le type et la taille du fichier sont ajoutés sur le site, par exemple « (PDF, 240 Ko) ».
          </span>
        </p>
        <p className="dialog-actions">
          <button type="submit" className="primary" disabled={busy}>
            Insérer le lien
          </button>{' '}
          <button type="button" onClick={onCancel}>
            Annuler
          </button>
        </p>
      </form>
    </FormDialog>
  );
}
