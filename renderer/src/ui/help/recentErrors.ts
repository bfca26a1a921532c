// The editor's last errors, for the support report (« Signaler un problème »):
// uncaught errors and rejections, newest last, bounded in number and length. The main process
// redacts them again before writing the report (electron/supportReport.ts `redactSecrets`).
export const MAX_ERRORS = 20;
export const MAX_ERROR_LENGTH = 500;

export interface RecentErrors {
  add: (message: string) => void;
  list: () => string[];
}

export function createRecentErrors(now: () => Date = () => new Date()): RecentErrors {
  const errors: string[] = [];
  return {
    add(message) {
      errors.push(`${now().toISOString()} ${message.slice(0, MAX_ERROR_LENGTH)}`);
      if (errors.length > MAX_ERRORS) errors.splice(0, errors.length - MAX_ERRORS);
    },
    list: () => [...errors],
  };
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}

/** The errors of this window since the editor started. */
export const recentErrors = createRecentErrors();

/** Listens to the window's uncaught errors and rejections (called once, from main.tsx). */
export function collectWindowErrors(target: Window = window, errors: RecentErrors = recentErrors): void {
  target.addEventListener('error', (event) => errors.add(messageOf(event.error ?? event.message)));
  target.addEventListener('unhandledrejection', (event) => errors.add(messageOf(event.reason)));
}
