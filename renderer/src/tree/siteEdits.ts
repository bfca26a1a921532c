// Tree edits on the manifest that site/ does not provide yet: deleting a page with its
// subpages, and undoing that deletion. The undo is Yjs's own UndoManager, scoped to the
// pages map and to our delete origin, so it only ever restores this agent's deletions and
// the restored entries are the same Yjs items (other agents see them come back live).
import * as Y from 'yjs';
import { pagesMap } from '../../../site/siteDoc';

/** Origin of the deletions made from the tree (only these are undoable here). */
export const ORIGIN_TREE_DELETE = 'usine:tree-delete';

export class PageDeletions {
  private readonly undo: Y.UndoManager;

  constructor(manifest: Y.Doc) {
    this.undo = new Y.UndoManager(pagesMap(manifest), {
      trackedOrigins: new Set([ORIGIN_TREE_DELETE]),
      captureTimeout: 0,
    });
  }

  /** Deletes the pages (a page and its subpages) in one undoable step. */
  delete(manifest: Y.Doc, ids: readonly string[]): void {
    const pages = pagesMap(manifest);
    manifest.transact(() => {
      for (const id of ids) pages.delete(id);
    }, ORIGIN_TREE_DELETE);
    this.undo.stopCapturing();
  }

  canUndo(): boolean {
    return this.undo.canUndo();
  }

  /** Restores the last deletion; returns false when there is nothing to restore. */
  undoLast(): boolean {
    return this.undo.undo() !== null;
  }

  destroy(): void {
    this.undo.destroy();
  }
}
