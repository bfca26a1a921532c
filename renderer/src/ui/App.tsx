// Top-level lifecycle: starting (reading the stored session) → login → workspace.
// A stored session opens the workspace directly, online or not.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { MESSAGES_FR } from '../auth/apiClient';
import { AuthSession } from '../auth/AuthSession';
import { LogoutQueue } from '../auth/logoutQueue';
import { currentCommune, type Session } from '../auth/Session';
import type { LocalDocs, LocalStore } from '../store/LocalStore';
import { SyncClient } from '../sync/SyncClient';
import { reportSyncToDesktop } from '../sync/desktopSyncReport';
import { LoginScreen } from './LoginScreen';
import { Workspace } from './Workspace';

type AppState =
  | { kind: 'starting' }
  | { kind: 'login'; serverUrl: string; email?: string; notice?: string }
  | { kind: 'workspace'; session: Session };

interface Props {
  store: LocalStore;
  defaultServerUrl: string;
  /** `serverFixed=1` in the entry URL: the login form shows the address without asking it. */
  serverFixed?: boolean;
}

export function App({ store, defaultServerUrl, serverFixed = false }: Props) {
  const [state, setState] = useState<AppState>({ kind: 'starting' });

  useEffect(() => {
    store.loadSession().then(
      (session) =>
        setState(session ? { kind: 'workspace', session } : { kind: 'login', serverUrl: defaultServerUrl }),
      (error: unknown) => {
        console.error(error);
        setState({ kind: 'login', serverUrl: defaultServerUrl });
      },
    );
  }, [store, defaultServerUrl]);

  // A logout the server has not received yet (offline) goes at start and when the network returns.
  const logouts = useMemo(() => new LogoutQueue(globalThis.localStorage), []);
  useEffect(() => {
    const flush = () => void logouts.flush();
    flush();
    window.addEventListener('online', flush);
    return () => window.removeEventListener('online', flush);
  }, [logouts]);

  const toLogin = useCallback(
    async (session: Session, notice?: string) => {
      await store.clearSession().catch((error: unknown) => console.error(error));
      setState({ kind: 'login', serverUrl: session.serverUrl, email: session.agent.email, notice });
    },
    [store],
  );

  switch (state.kind) {
    case 'starting':
      return <p className="starting">Ouverture de l’Usine à sites…</p>;
    case 'login':
      return (
        <LoginScreen
          defaultServerUrl={state.serverUrl}
          serverFixed={serverFixed}
          defaultEmail={state.email}
          notice={state.notice}
          onLoggedIn={async (session) => {
            await store.saveSession(session);
            setState({ kind: 'workspace', session });
          }}
        />
      );
    case 'workspace':
      return (
        <SessionWorkspace
          key={`${state.session.serverUrl} ${state.session.agent.id}`}
          session={state.session}
          store={store}
          onLogout={(session) => {
            // Kept before the local session is forgotten: sent now, or at the next connection.
            void logouts.logout({
              serverUrl: session.serverUrl,
              accessToken: session.accessToken,
              refreshToken: session.refreshToken,
            });
            void toLogin(session);
          }}
          onExpired={(session) => void toLogin(session, MESSAGES_FR.sessionExpired)}
        />
      );
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

interface SessionProps {
  session: Session;
  store: LocalStore;
  onLogout: (session: Session) => void;
  onExpired: (session: Session) => void;
}

interface SessionServices {
  auth: AuthSession;
  sync: SyncClient;
  docs: LocalDocs;
}

/** The services of one session, created once and disposed together. */
function SessionWorkspace({ session, store, onLogout, onExpired }: SessionProps) {
  const [services, setServices] = useState<SessionServices>();

  useEffect(() => {
    const auth: AuthSession = new AuthSession(session, store, () => onExpired(auth.current));
    const sync = new SyncClient(auth);
    const stopDesktopReport = reportSyncToDesktop(sync);
    const docs = store.docs({ serverUrl: session.serverUrl, agentId: session.agent.id });
    setServices({ auth, sync, docs });
    return () => {
      stopDesktopReport();
      sync.destroy();
      // Let released docs finish their last local writes before closing the database.
      setTimeout(() => docs.close(), 1000);
    };
    // Created once: the parent remounts this component (key) for another session.
  }, []);

  const commune = currentCommune(session);
  if (!commune) {
    return (
      <main className="login">
        <p role="alert">Votre compte n’est rattaché à aucune commune.</p>
        <button type="button" onClick={() => onLogout(session)}>
          Se déconnecter
        </button>
      </main>
    );
  }
  if (!services) return <p className="starting">Ouverture de l’Usine à sites…</p>;
  return (
    <Workspace
      auth={services.auth}
      sync={services.sync}
      docs={services.docs}
      commune={commune}
      onLogout={() => onLogout(services.auth.current)}
    />
  );
}
