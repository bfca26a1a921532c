/**
 * Where pending invitations are kept: DATA_DIR's SQLite (SqliteInvitationStore, the embedded
 * default) or PostgreSQL (postgres/PgInvitationStore, with DATABASE_URL, shared by every node).
 * accounts/Invitations.ts holds the policy (lifetime, cap per commune). Both run the contract
 * suite in accounts/InvitationStore.contract.ts.
 */
import type { Role } from '../../site/apiContract';

export interface InvitationRecord {
  email: string;
  insee: string;
  role: Role;
  invitedBy: string | null;
  createdAt: number;
}

export interface InvitationStore {
  /**
   * In one transaction (serialized per commune): deletes the invitations created before
   * `oldest`, then records (or renews) this one unless the commune already holds `max` others.
   * False when it did.
   */
  put(invitation: InvitationRecord, oldest: number, max: number): Promise<boolean>;
  /** Invitations created at or after `oldest`, oldest first. */
  forEmail(email: string, oldest: number): Promise<InvitationRecord[]>;
  forCommune(insee: string, oldest: number): Promise<InvitationRecord[]>;
  /** Removes and returns one (created at or after `oldest`): two takers, one gets it. */
  take(email: string, insee: string, oldest: number): Promise<InvitationRecord | undefined>;
  close(): Promise<void>;
}
