/**
 * Where the audit log's rows are kept: DATA_DIR's SQLite (SqliteAuditStore, the embedded
 * default) or PostgreSQL (postgres/PgAuditStore, with DATABASE_URL, one log for every node).
 * observability/AuditLog.ts holds the policy (clipping, counted refusals, retention); a store
 * holds rows. Both run the contract suite in observability/AuditStore.contract.ts.
 */

/** One row as written: `details` is its JSON text. */
export interface AuditRowInput {
  at: number;
  event: string;
  insee: string | null;
  agentId: string | null;
  address: string | null;
  outcome: string | null;
  details: string;
}

export interface AuditRowRead extends AuditRowInput {
  id: number;
}

export interface AuditQuery {
  insee?: string;
  event?: string;
  /** The newest `limit` rows matching, returned oldest first. */
  limit: number;
}

export interface AuditStore {
  /** Appends a row; its id. Rows appended by one caller keep their order (ids increase). */
  insert(row: AuditRowInput): Promise<number>;
  /** Replaces the details of rows (counted refusals growing). */
  updateDetails(updates: Array<{ id: number; details: string }>): Promise<void>;
  list(query: AuditQuery): Promise<AuditRowRead[]>;
  /** Deletes the rows older than `before`; how many. */
  deleteBefore(before: number): Promise<number>;
  close(): Promise<void>;
}
