// « Nouvelle page » (in the side navigation): a dialog asking a title, a type and a place in
// the tree, then the page is created on this computer and opened.
import { Plus } from 'lucide-react';
import { type FormEvent, useCallback, useId, useRef, useState } from 'react';
import { FormDialog } from './feedback/FormDialog';
import { SelectField } from './forms/SelectField';
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
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
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
      reset();
      setBusy(false);
    } catch (caught) {
      console.error(caught);
      setError('La page n’a pas pu être créée sur cet ordinateur. Réessayez.');
      setBusy(false);
    }
  }

  // Stable: the dialog re-opens when its onClose changes.
  const reset = () => {
    setOpen(false);
    setTitle('');
    setType('page');
    setParentId('');
    setError(undefined);
  };
  const cancel = useCallback(() => {
    reset();
    toggleRef.current?.focus();
  }, []);

  return (
    <div className="new-page">
      <button
        ref={toggleRef}
        type="button"
        className="primary new-page-button"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        <Plus aria-hidden="true" size={20} />
        <span className="side-label">Nouvelle page</span>
      </button>
      {open && (
        <FormDialog title="Nouvelle page" onClose={cancel}>
          <form onSubmit={submit} aria-busy={busy} noValidate>
            <div className="field">
              <label htmlFor={inputId}>Titre de la page</label>
              <input
                id={inputId}
                autoFocus
                required
                maxLength={200}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${inputId}-error` : undefined}
                value={title}
                onChange={(e) => setTitle(e.target.value)}
              />
            </div>
            <div className="field">
              <SelectField
                label="Type de page"
                value={type}
                options={PAGE_TYPES.map((t) => ({ value: t, label: PAGE_TYPE_LABELS_FR[t] }))}
                onChange={(value) => setType(value as PageType)}
              />
            </div>
            <div className="field">
              <SelectField
                label="Placer sous"
                value={parentId}
                options={[
                  { value: '', label: 'Premier niveau du site' },
                  ...flattenTree(buildTree(pages)).map((n) => ({
                    value: n.page.id,
                    label: n.page.title || 'Page sans titre',
                    depth: n.depth,
                  })),
                ]}
                onChange={setParentId}
              />
            </div>
            {error && (
              <p id={`${inputId}-error`} role="alert" className="error">
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
        </FormDialog>
      )}
    </div>
  );
}
