// The findings of a publication, page by page, each with a link that opens the page and moves
// the focus to the field to fix (RGAA 11.10, 11.11).
import type { PublishIssue } from '../../../site/apiContract';
import { focusTarget } from './feedback/ErrorSummary';
import { pageRoute } from './shell/routes';

/** After the page opened, moves the focus to its field `name` (tried for up to 3 s). */
export function focusFieldSoon(field: string | undefined): void {
  const started = Date.now();
  const attempt = () => {
    const target = field
      ? document.querySelector<HTMLElement>(`[data-field="${CSS.escape(field)}"]`)
      : document.querySelector<HTMLElement>('.page-heading');
    if (target) focusTarget(target).focus();
    else if (Date.now() - started < 3_000) setTimeout(attempt, 100);
  };
  setTimeout(attempt, 50);
}

export function PublishIssues({ issues, title }: { issues: readonly PublishIssue[]; title: string }) {
  if (issues.length === 0) return null;
  return (
    <div className="publish-issues">
      <p>{title}</p>
      <ul>
        {issues.map((issue, i) => (
          <li key={i}>
            {issue.pageId ? (
              <a href={`#${pageRoute(issue.pageId)}`} onClick={() => focusFieldSoon(issue.field)}>
                {issue.message}
              </a>
            ) : (
              issue.message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
