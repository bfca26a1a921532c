/** DATABASE_URL's check, apart from the PostgreSQL client (main.ts checks it without loading `pg`). */

/** The URL schemes of DATABASE_URL that select PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export const INVALID_DATABASE_URL =
  'DATABASE_URL invalide : elle doit commencer par « postgres:// » ou « postgresql:// ».';
