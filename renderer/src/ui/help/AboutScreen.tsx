// « À propos et aide »: the version, the server, the desktop app's update state, the support
// report for the Métropole's assistance (CATI) and how to reach it. The desktop parts go through
// `window.usine` (the preload's validated IPC); in a browser they are absent and the screen says so.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { version as editorVersion } from '../../../../package.json';
import type {
  AppInfo,
  SupportReport,
  UpdateState,
  UsineApi,
  UsineWindow,
} from '../../../../electron/ipcContract';
import type { SyncClient } from '../../sync/SyncClient';
import { useFocusOnMount } from '../useFocusOnMount';
import { incomingVersion, systemText, updateStateText } from './aboutText';
import { recentErrors } from './recentErrors';

/** The Métropole's assistance, from the convention (art. 4.6.1). */
export const SUPPORT_URL = 'https://cati.ampmetropole.fr/';
/** How often the screen asks main for the update state while it is open. */
const UPDATE_POLL_MS = 5_000;

interface Props {
  serverUrl: string;
  sync: SyncClient;
}

function desktopApi(): UsineApi | undefined {
  return (window as Window & UsineWindow).usine;
}

export function AboutScreen({ serverUrl, sync }: Props) {
  const usine = desktopApi();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const { pendingRooms } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const { info, update } = useDesktopState(usine);
  return (
    <div className="screen about-screen">
      <h1 ref={heading} tabIndex={-1}>
        À propos et aide
      </h1>
      <section className="card" aria-labelledby="about-app">
        <h2 id="about-app">Application</h2>
        <dl className="about-facts">
          <dt>{usine ? 'Version de l’application' : 'Version de l’éditeur'}</dt>
          <dd>{info?.version ?? editorVersion}</dd>
          {info && (
            <>
              <dt>Système</dt>
              <dd>{systemText(info)}</dd>
            </>
          )}
          <dt>Serveur</dt>
          <dd>{serverUrl}</dd>
          {usine && (
            <>
              <dt>Mise à jour</dt>
              <dd className="about-update">
                {update ? updateStateText(update, pendingRooms.length) : 'État inconnu'}
              </dd>
              {incomingVersion(update) && (
                <>
                  <dt>Nouvelle version</dt>
                  <dd>{incomingVersion(update)}</dd>
                </>
              )}
            </>
          )}
        </dl>
        {!usine && (
          <p className="hint">
            Vous utilisez l’éditeur dans un navigateur : les mises à jour automatiques et le rapport pour
            l’assistance n’existent que dans l’application de bureau, indisponibles ici.
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="about-report">
        <h2 id="about-report">Rapport pour l’assistance</h2>
        <p>
          Le rapport décrit votre environnement : version, système, serveur, état de l’envoi des
          modifications, mise à jour et dernières erreurs. Il ne contient jamais le contenu de vos pages, ni
          mot de passe, ni jeton de connexion.
        </p>
        {usine ? <SupportReportButton usine={usine} /> : <p>Indisponible dans un navigateur.</p>}
      </section>
      <section className="card" aria-labelledby="about-help">
        <h2 id="about-help">Aide</h2>
        <p>
          En cas de problème, adressez une demande au service d’assistance de la Métropole (CATI) :{' '}
          <a href={SUPPORT_URL} target="_blank" rel="noreferrer" onClick={(e) => openOutside(e, usine)}>
            cati.ampmetropole.fr
          </a>
          , du lundi au vendredi de 8 h 30 à 12 h 30 et de 13 h 30 à 17 h 30, jours fériés exclus.
        </p>
        <p>
          Indiquez votre nom et votre prénom, joignez le rapport pour l’assistance et décrivez brièvement le
          problème et sa gravité.
        </p>
      </section>
    </div>
  );
}

/** The app's version and update state from main; the state is asked again every few seconds. */
function useDesktopState(usine: UsineApi | undefined): { info: AppInfo | null; update: UpdateState | null } {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [update, setUpdate] = useState<UpdateState | null>(null);
  useEffect(() => {
    if (!usine) return;
    let live = true;
    void usine.appInfo(undefined).then((result) => {
      if (live && result.ok) setInfo(result.value);
    });
    const poll = () =>
      void usine.updateState(undefined).then((result) => {
        if (live) setUpdate(result.ok ? result.value : { status: 'error', message: result.message });
      });
    poll();
    const timer = setInterval(poll, UPDATE_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [usine]);
  return { info, update };
}

type ReportState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; report: SupportReport }
  | { kind: 'failed'; message: string };

function SupportReportButton({ usine }: { usine: UsineApi }) {
  const [state, setState] = useState<ReportState>({ kind: 'idle' });
  const [copied, setCopied] = useState(false);
  async function create() {
    setState({ kind: 'busy' });
    setCopied(false);
    const result = await usine
      .supportReport({ errors: recentErrors.list() })
      .catch(() => ({ ok: false as const, message: 'Le rapport n’a pas pu être créé. Réessayez.' }));
    setState(
      result.ok ? { kind: 'done', report: result.value } : { kind: 'failed', message: result.message },
    );
  }
  async function copy(text: string) {
    await navigator.clipboard.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  }
  return (
    <>
      <button
        type="button"
        className="primary"
        disabled={state.kind === 'busy'}
        onClick={() => void create()}
      >
        Signaler un problème
      </button>
      <div role="status" className="about-report-status">
        {state.kind === 'busy' && <p>Création du rapport…</p>}
        {state.kind === 'done' &&
          (state.report.file ? (
            <p>
              Rapport enregistré dans : <code className="about-path">{state.report.file}</code>. Joignez ce
              fichier à votre demande.
            </p>
          ) : (
            <p>Le fichier n’a pas pu être écrit : copiez le rapport ci-dessous dans votre demande.</p>
          ))}
        {state.kind === 'failed' && <p className="error">{state.message}</p>}
        {copied && <p>Rapport copié.</p>}
      </div>
      {state.kind === 'done' && (
        <details className="about-report">
          <summary>Voir le rapport</summary>
          <pre>{state.report.text}</pre>
          <button type="button" onClick={() => void copy(state.report.text)}>
            Copier le rapport
          </button>
        </details>
      )}
    </>
  );
}

/** In the desktop app, the link opens in the agent's browser through main's allow-list. */
function openOutside(event: React.MouseEvent, usine: UsineApi | undefined) {
  if (!usine) return;
  event.preventDefault();
  void usine.openExternal({ url: SUPPORT_URL });
}
