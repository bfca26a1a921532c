// The AccountStore contract (AccountStore.contract.ts) on DATA_DIR's SQLite, the embedded
// default: a second store is a second connection to the same file, as the admin CLI opens.
// Rules of the suite: [CLU-1] [CLU-2] [CLU-3] [CLU-4] [CONN-4] (sync-server/SPEC.md).
import { accountStoreContract } from './AccountStore.contract';
import { SqliteAccountStore } from '../storage/SqliteAccountStore';
import { openDatabase } from '../storage/database';
import { tempDataDir } from '../app/testHarness';

accountStoreContract('SqliteAccountStore', async () => {
  const data = await tempDataDir();
  const databases = [openDatabase(data.dir)];
  return {
    store: new SqliteAccountStore(databases[0]!),
    another: async () => {
      const db = openDatabase(data.dir);
      databases.push(db);
      return new SqliteAccountStore(db);
    },
    cleanup: async () => {
      for (const db of databases) db.close();
      await data.remove();
    },
  };
});
