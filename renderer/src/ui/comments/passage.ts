// The text of the page as shown in the editor, and the passages of comments in it: a selection
// becomes a quote (its words and a little context, site/pageComments), and a quote becomes a
// DOM Range again for highlighting, wherever the passage moved since.
import { type CommentQuote, findQuote, quoteOf } from '../../../../site/pageComments';

function textNodes(root: Node): Text[] {
  const out: Text[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) out.push(node as Text);
  return out;
}

/** Characters of `root`'s text before (`node`, `offset`). */
function offsetIn(root: Node, node: Node, offset: number): number {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

/** The quote of the current selection when it lies inside `root` and holds some text, else null. */
export function selectedQuote(root: HTMLElement): CommentQuote | null {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
  const selected = range.toString();
  if (!selected.trim()) return null;
  const text = textNodes(root)
    .map((t) => t.data)
    .join('');
  return quoteOf(text, offsetIn(root, range.startContainer, range.startOffset), selected);
}

/** A Range over the quoted passage in `root` now, or null when it was changed or removed. */
export function rangeOfQuote(root: HTMLElement, quote: CommentQuote): Range | null {
  const nodes = textNodes(root);
  const found = findQuote(nodes.map((t) => t.data).join(''), quote);
  if (!found) return null;
  const range = document.createRange();
  let seen = 0;
  let started = false;
  for (const node of nodes) {
    const end = seen + node.data.length;
    if (!started && found.start < end) {
      range.setStart(node, found.start - seen);
      started = true;
    }
    if (started && found.end <= end) {
      range.setEnd(node, found.end - seen);
      return range;
    }
    seen = end;
  }
  return null;
}
