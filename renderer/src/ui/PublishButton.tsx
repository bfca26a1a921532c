// « Publier » for the commune's référent: asks the server to publish, then links to the site.
// Offline it is disabled with the reason next to it; a failure because the server could not
// be reached goes away once the connection is back (its cause is gone).
import { useEffect, useId, useState } from 'react';
import { ApiFailure, MESSAGES_FR, publish } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';

/** Dispatched on window after a successful publication (detail: publishedAt, ms). */
export const PUBLISHED_EVENT = 'usine:published';

type PublishState =
  | { kind: 'idle' }
  | { kind: 'publishing' }
  | { kind: 'published'; url: string }
  | { kind: 'failed'; message: string; unreachable: boolean };

export const PUBLISH_OFFLINE_TEXT =
  'Publication impossible hors ligne : elle se fait sur le serveur de la Métropole. Elle sera possible dès le retour de la connexion.';

export function PublishButton({
  auth,
  insee,
  offline,
}: {
  auth: AuthSession;
  insee: string;
  offline: boolean;
}) {
  const [state, setState] = useState<PublishState>({ kind: 'idle' });
  const reasonId = useId();
  useEffect(() => {
    if (!offline) setState((s) => (s.kind === 'failed' && s.unreachable ? { kind: 'idle' } : s));
  }, [offline]);

  async function run() {
    setState({ kind: 'publishing' });
    try {
      const serverUrl = auth.current.serverUrl;
      const result = await auth.withAccessToken((token) => publish(serverUrl, insee, token));
      setState({ kind: 'published', url: new URL(result.url, serverUrl + '/').href });
      window.dispatchEvent(new CustomEvent(PUBLISHED_EVENT, { detail: result.publishedAt }));
    } catch (error) {
      // 422: refused by the checks; the server's French text lists each page and what to fix.
      const blocked = error instanceof ApiFailure && error.status === 422;
      const message = error instanceof ApiFailure ? error.message : MESSAGES_FR.unexpected;
      const unreachable = error instanceof ApiFailure && error.kind === 'unreachable';
      setState({
        kind: 'failed',
        message: blocked ? message : `La publication a échoué : ${message}`,
        unreachable,
      });
    }
  }

  return (
    <div className="publish">
      <button
        type="button"
        className="primary"
        onClick={run}
        disabled={state.kind === 'publishing' || offline}
        aria-describedby={offline ? reasonId : undefined}
      >
        Publier
      </button>
      {offline && (
        <p id={reasonId} className="hint publish-offline">
          {PUBLISH_OFFLINE_TEXT}
        </p>
      )}
      <div role="status" className="publish-result">
        {result(state)}
      </div>
    </div>
  );
}

function result(state: PublishState) {
  switch (state.kind) {
    case 'idle':
      return null;
    case 'publishing':
      return <p>Publication en cours…</p>;
    case 'published':
      return (
        <p>
          <span>Site publié</span>{' '}
          <a href={state.url} target="_blank" rel="noopener noreferrer">
            Voir le site publié
          </a>
        </p>
      );
    case 'failed':
      return (
        <p role="alert" className="error publish-message">
          {state.message}
        </p>
      );
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
