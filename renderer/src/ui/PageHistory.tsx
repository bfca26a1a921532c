// A page's history: snapshots (each editing session, each publication), comparison of one
// with the current version, and restore — written as a new edit through the live editor, so
// the other agents see it at once and the agent can undo it.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $createParagraphNode, $getRoot, $parseSerializedNode, type SerializedEditorState } from 'lexical';
import { useCallback, useEffect, useId, useState } from 'react';
import * as Y from 'yjs';
import { pageBodyToEditorState } from '../../../site/pageBody';
import { blocksOf, type DiffLine, diffBlocks } from '../history/blockDiff';
import { type HistoryStore, REASON_FR, type Snapshot } from '../history/HistoryStore';
import type { RoomProvider } from '../sync/RoomProvider';
import { formatDateTime } from './formatDate';
import { PUBLISHED_EVENT } from './PublishButton';

interface Props {
  store: HistoryStore;
  provider: RoomProvider;
  by: string;
  readOnly: boolean;
}

function snapshotState(snapshot: Snapshot): SerializedEditorState {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, snapshot.state);
    return pageBodyToEditorState(doc);
  } finally {
    doc.destroy();
  }
}

export function PageHistory({ store, provider, by, readOnly }: Props) {
  const [editor] = useLexicalComposerContext();
  const [open, setOpen] = useState(false);
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [comparing, setComparing] = useState<{ id: number; lines: DiffLine[] } | null>(null);
  const [message, setMessage] = useState('');
  const listId = useId();
  const room = provider.roomname;
  const doc = provider.local.doc;

  const refresh = useCallback(() => void store.list(room).then(setSnapshots), [store, room]);

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

  function compare(snapshot: Snapshot) {
    const current = editor.getEditorState().toJSON();
    setComparing({
      id: snapshot.id!,
      lines: diffBlocks(blocksOf(snapshotState(snapshot)), blocksOf(current)),
    });
  }

  async function restore(snapshot: Snapshot) {
    const state = snapshotState(snapshot);
    await store.take(room, doc, 'before-restore', by);
    editor.update(() => {
      const root = $getRoot();
      root.clear();
      for (const child of state.root.children) root.append($parseSerializedNode(child));
      if (root.getChildrenSize() === 0) root.append($createParagraphNode());
    });
    setComparing(null);
    setMessage(
      `Version du ${formatDateTime(snapshot.takenAt)} restaurée. Les autres agents la voient déjà ; Ctrl+Z l’annule.`,
    );
    refresh();
  }

  return (
    <section className="page-history" aria-label="Historique des versions">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => (setOpen(!open), refresh())}
      >
        Historique des versions
      </button>
      <p aria-live="polite" className="history-message">
        {message}
      </p>
      {open && (
        <div id={listId}>
          {snapshots.length === 0 ? (
            <p>Aucune version enregistrée sur cet ordinateur pour l’instant.</p>
          ) : (
            <ol className="history-list">
              {snapshots.map((s) => (
                <li key={s.id}>
                  <p>
                    <strong>{formatDateTime(s.takenAt)}</strong> — {REASON_FR[s.reason]} ({s.by})
                  </p>
                  <button
                    type="button"
                    className="small"
                    aria-label={`Comparer la version du ${formatDateTime(s.takenAt)} avec la version actuelle`}
                    onClick={() => compare(s)}
                  >
                    Comparer
                  </button>{' '}
                  {!readOnly && (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Restaurer la version du ${formatDateTime(s.takenAt)}`}
                      onClick={() => void restore(s)}
                    >
                      Restaurer
                    </button>
                  )}
                  {comparing && comparing.id === s.id && <Comparison lines={comparing.lines} />}
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
