// Login: server address, e-mail and password; one successful online login is enough for the
// editor to reopen offline afterwards.
import { type FormEvent, useId, useState } from 'react';
import type { PendingInvitation } from '../../../site/apiContract';
import { ApiFailure, getMyInvitations, login, MESSAGES_FR } from '../auth/apiClient';
import { sessionFromLogin } from '../auth/AuthSession';
import { normalizeServerUrl, type Session } from '../auth/Session';
import { PendingInvitations } from './PendingInvitations';

interface Props {
  defaultServerUrl: string;
  defaultEmail?: string;
  notice?: string;
  onLoggedIn: (session: Session) => Promise<void>;
}

export function LoginScreen({ defaultServerUrl, defaultEmail, notice, onLoggedIn }: Props) {
  const [serverUrl, setServerUrl] = useState(defaultServerUrl);
  const [email, setEmail] = useState(defaultEmail ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [invited, setInvited] = useState<{ session: Session; invitations: PendingInvitation[] }>();
  const ids = { server: useId(), email: useId(), password: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const origin = normalizeServerUrl(serverUrl);
    if (!origin) {
      setError('L’adresse du serveur n’est pas valide (exemple : https://usine.exemple.fr).');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const response = await login(origin, { email: email.trim(), password });
      const session = sessionFromLogin(origin, response);
      // Invitations to a commune wait for the agent's answer (a server without them: none).
      const invitations = await getMyInvitations(origin, response.accessToken)
        .then((answer) => answer.invitations)
        .catch(() => []);
      if (invitations.length > 0) {
        setInvited({ session, invitations });
        return;
      }
      await enter(session);
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.message : MESSAGES_FR.unexpected);
    } finally {
      setBusy(false);
    }
  }

  async function enter(session: Session) {
    if (session.agent.communes.length === 0) {
      setError('Votre compte n’est rattaché à aucune commune. Contactez le référent de votre commune.');
      return;
    }
    await onLoggedIn(session);
  }

  if (invited) {
    return (
      <PendingInvitations
        serverUrl={invited.session.serverUrl}
        accessToken={invited.session.accessToken}
        agent={invited.session.agent}
        invitations={invited.invitations}
        onDone={(agent) => {
          setInvited(undefined);
          void enter({ ...invited.session, agent });
        }}
      />
    );
  }

  return (
    <main className="login">
      <h1>Usine à sites</h1>
      <p className="login-intro">Connectez-vous pour éditer le site de votre commune.</p>
      {notice && <p className="notice">{notice}</p>}
      <form onSubmit={submit} aria-busy={busy} noValidate>
        <div className="field">
          <label htmlFor={ids.server}>Adresse du serveur</label>
          <input
            id={ids.server}
            type="url"
            inputMode="url"
            autoComplete="url"
            required
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.email}>Adresse e-mail</label>
          <input
            id={ids.email}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.password}>Mot de passe</label>
          <input
            id={ids.password}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Se connecter
        </button>
      </form>
    </main>
  );
}
