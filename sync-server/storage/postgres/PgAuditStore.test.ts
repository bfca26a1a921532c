// PgAuditStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts): the
// same contract suite as SQLite (observability/AuditStore.contract.ts), a second store standing
// for a second node. Rules of the suite: [AUD-7]. Under CI=true an absent PostgreSQL fails.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { auditStoreContract } from '../../observability/AuditStore.contract';
import {
  postgresAvailability,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../../tests/throwawayPostgres';
import { openPostgres } from './pgDatabase';
import { PgAuditStore } from './PgAuditStore';

const availability = postgresAvailability();

describe.runIf(availability.available)('PgAuditStore on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  auditStoreContract('PgAuditStore', async () => {
    const db = await openPostgres(server.url, { maxConnections: 1 });
    try {
      await sql`truncate audit_log`.execute(db);
    } finally {
      await db.destroy();
    }
    return {
      store: await PgAuditStore.open(server.url, { maxConnections: 4 }),
      another: () => PgAuditStore.open(server.url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
