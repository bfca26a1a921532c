// A page's history: versions kept by the server for the whole commune (each publication that
// changed the page, each editing session) merged with those kept on this computer, comparison
// of one with the current version, and restore — written as a new edit through the live
// editor, so the other agents see it at once and the agent can undo it. Offline, only the
// versions of this computer are listed, and the panel says so.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $createParagraphNode, $getRoot, $parseSerializedNode, type SerializedEditorState } from 'lexical';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import * as Y from 'yjs';
import { pageBodyToEditorState } from '../../../site/pageBody';
import type { ServerSnapshotEntry } from '../../../site/pageSnapshotsContract';
import { parseRoom } from '../../../site/syncProtocol';
import { ApiFailure, getPageSnapshots, getPageSnapshotState, MESSAGES_FR } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { blocksOf, type DiffLine, diffBlocks } from '../history/blockDiff';
import { type HistoryEntry, mergeHistory, WHERE_FR } from '../history/historyEntries';
import type { HistoryStore, Snapshot } from '../history/HistoryStore';
import type { RoomProvider } from '../sync/RoomProvider';
import { formatDateTime } from './formatDate';
import { PUBLISHED_EVENT } from './PublishButton';

interface Props {
  store: HistoryStore;
  provider: RoomProvider;
  by: string;
  readOnly: boolean;
  /** To read the history kept by the server; without it, this computer's versions only. */
  auth?: AuthSession;
}

type ServerHistory =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'loaded'; entries: ServerSnapshotEntry[] }
  | { kind: 'unavailable'; message: string };

const OFFLINE_FR =
  'Serveur injoignable : seules les versions enregistrées sur cet ordinateur sont affichées. Les versions partagées par la commune apparaîtront au retour de la connexion.';

function stateToEditorState(state: Uint8Array): SerializedEditorState {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return pageBodyToEditorState(doc);
  } finally {
    doc.destroy();
  }
}

/** The commune and page of a page room (the history of anything else is local only). */
function pageOf(room: string): { insee: string; pageId: string } | null {
  const parsed = parseRoom(room);
  return parsed?.kind === 'page' ? { insee: parsed.insee, pageId: parsed.pageId } : null;
}

function whyUnavailable(error: unknown): string {
  if (error instanceof ApiFailure && error.kind !== 'unreachable')
    return `Versions du serveur indisponibles : ${error.message} Seules les versions enregistrées sur cet ordinateur sont affichées.`;
  return OFFLINE_FR;
}

export function PageHistory({ store, provider, by, readOnly, auth }: Props) {
  const [editor] = useLexicalComposerContext();
  const [open, setOpen] = useState(false);
  const [local, setLocal] = useState<Snapshot[]>([]);
  const [server, setServer] = useState<ServerHistory>({ kind: 'idle' });
  const [comparing, setComparing] = useState<{ key: string; lines: DiffLine[] } | null>(null);
  const [message, setMessage] = useState('');
  const listId = useId();
  const room = provider.roomname;
  const doc = provider.local.doc;
  const target = pageOf(room);
  /** Server states already fetched, by snapshot id (they never change). */
  const fetched = useRef(new Map<number, Uint8Array>());
  const openRef = useRef(open);
  openRef.current = open;

  const refreshServer = useCallback(() => {
    const target = pageOf(room);
    if (!auth || !target) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      setServer({ kind: 'unavailable', message: OFFLINE_FR });
      return;
    }
    setServer((s) => (s.kind === 'loaded' ? s : { kind: 'loading' }));
    const serverUrl = auth.current.serverUrl;
    auth
      .withAccessToken((token) => getPageSnapshots(serverUrl, target.insee, target.pageId, token))
      .then(
        (response) => setServer({ kind: 'loaded', entries: response.snapshots }),
        (error: unknown) => setServer({ kind: 'unavailable', message: whyUnavailable(error) }),
      );
  }, [auth, room]);

  const refresh = useCallback(() => {
    void store.list(room).then(setLocal);
    if (openRef.current) refreshServer();
  }, [store, room, refreshServer]);

  // One snapshot when the editing session starts (once loaded), one when it ends, one per publication.
  useEffect(() => {
    let live = true;
    void provider.local.whenLoaded.then(async () => {
      if (!live) return;
      await store.take(room, doc, 'session-start', by);
      if (live) refresh();
    });
    const onPublished = () => void store.take(room, doc, 'publication', by).then(refresh);
    window.addEventListener(PUBLISHED_EVENT, onPublished);
    return () => {
      live = false;
      window.removeEventListener(PUBLISHED_EVENT, onPublished);
      void store.take(room, doc, 'session-end', by);
    };
  }, [store, provider, room, doc, by, refresh]);

  async function stateOf(entry: HistoryEntry): Promise<Uint8Array | null> {
    if (entry.source === 'local') return entry.snapshot.state;
    const known = fetched.current.get(entry.id);
    if (known) return known;
    if (!auth || !target) return null;
    const serverUrl = auth.current.serverUrl;
    try {
      const state = await auth.withAccessToken((token) =>
        getPageSnapshotState(serverUrl, target.insee, target.pageId, entry.id, token),
      );
      fetched.current.set(entry.id, state);
      return state;
    } catch (error) {
      setMessage(
        error instanceof ApiFailure && error.kind !== 'unreachable'
          ? `Cette version n’a pas pu être lue sur le serveur : ${error.message}`
          : `Cette version est enregistrée sur le serveur, injoignable pour l’instant. ${MESSAGES_FR.unreachable}`,
      );
      return null;
    }
  }

  async function compare(entry: HistoryEntry) {
    const state = await stateOf(entry);
    if (!state) return;
    const current = editor.getEditorState().toJSON();
    setComparing({
      key: entry.key,
      lines: diffBlocks(blocksOf(stateToEditorState(state)), blocksOf(current)),
    });
  }

  async function restore(entry: HistoryEntry) {
    const bytes = await stateOf(entry);
    if (!bytes) return;
    const state = stateToEditorState(bytes);
    await store.take(room, doc, 'before-restore', by);
    editor.update(() => {
      const root = $getRoot();
      root.clear();
      for (const child of state.root.children) root.append($parseSerializedNode(child));
      if (root.getChildrenSize() === 0) root.append($createParagraphNode());
    });
    setComparing(null);
    setMessage(
      `Version du ${formatDateTime(entry.at)} restaurée. Les autres agents la voient déjà ; Ctrl+Z l’annule.`,
    );
    refresh();
  }

  function toggle() {
    const next = !open;
    setOpen(next);
    void store.list(room).then(setLocal);
    if (next) refreshServer();
  }

  const entries = mergeHistory(local, server.kind === 'loaded' ? server.entries : []);
  const where = (e: HistoryEntry) => (e.source === 'server' ? 'sur le serveur' : 'sur cet ordinateur');

  return (
    <section className="page-history" aria-label="Historique des versions">
      <button type="button" aria-expanded={open} aria-controls={listId} onClick={toggle}>
        Historique des versions
      </button>
      <p aria-live="polite" className="history-message">
        {message}
      </p>
      {open && (
        <div id={listId}>
          {server.kind === 'unavailable' && (
            <p role="status" className="history-offline">
              {server.message}
            </p>
          )}
          {server.kind === 'loading' && <p>Lecture des versions enregistrées sur le serveur…</p>}
          {entries.length === 0 ? (
            <p>Aucune version enregistrée pour l’instant.</p>
          ) : (
            <ol className="history-list">
              {entries.map((e) => (
                <li key={e.key} className={`history-${e.source}`}>
                  <p>
                    <strong>{formatDateTime(e.at)}</strong> — {e.label}
                    {e.by ? ` (${e.by})` : ''}
                    <br />
                    <span className="history-where">{WHERE_FR[e.source]}</span>
                  </p>
                  <button
                    type="button"
                    className="small"
                    aria-label={`Comparer la version du ${formatDateTime(e.at)} enregistrée ${where(e)} avec la version actuelle`}
                    onClick={() => void compare(e)}
                  >
                    Comparer
                  </button>{' '}
                  {!readOnly && (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Restaurer la version du ${formatDateTime(e.at)} enregistrée ${where(e)}`}
                      onClick={() => void restore(e)}
                    >
                      Restaurer
                    </button>
                  )}
                  {comparing && comparing.key === e.key && <Comparison lines={comparing.lines} />}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

function Comparison({ lines }: { lines: DiffLine[] }) {
  const changes = lines.filter((l) => l.op !== 'same').length;
  return (
    <div className="history-diff">
      <p>
        {changes === 0
          ? 'Cette version est identique à la version actuelle.'
          : `${changes} différence${changes > 1 ? 's' : ''} avec la version actuelle :`}
      </p>
      <ul>
        {lines.map((l, i) => (
          <li key={i} className={`diff-${l.op}`}>
            {l.op === 'added' ? (
              <ins>
                <span className="visually-hidden">Ajouté depuis : </span>
                {l.block.text || '(vide)'}
              </ins>
            ) : l.op === 'removed' ? (
              <del>
                <span className="visually-hidden">Supprimé depuis : </span>
                {l.block.text || '(vide)'}
              </del>
            ) : (
              <span>{l.block.text || '(vide)'}</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
