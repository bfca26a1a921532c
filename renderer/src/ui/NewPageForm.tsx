// « Nouvelle page »: a title, then the page is created on this computer and opened.
import { type FormEvent, useId, useRef, useState } from 'react';

export function NewPageForm({ onCreate }: { onCreate: (title: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
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
      await onCreate(trimmed);
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
