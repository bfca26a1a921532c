// Login: server address, e-mail and password; one successful online login is enough for the
// editor to reopen offline afterwards.
import { type FormEvent, useId, useState } from 'react';
import { ApiFailure, login, MESSAGES_FR } from '../auth/apiClient';
import { sessionFromLogin } from '../auth/AuthSession';
import { normalizeServerUrl, type Session } from '../auth/Session';

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
      if (response.agent.communes.length === 0) {
        setError('Votre compte n’est rattaché à aucune commune. Contactez le référent de votre commune.');
        return;
      }
      await onLoggedIn(sessionFromLogin(origin, response));
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.message : MESSAGES_FR.unexpected);
    } finally {
      setBusy(false);
    }
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
