// Login: server address (unless fixed at packaging), e-mail and password; one successful online
// login is enough for the editor to reopen offline afterwards. React Aria fields: each error next
// to its field and in a summary whose links move the focus to the field (RGAA 11.10, 11.11).
import { type FormEvent, useId, useState } from 'react';
import { FieldError, Form, Input, Label, TextField } from 'react-aria-components';
import type { PendingInvitation } from '../../../site/apiContract';
import { ApiFailure, getMyInvitations, login, MESSAGES_FR } from '../auth/apiClient';
import { sessionFromLogin } from '../auth/AuthSession';
import { normalizeServerUrl, type Session } from '../auth/Session';
import { ErrorSummary } from './feedback/ErrorSummary';
import { checkLogin, LOGIN_LABELS_FR, type LoginField, type LoginIssues } from './loginChecks';
import { PendingInvitations } from './PendingInvitations';

interface Props {
  defaultServerUrl: string;
  /** The address was fixed when the desktop app was packaged (`serverFixed=1`): not asked. */
  serverFixed?: boolean;
  defaultEmail?: string;
  notice?: string;
  onLoggedIn: (session: Session) => Promise<void>;
}

export function LoginScreen({
  defaultServerUrl,
  serverFixed = false,
  defaultEmail,
  notice,
  onLoggedIn,
}: Props) {
  const [serverUrl, setServerUrl] = useState(defaultServerUrl);
  const [email, setEmail] = useState(defaultEmail ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [issues, setIssues] = useState<LoginIssues>({});
  const [invited, setInvited] = useState<{ session: Session; invitations: PendingInvitation[] }>();
  const ids = { server: useId(), email: useId(), password: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkLogin({ serverUrl, email, password });
    setIssues(found);
    const origin = normalizeServerUrl(serverUrl);
    if (Object.keys(found).length > 0 || !origin) {
      setError(undefined);
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
      <ErrorSummary
        title="Pour vous connecter, corrigez"
        issues={(Object.keys(issues) as LoginField[]).map((field) => ({
          key: field,
          fieldId: ids[field],
          label: LOGIN_LABELS_FR[field],
          message: issues[field]!,
        }))}
      />
      <Form onSubmit={(event) => void submit(event)} aria-busy={busy} validationBehavior="aria">
        {serverFixed ? (
          <p className="login-server">
            Serveur : <strong>{serverUrl}</strong>
          </p>
        ) : (
          <LoginTextField
            id={ids.server}
            label={LOGIN_LABELS_FR.server}
            type="url"
            inputMode="url"
            autoComplete="url"
            value={serverUrl}
            onChange={setServerUrl}
            error={issues.server}
          />
        )}
        <LoginTextField
          id={ids.email}
          label={LOGIN_LABELS_FR.email}
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          error={issues.email}
        />
        <LoginTextField
          id={ids.password}
          label={LOGIN_LABELS_FR.password}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={issues.password}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Se connecter
        </button>
      </Form>
    </main>
  );
}

function LoginTextField(props: {
  id: string;
  label: string;
  type: 'url' | 'email' | 'password';
  inputMode?: 'url';
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  return (
    <TextField
      id={props.id}
      className="field"
      type={props.type}
      inputMode={props.inputMode}
      autoComplete={props.autoComplete}
      isRequired
      value={props.value}
      onChange={props.onChange}
      isInvalid={props.error !== undefined}
      validationBehavior="aria"
    >
      <Label>{props.label}</Label>
      <Input />
      <FieldError className="error">{props.error}</FieldError>
    </TextField>
  );
}
