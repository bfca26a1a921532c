// The InvitationStore contract (InvitationStore.contract.ts) on DATA_DIR's SQLite, the embedded
// default: a second store is a second connection to the same file. Rules of the suite: [INV-6].
import { invitationStoreContract } from './InvitationStore.contract';
import { SqliteInvitationStore } from '../storage/SqliteInvitationStore';
import { openDatabase } from '../storage/database';
import { tempDataDir } from '../app/testHarness';

invitationStoreContract('SqliteInvitationStore', async () => {
  const data = await tempDataDir();
  const databases = [openDatabase(data.dir)];
  return {
    store: new SqliteInvitationStore(databases[0]!),
    another: async () => {
      const db = openDatabase(data.dir);
      databases.push(db);
      return new SqliteInvitationStore(db);
    },
    cleanup: async () => {
      for (const db of databases) db.close();
      await data.remove();
    },
  };
});
