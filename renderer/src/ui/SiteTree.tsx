// The site's page tree: open, rename, move (drag and drop, or Alt+arrows on a page), delete
// with confirmation and undo, and search by title. Moves write `parentId` + fractional
// `order` to the manifest, so concurrent moves by other agents merge (see tree/pageTree).
import {
  type DragEvent,
  type KeyboardEvent,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type * as Y from 'yjs';
import { type PageMeta, updatePage } from '../../../site/siteDoc';
import { pageRoom } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { SyncClient } from '../sync/SyncClient';
import { pageState, pageStateLabel } from '../tree/pageState';
import { formatDateTime } from './formatDate';
import { usePageStatuses } from './usePageStatuses';
import {
  buildTree,
  compareSiblings,
  effectiveParents,
  type KeyboardMove,
  keyboardPlacement,
  movePatch,
  pagePath,
  type Placement,
  searchPages,
  subtreeIds,
  type TreeNode,
} from '../tree/pageTree';
import type { PageDeletions } from '../tree/siteEdits';

interface Props {
  pages: PageMeta[];
  manifest: Y.Doc;
  deletions: PageDeletions;
  readOnly: boolean;
  agentName: string;
  /** Other agents on each page (from presence). */
  presence: ReadonlyMap<string, readonly string[]>;
  /** For each page's count of changes waiting to be sent (kept across reloads). */
  sync: SyncClient;
  insee: string;
  /** For the publication history (« Publiée le … »). */
  auth: AuthSession;
  onOpenPage: (pageId: string) => void;
}

type DropZone = 'before' | 'inside' | 'after';
const DRAG_TYPE = 'application/x-usine-page';

const KEY_MOVES: Record<string, KeyboardMove> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowRight: 'indent',
  ArrowLeft: 'outdent',
};

export function SiteTree({
  pages,
  manifest,
  deletions,
  readOnly,
  agentName,
  presence,
  sync,
  insee,
  auth,
  onOpenPage,
}: Props) {
  const pending = useSyncExternalStore(sync.pending.subscribe, sync.pending.getSnapshot);
  const statuses = usePageStatuses(auth, insee);
  const [query, setQuery] = useState('');
  // The draft title lives here, not in the form: a remote move remounts the row and must not
  // reset what the agent is typing.
  const [renaming, setRenaming] = useState<{ id: string; value: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<{ title: string; count: number } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [dragging, setDragging] = useState<string | null>(null);
  const [drop, setDrop] = useState<{ id: string; zone: DropZone } | null>(null);
  const focusAfterMove = useRef<string | null>(null);
  const searchId = useId();
  const hintId = useId();
  const tree = useMemo(() => buildTree(pages), [pages]);
  const results = useMemo(() => (query.trim() ? searchPages(pages, query) : null), [pages, query]);

  useEffect(() => {
    const id = focusAfterMove.current;
    if (!id) return;
    focusAfterMove.current = null;
    document.querySelector<HTMLButtonElement>(`[data-page-id="${CSS.escape(id)}"] .page-link`)?.focus();
  });

  function titleOf(id: string | null): string {
    if (id === null) return 'la racine du site';
    return pages.find((p) => p.id === id)?.title || 'Page sans titre';
  }

  function move(pageId: string, placement: Placement): boolean {
    const patch = movePatch(pages, pageId, placement);
    if (!patch) return false;
    updatePage(manifest, pageId, patch, agentName);
    const where =
      placement.parentId === null ? 'au premier niveau' : `sous « ${titleOf(placement.parentId)} »`;
    setAnnouncement(`« ${titleOf(pageId)} » déplacée ${where}.`);
    return true;
  }

  function onRowKeyDown(event: KeyboardEvent, pageId: string) {
    if (readOnly || !event.altKey) return;
    const kind = KEY_MOVES[event.key];
    if (!kind) return;
    event.preventDefault();
    const placement = keyboardPlacement(pages, pageId, kind);
    if (!placement || !move(pageId, placement)) {
      setAnnouncement(`« ${titleOf(pageId)} » ne peut pas aller plus loin dans cette direction.`);
      return;
    }
    focusAfterMove.current = pageId;
  }

  function placementFor(targetId: string, zone: DropZone, movingId: string): Placement {
    if (zone === 'inside') return { parentId: targetId, beforeId: null };
    const parents = effectiveParents(pages);
    const parentId = parents.get(targetId) ?? null;
    if (zone === 'before') return { parentId, beforeId: targetId };
    const siblings = pages
      .filter((p) => p.id !== movingId && (parents.get(p.id) ?? null) === parentId)
      .sort(compareSiblings);
    const at = siblings.findIndex((p) => p.id === targetId);
    return { parentId, beforeId: siblings[at + 1]?.id ?? null };
  }

  function zoneOf(event: DragEvent<HTMLElement>): DropZone {
    const rect = event.currentTarget.getBoundingClientRect();
    const y = (event.clientY - rect.top) / Math.max(rect.height, 1);
    return y < 0.25 ? 'before' : y > 0.75 ? 'after' : 'inside';
  }

  function confirmDelete(pageId: string) {
    const ids = subtreeIds(pages, pageId);
    const title = titleOf(pageId);
    deletions.delete(manifest, ids);
    setConfirming(null);
    setDeleted({ title, count: ids.length });
    setAnnouncement(`« ${title} » supprimée.`);
  }

  function undoDelete() {
    if (deletions.undoLast() && deleted) setAnnouncement(`« ${deleted.title} » restaurée.`);
    setDeleted(null);
  }

  function renderNode(node: TreeNode) {
    const { page } = node;
    const title = page.title || 'Page sans titre';
    const others = presence.get(page.id) ?? [];
    const room = pageRoom(insee, page.id);
    const unsent = pending.has(room);
    const state = pageState(page.id, statuses, sync.pending.editedAt(room));
    const rowClass = [
      'tree-row',
      dragging === page.id ? 'tree-dragging' : '',
      drop?.id === page.id ? `tree-drop-${drop.zone}` : '',
    ].join(' ');
    return (
      <li key={page.id} data-page-id={page.id}>
        <div
          className={rowClass}
          draggable={!readOnly && renaming?.id !== page.id}
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, page.id);
            e.dataTransfer.effectAllowed = 'move';
            setDragging(page.id);
          }}
          onDragEnd={() => {
            setDragging(null);
            setDrop(null);
          }}
          onDragOver={(e) => {
            if (readOnly || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
            e.preventDefault();
            const zone = zoneOf(e);
            if (drop?.id !== page.id || drop.zone !== zone) setDrop({ id: page.id, zone });
          }}
          onDragLeave={() => setDrop((d) => (d?.id === page.id ? null : d))}
          onDrop={(e) => {
            e.preventDefault();
            const movingId = e.dataTransfer.getData(DRAG_TYPE);
            const zone = zoneOf(e);
            setDrop(null);
            setDragging(null);
            if (!movingId || movingId === page.id) return;
            if (!move(movingId, placementFor(page.id, zone, movingId))) {
              setAnnouncement('Une page ne peut pas être placée sous elle-même.');
            }
          }}
        >
          {renaming?.id === page.id ? (
            <RenameForm
              value={renaming.value}
              onChange={(value) => setRenaming({ id: page.id, value })}
              onDone={(next) => {
                setRenaming(null);
                if (next !== null && next !== page.title) {
                  updatePage(manifest, page.id, { title: next }, agentName);
                  setAnnouncement(`Page renommée « ${next} ».`);
                }
                focusAfterMove.current = page.id;
              }}
            />
          ) : (
            <button
              type="button"
              className="page-link"
              onClick={() => onOpenPage(page.id)}
              onKeyDown={(e) => onRowKeyDown(e, page.id)}
              aria-describedby={readOnly ? undefined : hintId}
              aria-keyshortcuts={
                readOnly ? undefined : 'Alt+ArrowUp Alt+ArrowDown Alt+ArrowRight Alt+ArrowLeft'
              }
            >
              <span className="page-title">{title}</span>
              <span className={`badge badge-state-${state.kind}`}>
                {pageStateLabel(state, formatDateTime)}
              </span>
            </button>
          )}
          {unsent && <span className="tree-page-status tree-unsent">Modifiée, pas encore envoyée</span>}
          {others.length > 0 && <span className="tree-presence">({others.join(', ')} sur cette page)</span>}
          {!readOnly && renaming?.id !== page.id && (
            <span className="tree-actions">
              <button
                type="button"
                className="small"
                aria-label={`Renommer « ${title} »`}
                onClick={() => setRenaming({ id: page.id, value: page.title })}
              >
                Renommer
              </button>
              <button
                type="button"
                className="small"
                aria-label={`Supprimer « ${title} »`}
                onClick={() => setConfirming(page.id)}
              >
                Supprimer
              </button>
            </span>
          )}
        </div>
        {confirming === page.id && (
          <ConfirmDelete
            title={title}
            subpages={subtreeIds(pages, page.id).length - 1}
            onConfirm={() => confirmDelete(page.id)}
            onCancel={() => {
              setConfirming(null);
              focusAfterMove.current = page.id;
            }}
          />
        )}
        {node.children.length > 0 && <ul>{node.children.map(renderNode)}</ul>}
      </li>
    );
  }

  return (
    <nav aria-label="Pages du site" className="page-list">
      <h2>Pages du site</h2>
      <div className="field tree-search">
        <label htmlFor={searchId}>Filtrer les pages par titre</label>
        <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {!readOnly && (
        <p id={hintId} className="hint">
          Pour déplacer une page : glissez-la sur une autre, ou, sur son titre, Alt+↑ / Alt+↓ (monter,
          descendre), Alt+→ (placer sous la page précédente), Alt+← (remonter d’un niveau).
        </p>
      )}
      <p role="status" className="tree-announcement">
        {announcement}
      </p>
      {deleted && (
        <p className="tree-undo">
          {deleted.count > 1 ? `${deleted.count} pages supprimées.` : 'Page supprimée.'}{' '}
          <button type="button" onClick={undoDelete}>
            Annuler la suppression
          </button>
        </p>
      )}
      {results ? (
        results.length === 0 ? (
          <p>Aucune page ne correspond à « {query.trim()} ».</p>
        ) : (
          <ul className="search-results">
            {results.map((p) => (
              <li key={p.id}>
                <button type="button" className="page-link" onClick={() => onOpenPage(p.id)}>
                  <span className="page-title">{p.title || 'Page sans titre'}</span>
                  <span className="hint">
                    {' '}
                    — {pagePath(pages, p.id).slice(0, -1).join(' › ') || 'premier niveau'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )
      ) : pages.length === 0 ? (
        <p>Aucune page pour l’instant.</p>
      ) : (
        <ul className="tree">{tree.map(renderNode)}</ul>
      )}
    </nav>
  );
}

/** GET /api/communes/{insee}/publications; a 401 lets AuthSession refresh the token. */
function RenameForm(props: {
  value: string;
  onChange: (value: string) => void;
  onDone: (next: string | null) => void;
}) {
  const { value, onDone } = props;
  const inputId = useId();
  return (
    <form
      className="tree-rename"
      onSubmit={(e) => {
        e.preventDefault();
        onDone(value.trim() || null);
      }}
    >
      <label htmlFor={inputId}>Nouveau titre</label>
      <input
        id={inputId}
        autoFocus
        maxLength={200}
        value={value}
        onChange={(e) => props.onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone(null);
          }
        }}
      />
      <button type="submit" className="small">
        Enregistrer le titre
      </button>
      <button type="button" className="small" onClick={() => onDone(null)}>
        Annuler
      </button>
    </form>
  );
}

function ConfirmDelete(props: {
  title: string;
  subpages: number;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div role="group" aria-label="Confirmer la suppression" className="tree-confirm">
      <p>
        Supprimer la page « {props.title} »
        {props.subpages > 0 ? ` et ses ${props.subpages} sous-page${props.subpages > 1 ? 's' : ''}` : ''} ?
        Vous pourrez annuler juste après.
      </p>
      <button ref={ref} type="button" className="danger" onClick={props.onConfirm}>
        Oui, supprimer
      </button>{' '}
      <button type="button" onClick={props.onCancel}>
        Non, garder la page
      </button>
    </div>
  );
}
