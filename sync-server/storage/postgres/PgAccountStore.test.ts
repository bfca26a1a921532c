// PgAccountStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts): the
// same contract suite as SQLite (AccountStore.contract.ts), a second store standing for a
// second node on the same database. Under CI=true an absent PostgreSQL fails the file.
// Rules of the suite: [CLU-1] [CLU-2] [CLU-3] [CLU-4] [CONN-4] (sync-server/SPEC.md).
import { afterAll, beforeAll, describe } from 'vitest';
import { sql } from 'kysely';
import { accountStoreContract } from '../../accounts/AccountStore.contract';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tests/throwawayPostgres';
import { openPostgres } from './pgDatabase';
import { PgAccountStore } from './PgAccountStore';

const availability = postgresAvailability();

describe.runIf(availability.available)('PgAccountStore on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  accountStoreContract('PgAccountStore', async () => {
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await sql`truncate login_throttle, tokens, sessions, agent_roles, agents, commune_data_deleted, communes`.execute(
        db,
      );
    } finally {
      await db.destroy();
    }
    return {
      store: await PgAccountStore.open(server.url, { maxConnections: 4 }),
      another: () => PgAccountStore.open(server.url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
