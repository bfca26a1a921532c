// PgAuditStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts): the
// same contract suite as SQLite (observability/AuditStore.contract.ts), a second store standing
// for a second node. Rules of the suite: [AUD-7]. Under CI=true an absent PostgreSQL fails.
import { auditStoreContract } from '../../observability/AuditStore.contract';
import { describeOnPostgres } from '../../tests/describeOnPostgres';
import { truncateTables } from '../../tests/throwawayPostgres';
import { PgAuditStore } from './PgAuditStore';

describeOnPostgres('PgAuditStore on PostgreSQL', (server) => {
  auditStoreContract('PgAuditStore', async () => {
    // Opened first: its migrations create the tables emptied next.
    const store = await PgAuditStore.open(server().url, { maxConnections: 4 });
    await truncateTables(server().url, ['audit_log']);
    return {
      store,
      another: () => PgAuditStore.open(server().url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
