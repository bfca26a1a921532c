// Dates as the agent reads them, in French (« 22 novembre 2026 à 14 h 05 »).
const DATE_TIME = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short' });
const DATE = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long' });

export function formatDateTime(ms: number): string {
  return DATE_TIME.format(new Date(ms));
}

export function formatDate(ms: number): string {
  return DATE.format(new Date(ms));
}
