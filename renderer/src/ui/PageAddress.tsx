// « Adresse de la page » in the page's side panel (site/SPEC.md [ADDR-7], [ADDR-9]): the page's
// address, a form to change it (the old one keeps leading to the page once published) and the
// former addresses that still answer on the site online, read from the server.
import { type FormEvent, useEffect, useId, useState } from 'react';
import type * as Y from 'yjs';
import type { PageAddressesResponse } from '../../../site/addressContract';
import { changePageSlug } from '../../../site/pageAddress';
import type { PageMeta } from '../../../site/siteDoc';
import { getPageAddresses } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { formatDateTime } from './formatDate';
import { PUBLISHED_EVENT } from './PublishButton';

interface Props {
  insee: string;
  page: PageMeta;
  manifest: Y.Doc;
  readOnly: boolean;
  agentName: string;
  auth: AuthSession;
}

export function PageAddress({ insee, page, manifest, readOnly, agentName, auth }: Props) {
  const inputId = useId();
  const errorId = useId();
  const [wanted, setWanted] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [online, setOnline] = useState<PageAddressesResponse | null>(null);

  useEffect(() => {
    let live = true;
    const load = () => {
      const serverUrl = auth.current.serverUrl;
      auth
        .withAccessToken((token) => getPageAddresses(serverUrl, insee, page.id, token))
        .then(
          (response) => live && setOnline(response),
          () => live && setOnline(null),
        );
    };
    load();
    window.addEventListener(PUBLISHED_EVENT, load);
    return () => {
      live = false;
      window.removeEventListener(PUBLISHED_EVENT, load);
    };
  }, [auth, insee, page.id]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = changePageSlug(manifest, page.id, wanted, agentName);
    if (!result.ok) {
      setError(result.message);
      setMessage('');
      return;
    }
    setError('');
    setWanted('');
    setMessage(
      `Nouvelle adresse : /${result.slug}/. Après la prochaine publication, l’ancienne adresse mènera à celle-ci.`,
    );
  };

  return (
    <div className="page-address">
      <p>
        Adresse : <code>/{page.slug}/</code>
      </p>
      {!readOnly && (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={inputId}>Nouvelle adresse</label>
            <input
              id={inputId}
              type="text"
              value={wanted}
              maxLength={200}
              autoComplete="off"
              aria-invalid={error !== '' || undefined}
              aria-describedby={error ? errorId : undefined}
              onChange={(e) => setWanted(e.target.value)}
            />
          </div>
          <button type="submit">Changer l’adresse</button>
          {error && (
            <p id={errorId} role="alert" className="error">
              {error}
            </p>
          )}
        </form>
      )}
      <p aria-live="polite">{message}</p>
      {online && online.former.length > 0 && (
        <>
          <p className="hint">Anciennes adresses, qui mènent à cette page :</p>
          <ul aria-label="Anciennes adresses" className="hint">
            {online.former.map((f) => (
              <li key={f.address}>
                <code>{f.address}</code> — jusqu’au {formatDateTime(f.until)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
