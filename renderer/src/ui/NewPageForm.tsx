// « Nouvelle page »: a title, a type and a place in the tree, then the page is created on
// this computer and opened.
import { type FormEvent, useId, useRef, useState } from 'react';
import { PAGE_TYPE_LABELS_FR, PAGE_TYPES, type PageMeta, type PageType } from '../../../site/siteDoc';
import { flattenTree, buildTree } from '../tree/pageTree';

export interface NewPageRequest {
  title: string;
  type: PageType;
  parentId: string | null;
}

interface Props {
  pages: readonly PageMeta[];
  onCreate: (request: NewPageRequest) => Promise<void>;
}

export function NewPageForm({ pages, onCreate }: Props) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [type, setType] = useState<PageType>('page');
  const [parentId, setParentId] = useState('');
  const typeId = useId();
  const parentSelectId = useId();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const formId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setError('Donnez un titre à la page.');
      return;
    }
    setBusy(true);
    try {
      await onCreate({ title: trimmed, type, parentId: parentId || null });
    } catch (caught) {
      console.error(caught);
      setError('La page n’a pas pu être créée sur cet ordinateur. Réessayez.');
      setBusy(false);
    }
  }

  function cancel() {
    setOpen(false);
    setTitle('');
    setError(undefined);
    toggleRef.current?.focus();
  }

  return (
    <section className="new-page">
      <button
        ref={toggleRef}
        type="button"
        aria-expanded={open}
        aria-controls={formId}
        onClick={() => (open ? cancel() : setOpen(true))}
      >
        Nouvelle page
      </button>
      {open && (
        <form id={formId} onSubmit={submit} aria-busy={busy} noValidate>
          <div className="field">
            <label htmlFor={inputId}>Titre de la page</label>
            <input
              id={inputId}
              autoFocus
              required
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={typeId}>Type de page</label>
            <select id={typeId} value={type} onChange={(e) => setType(e.target.value as PageType)}>
              {PAGE_TYPES.map((t) => (
                <option key={t} value={t}>
                  {PAGE_TYPE_LABELS_FR[t]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={parentSelectId}>Placer sous</label>
            <select id={parentSelectId} value={parentId} onChange={(e) => setParentId(e.target.value)}>
              <option value="">Premier niveau du site</option>
              {flattenTree(buildTree(pages)).map((n) => (
                <option key={n.page.id} value={n.page.id}>
                  {'\u2003'.repeat(n.depth)}
                  {n.page.title || 'Page sans titre'}
                </option>
              ))}
            </select>
          </div>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Créer la page
            </button>
            <button type="button" onClick={cancel}>
              Annuler
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
