// Dates as the agent reads them, in French (« 22 novembre 2026 à 14:05 », « 1er juillet 2026 »).
import { frenchDateFormat } from '../../../site/frenchDate';

const DATE_TIME = frenchDateFormat({ dateStyle: 'long', timeStyle: 'short' });
const DATE = frenchDateFormat({ dateStyle: 'long' });

export function formatDateTime(ms: number): string {
  return DATE_TIME.format(new Date(ms));
}

export function formatDate(ms: number): string {
  return DATE.format(new Date(ms));
}
