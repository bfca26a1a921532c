// The AuditStore contract (AuditStore.contract.ts) on DATA_DIR's SQLite, the embedded default:
// a second store is a second connection to the same file. Rules of the suite: [AUD-7].
import { auditStoreContract } from './AuditStore.contract';
import { SqliteAuditStore } from '../storage/SqliteAuditStore';
import { openDatabase } from '../storage/database';
import { tempDataDir } from '../app/testHarness';

auditStoreContract('SqliteAuditStore', async () => {
  const data = await tempDataDir();
  const databases = [openDatabase(data.dir)];
  return {
    store: new SqliteAuditStore(databases[0]!),
    another: async () => {
      const db = openDatabase(data.dir);
      databases.push(db);
      return new SqliteAuditStore(db);
    },
    cleanup: async () => {
      for (const db of databases) db.close();
      await data.remove();
    },
  };
});
