// The errors of a form, listed above it (RGAA 11.10 and 11.11): one link per field to fix, named
// by the field's label, that moves the focus to the field — whose error message, next to it,
// says what to do (shown once the link is followed). Hash addresses are the editor's routes, so the link does not change the
// address: it focuses the field itself (and scrolls it into view).
import { useId } from 'react';

export interface SummaryIssue {
  /** Identifies the issue's field for the form (e.g. to show its error once followed). */
  key: string;
  /** The id of the field's control. */
  fieldId: string;
  /** The field's label, as the agent reads it. */
  label: string;
  /** The error itself (shown next to the field). */
  message: string;
}

const FOCUSABLE =
  'input:not([type="hidden"]), select:not([tabindex="-1"]), textarea, button, [role="spinbutton"], [tabindex]:not([tabindex="-1"])';

/** The element itself when it takes the focus, else its first control (a date field's day). */
export function focusTarget(element: HTMLElement): HTMLElement {
  return element.matches(FOCUSABLE) ? element : (element.querySelector<HTMLElement>(FOCUSABLE) ?? element);
}

export function focusField(fieldId: string): void {
  const field = document.getElementById(fieldId);
  if (!field) return;
  field.scrollIntoView({ block: 'center' });
  focusTarget(field).focus();
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
  const fields = issues.filter((issue, i) => issues.findIndex((x) => x.fieldId === issue.fieldId) === i);
  if (fields.length === 0) return null;
  return (
    <div className="error-summary" role="region" aria-labelledby={headingId}>
      <h2 id={headingId} className="error-summary-title">
        {title} ({fields.length === 1 ? '1 champ' : `${fields.length} champs`})
      </h2>
      <ul>
        {fields.map((issue) => (
          <li key={issue.fieldId}>
            <a
              href={`#${issue.fieldId}`}
              onClick={(event) => {
                event.preventDefault();
                onFollow?.(issue);
                focusField(issue.fieldId);
              }}
            >
              {issue.label}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
