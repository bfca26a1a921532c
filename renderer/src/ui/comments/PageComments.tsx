// « Commentaires », a section of the page's side panel: élus and relecteurs comment the page or
// a passage they selected in its text; agents and référents answer and resolve. Comments live
// in the page's doc (site/pageComments), so they are live, written offline and sent later like
// any edit, and never published.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { MessageSquareText } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import type * as Y from 'yjs';
import {
  addComment,
  type CommentAuthor,
  type CommentQuote,
  commentTextProblem,
  MAX_COMMENT_CHARS,
  type PageComment,
  replyToComment,
  setCommentResolved,
} from '../../../../site/pageComments';
import { formatDateTime } from '../formatDate';
import { CommentHighlights } from './CommentHighlights';
import { rangeOfQuote, selectedQuote } from './passage';
import { usePageComments } from './usePageComments';

interface Props {
  doc: Y.Doc;
  author: CommentAuthor;
  /** Agents and référents answer and resolve; élus and relecteurs comment. */
  canResolve: boolean;
}

export function PageComments({ doc, author, canResolve }: Props) {
  const comments = usePageComments(doc);
  const [activeId, setActiveId] = useState<string | null>(null);
  const headingId = useId();
  const open = comments.filter((c) => !c.resolved);
  const resolved = comments.filter((c) => c.resolved);
  const [editor] = useLexicalComposerContext();

  const showPassage = (comment: PageComment) => {
    setActiveId(comment.id);
    const root = editor.getRootElement();
    const range = root && comment.quote ? rangeOfQuote(root, comment.quote) : null;
    range?.startContainer.parentElement?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };

  return (
    <section className="panel-block comments" aria-labelledby={headingId}>
      <CommentHighlights comments={comments} activeId={activeId} />
      <h2 id={headingId} className="panel-title comments-title">
        <MessageSquareText aria-hidden="true" size={18} />
        Commentaires
        <span className="comments-count">
          {open.length === 0 ? 'aucun en attente' : `${open.length} en attente`}
        </span>
      </h2>
      <p className="hint">Jamais publiés : seules les personnes qui travaillent sur le site les lisent.</p>
      <NewComment doc={doc} author={author} folded={canResolve} />
      {open.length > 0 && (
        <ul className="comment-list" aria-label="Commentaires en attente">
          {open.map((c) => (
            <li key={c.id}>
              <CommentCard
                comment={c}
                doc={doc}
                author={author}
                canResolve={canResolve}
                active={c.id === activeId}
                onShowPassage={() => showPassage(c)}
              />
            </li>
          ))}
        </ul>
      )}
      {resolved.length > 0 && (
        <details className="comments-resolved">
          <summary>Commentaires résolus ({resolved.length})</summary>
          <ul className="comment-list" aria-label="Commentaires résolus">
            {resolved.map((c) => (
              <li key={c.id}>
                <CommentCard
                  comment={c}
                  doc={doc}
                  author={author}
                  canResolve={canResolve}
                  active={false}
                  onShowPassage={() => showPassage(c)}
                />
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** The passage selected in the editor, kept while the agent types (the focus leaves the text). */
function useSelectedPassage(): [CommentQuote | null, () => void] {
  const [editor] = useLexicalComposerContext();
  const [quote, setQuote] = useState<CommentQuote | null>(null);
  useEffect(() => {
    const onChange = () => {
      const root = editor.getRootElement();
      const next = root ? selectedQuote(root) : null;
      if (next) setQuote(next);
    };
    document.addEventListener('selectionchange', onChange);
    return () => document.removeEventListener('selectionchange', onChange);
  }, [editor]);
  return [quote, () => setQuote(null)];
}

/** `folded`: behind a button (agents mostly answer; the panel stays short for them). */
function NewComment({ doc, author, folded }: { doc: Y.Doc; author: CommentAuthor; folded: boolean }) {
  const [quote, clearQuote] = useSelectedPassage();
  const [unfolded, setUnfolded] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = commentTextProblem(text);
    if (problem) {
      setError(problem);
      document.getElementById(`${id}-text`)?.focus();
      return;
    }
    try {
      addComment(doc, author, text, quote);
      setText('');
      setError(null);
      clearQuote();
      setSent('Commentaire ajouté. Il est enregistré sur cet ordinateur et envoyé dès que possible.');
      setUnfolded(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  if (folded && !unfolded)
    return (
      <p className="comment-add">
        <button type="button" onClick={() => setUnfolded(true)}>
          Ajouter un commentaire
        </button>
        <span className="comment-sent" aria-live="polite">
          {sent}
        </span>
      </p>
    );
  return (
    <form className="comment-form" onSubmit={submit} noValidate>
      {quote ? (
        <div className="comment-draft-quote">
          <p>
            Passage sélectionné : <q>{shorten(quote.exact)}</q>
          </p>
          <button type="button" className="link-button" onClick={clearQuote}>
            Commenter toute la page
          </button>
        </div>
      ) : (
        <p className="hint">
          Sélectionnez un passage du texte pour le commenter, ou commentez toute la page.
        </p>
      )}
      <label htmlFor={`${id}-text`}>Votre commentaire</label>
      <textarea
        id={`${id}-text`}
        value={text}
        rows={3}
        maxLength={MAX_COMMENT_CHARS}
        autoFocus={folded}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setSent(null);
        }}
      />
      {error && (
        <p id={`${id}-error`} className="error">
          {error}
        </p>
      )}
      <button type="submit" className="primary">
        {quote ? 'Commenter le passage' : 'Commenter la page'}
      </button>
      <p className="comment-sent" aria-live="polite">
        {sent}
      </p>
    </form>
  );
}

function CommentCard(props: {
  comment: PageComment;
  doc: Y.Doc;
  author: CommentAuthor;
  canResolve: boolean;
  active: boolean;
  onShowPassage: () => void;
}) {
  const { comment: c, doc, author, canResolve } = props;
  const headingId = useId();
  return (
    <article
      className={`comment${props.active ? ' comment-active' : ''}${c.resolved ? ' comment-resolved' : ''}`}
      aria-labelledby={headingId}
    >
      <h3 id={headingId} className="comment-author">
        Commentaire de {c.authorName || 'quelqu’un'}
        <span className="comment-date"> · {formatDateTime(c.createdAt)}</span>
      </h3>
      {c.quote && (
        <div className="comment-quote">
          <q>{shorten(c.quote.exact)}</q>
          <button type="button" className="link-button" onClick={props.onShowPassage}>
            Voir le passage
          </button>
        </div>
      )}
      <p className="comment-text">{c.text}</p>
      {c.replies.length > 0 && (
        <ul className="comment-replies" aria-label="Réponses">
          {c.replies.map((r) => (
            <li key={r.id}>
              <p className="comment-author">
                {r.authorName || 'quelqu’un'}{' '}
                <span className="comment-date">· {formatDateTime(r.createdAt)}</span>
              </p>
              <p className="comment-text">{r.text}</p>
            </li>
          ))}
        </ul>
      )}
      {c.resolved && (
        <p className="comment-state">
          Résolu par {c.resolvedBy || 'un agent'} le {formatDateTime(c.resolvedAt)}.
        </p>
      )}
      <div className="comment-actions">
        {!c.resolved && <ReplyForm doc={doc} commentId={c.id} author={author} />}
        {canResolve && (
          <button
            type="button"
            onClick={() => setCommentResolved(doc, c.id, !c.resolved, author.name)}
            aria-describedby={headingId}
          >
            {c.resolved ? 'Rouvrir' : 'Marquer comme résolu'}
          </button>
        )}
      </div>
    </article>
  );
}

function ReplyForm({ doc, commentId, author }: { doc: Y.Doc; commentId: string; author: CommentAuthor }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Répondre
      </button>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      replyToComment(doc, commentId, author, text);
      setText('');
      setError(null);
      setOpen(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      document.getElementById(`${id}-text`)?.focus();
    }
  };
  return (
    <form className="comment-form" onSubmit={submit} noValidate>
      <label htmlFor={`${id}-text`}>Votre réponse</label>
      <textarea
        id={`${id}-text`}
        value={text}
        rows={2}
        maxLength={MAX_COMMENT_CHARS}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => setText(e.target.value)}
      />
      {error && (
        <p id={`${id}-error`} className="error">
          {error}
        </p>
      )}
      <div className="comment-actions">
        <button type="submit" className="primary">
          Envoyer la réponse
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Annuler
        </button>
      </div>
    </form>
  );
}

function shorten(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
