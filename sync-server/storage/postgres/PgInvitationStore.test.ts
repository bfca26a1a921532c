// PgInvitationStore on a real, throwaway PostgreSQL (sync-server/tests/throwawayPostgres.ts):
// the same contract suite as SQLite (accounts/InvitationStore.contract.ts), a second store
// standing for a second node. Rules of the suite: [INV-6]. Under CI=true an absent PostgreSQL
// fails the file.
import { invitationStoreContract } from '../../accounts/InvitationStore.contract';
import { describeOnPostgres } from '../../tests/describeOnPostgres';
import { truncateTables } from '../../tests/throwawayPostgres';
import { PgInvitationStore } from './PgInvitationStore';

describeOnPostgres('PgInvitationStore on PostgreSQL', (server) => {
  invitationStoreContract('PgInvitationStore', async () => {
    // Opened first: its migrations create the tables emptied next.
    const store = await PgInvitationStore.open(server().url, { maxConnections: 4 });
    await truncateTables(server().url, ['agent_invitations']);
    return {
      store,
      another: () => PgInvitationStore.open(server().url, { maxConnections: 4 }),
      cleanup: async () => {},
    };
  });
});
