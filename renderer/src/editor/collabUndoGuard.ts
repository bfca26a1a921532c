// Collaborative undo never hides another agent's writing (facebook/lexical#6614).
//
// Lexical's CollaborationPlugin creates its Y.UndoManager itself and takes no option for it. Its
// V1 binding keeps a text node's properties in a Y.Map embedded in the paragraph's Y.XmlText just
// before the node's characters. When agent A undoes the typing that created a text node (or a
// paragraph) which agent B then extended, the UndoManager deletes A's map (or paragraph) and B's
// characters — still in the doc — are shown by no one any more. Yjs's UndoManager has the hook
// for this, `deleteFilter`: we keep every shared type that still holds another client's live
// content, and every text-node map followed by another client's live characters. A's own
// characters are removed as before; B's stay, in A's (kept) node.
//
// The filter is installed on Y.UndoManager.prototype as an accessor, so the instance Lexical
// creates gets it too: the UndoManager constructor assigns `this.deleteFilter = …`, which calls
// our setter, which wraps the filter it was given (still the first condition) once.
import * as Y from 'yjs';

const GUARDED_FILTER = Symbol('usine:guardedDeleteFilter');
const MAX_DEPTH = 200;

type Filterable = Y.UndoManager & { [GUARDED_FILTER]?: (item: Y.Item) => boolean };

/**
 * True when `type` (or a type inside it) holds live content written by another client: text or
 * nodes. Another client's plain property on it (an alignment, a format) is not their writing:
 * it does not keep an otherwise empty node alive.
 */
export function holdsForeignContent(type: Y.AbstractType<unknown>, localClient: number, depth = 0): boolean {
  // Beyond any real page's nesting: keep rather than risk hiding someone's text.
  if (depth > MAX_DEPTH) return true;
  const visit = (item: Y.Item, property: boolean): boolean => {
    if (item.deleted) return false;
    const nested = item.content instanceof Y.ContentType;
    if (item.id.client !== localClient && (nested || !property)) return true;
    return nested && holdsForeignContent((item.content as Y.ContentType).type, localClient, depth + 1);
  };
  for (let item = type._start; item !== null; item = item.right) if (visit(item, false)) return true;
  for (const item of type._map.values()) if (visit(item, true)) return true;
  return false;
}

/**
 * True when deleting `item` would hide what another client wrote (see the file comment): a node
 * holding or followed by their writing — or one of that node's own properties (`__type`,
 * `__format`…: a kept node must stay readable by the binding).
 */
export function keepsOthersWriting(item: Y.Item, localClient: number): boolean {
  if (item.parentSub !== null) {
    const owner = (item.parent as Y.AbstractType<unknown>)._item;
    if (owner !== null && !owner.deleted && keepsNode(owner, localClient)) return true;
  }
  return keepsNode(item, localClient);
}

function keepsNode(item: Y.Item, localClient: number): boolean {
  if (!(item.content instanceof Y.ContentType)) return false;
  const type = item.content.type;
  if (holdsForeignContent(type, localClient)) return true;
  if (!(type instanceof Y.Map) || !(item.parent instanceof Y.XmlText)) return false;
  // A text node's map: its characters follow it, up to the next live embedded node.
  for (let next = item.right; next !== null; next = next.right) {
    if (next.deleted) continue;
    if (next.content instanceof Y.ContentType || next.content instanceof Y.ContentEmbed) return false;
    if (next.content instanceof Y.ContentString && next.id.client !== localClient) return true;
  }
  return false;
}

let installed = false;

/** Installs the guard on every Y.UndoManager created from now on (idempotent). */
export function installCollabUndoGuard(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(Y.UndoManager.prototype, 'deleteFilter', {
    configurable: true,
    get(this: Filterable) {
      return this[GUARDED_FILTER] ?? (() => true);
    },
    set(this: Filterable, filter: (item: Y.Item) => boolean) {
      // Built once per UndoManager: Yjs calls the filter for every item an undo deletes.
      this[GUARDED_FILTER] = (item: Y.Item) => filter(item) && !keepsOthersWriting(item, this.doc.clientID);
    },
  });
}
