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
// our setter; the filter it was given stays the first condition.
import * as Y from 'yjs';

const BASE_FILTER = Symbol('usine:baseDeleteFilter');
const MAX_DEPTH = 200;

type Filterable = Y.UndoManager & { [BASE_FILTER]?: (item: Y.Item) => boolean };

/** True when `type` (or a type inside it) holds a live item written by another client. */
export function holdsForeignContent(type: Y.AbstractType<unknown>, localClient: number, depth = 0): boolean {
  // Beyond any real page's nesting: keep rather than risk hiding someone's text.
  if (depth > MAX_DEPTH) return true;
  const visit = (item: Y.Item): boolean => {
    if (item.deleted) return false;
    if (item.id.client !== localClient) return true;
    return (
      item.content instanceof Y.ContentType && holdsForeignContent(item.content.type, localClient, depth + 1)
    );
  };
  for (let item = type._start; item !== null; item = item.right) if (visit(item)) return true;
  for (const item of type._map.values()) if (visit(item)) return true;
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
      const base = this[BASE_FILTER] ?? (() => true);
      const doc = this.doc;
      return (item: Y.Item) => base(item) && !keepsOthersWriting(item, doc.clientID);
    },
    set(this: Filterable, filter: (item: Y.Item) => boolean) {
      this[BASE_FILTER] = filter;
    },
  });
}
