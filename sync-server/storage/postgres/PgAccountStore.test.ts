// PgAccountStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts): the
// same contract suite as SQLite (AccountStore.contract.ts), a second store standing for a
// second node on the same database. Under CI=true an absent PostgreSQL fails the file.
// Rules of the suite: [CLU-1] [CLU-2] [CLU-3] [CLU-4] [CONN-4] (sync-server/SPEC.md).
import { accountStoreContract } from '../../accounts/AccountStore.contract';
import { describeOnPostgres } from '../../tests/describeOnPostgres';
import { truncateTables } from '../../tests/throwawayPostgres';
import { PgAccountStore } from './PgAccountStore';

describeOnPostgres('PgAccountStore on PostgreSQL', (server) => {
  accountStoreContract('PgAccountStore', async () => {
    // Opened first: its migrations create the tables emptied next.
    const store = await PgAccountStore.open(server().url, { maxConnections: 4 });
    await truncateTables(server().url, [
      'login_throttle',
      'tokens',
      'sessions',
      'agent_roles',
      'agents',
      'commune_data_deleted',
      'communes',
    ]);
    return {
      store,
      another: () => PgAccountStore.open(server().url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
