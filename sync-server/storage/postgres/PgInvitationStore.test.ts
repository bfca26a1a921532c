// PgInvitationStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts):
// the same contract suite as SQLite (accounts/InvitationStore.contract.ts), a second store
// standing for a second node. Rules of the suite: [INV-6]. Under CI=true an absent PostgreSQL
// fails the file.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { invitationStoreContract } from '../../accounts/InvitationStore.contract';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tests/throwawayPostgres';
import { openPostgres } from './pgDatabase';
import { PgInvitationStore } from './PgInvitationStore';

const availability = postgresAvailability();

describe.runIf(availability.available)('PgInvitationStore on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  invitationStoreContract('PgInvitationStore', async () => {
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await sql`truncate agent_invitations`.execute(db);
    } finally {
      await db.destroy();
    }
    return {
      store: await PgInvitationStore.open(server.url, { maxConnections: 4 }),
      another: () => PgInvitationStore.open(server.url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
