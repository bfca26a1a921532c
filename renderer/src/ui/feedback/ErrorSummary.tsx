// The errors of a form, listed above it (RGAA 11.10 and 11.11): each one a link that moves the
// focus to its field. Hash addresses are the editor's routes, so the link does not change the
// address: it focuses the field itself (and scrolls it into view).
import { useId } from 'react';

export interface SummaryIssue {
  /** Identifies the issue's field for the form (e.g. to show its error once followed). */
  key: string;
  /** The id of the field's control. */
  fieldId: string;
  /** The field's label, as the agent reads it. */
  label: string;
  message: string;
}

export function focusField(fieldId: string): void {
  const field = document.getElementById(fieldId);
  if (!field) return;
  field.scrollIntoView({ block: 'center' });
  field.focus();
}

interface Props {
  issues: readonly SummaryIssue[];
  /** « Pour publier, complétez : » or similar; the count is added. */
  title: string;
  /** Called when a link is followed (the form shows that field's error). */
  onFollow?: (issue: SummaryIssue) => void;
}

export function ErrorSummary({ issues, title, onFollow }: Props) {
  const headingId = useId();
  if (issues.length === 0) return null;
  return (
    <div className="error-summary" role="region" aria-labelledby={headingId}>
      <h2 id={headingId} className="error-summary-title">
        {title} ({issues.length === 1 ? '1 point' : `${issues.length} points`})
      </h2>
      <ul>
        {issues.map((issue) => (
          <li key={`${issue.fieldId}:${issue.message}`}>
            <a
              href={`#${issue.fieldId}`}
              onClick={(event) => {
                event.preventDefault();
                onFollow?.(issue);
                focusField(issue.fieldId);
              }}
            >
              {issue.label} : {issue.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
