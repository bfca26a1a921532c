// Highlights the passages of the page's open comments in the editor (CSS Custom Highlight API:
// nothing is written into the body), the one being looked at more strongly.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useEffect } from 'react';
import type { PageComment } from '../../../../site/pageComments';
import { rangeOfQuote } from './passage';

const ALL = 'usine-comment';
const ACTIVE = 'usine-comment-active';

export function CommentHighlights({
  comments,
  activeId,
}: {
  comments: PageComment[];
  activeId: string | null;
}) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    if (typeof CSS === 'undefined' || !('highlights' in CSS)) return undefined;
    // Nothing to mark (no open comment on a passage): nothing set at each keystroke.
    if (!comments.some((c) => !c.resolved && c.quote)) {
      CSS.highlights.delete(ALL);
      CSS.highlights.delete(ACTIVE);
      return undefined;
    }
    const paint = () => {
      const root = editor.getRootElement();
      const all: Range[] = [];
      const active: Range[] = [];
      if (root) {
        for (const comment of comments) {
          if (comment.resolved || !comment.quote) continue;
          const range = rangeOfQuote(root, comment.quote);
          if (range) (comment.id === activeId ? active : all).push(range);
        }
      }
      CSS.highlights.set(ALL, new Highlight(...all));
      CSS.highlights.set(ACTIVE, new Highlight(...active));
    };
    paint();
    const unregister = editor.registerUpdateListener(paint);
    return () => {
      unregister();
      CSS.highlights.delete(ALL);
      CSS.highlights.delete(ACTIVE);
    };
  }, [editor, comments, activeId]);
  return null;
}
