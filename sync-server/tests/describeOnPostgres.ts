// Test helper (vitest only): a describe block on a throwaway PostgreSQL.
import { afterAll, beforeAll, describe } from 'vitest';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';

/**
 * A describe block whose tests share one throwaway PostgreSQL (started before them, stopped
 * after): skipped where PostgreSQL is absent, never under CI=true (postgresAvailability).
 */
export function describeOnPostgres(name: string, body: (server: () => ThrowawayPostgres) => void): void {
  describe.runIf(postgresAvailability().available)(name, () => {
    let server: ThrowawayPostgres | undefined;
    beforeAll(async () => {
      server = await startThrowawayPostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });
    body(() => {
      if (!server) throw new Error('PostgreSQL jetable pas encore démarré');
      return server;
    });
  });
}
