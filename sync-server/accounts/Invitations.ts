/**
 * Invitations to join a commune (issue #9, finding 7): a référent does not attach an account to
 * their commune, they invite an e-mail address; the account holder sees the invitation after
 * logging in and accepts or declines it. SQLite table `agent_invitations`, one pending
 * invitation per (e-mail, commune); the newest replaces the older one. Invitations expire after
 * `INVITATION_TTL_MS`.
 */
import type { Role } from '../../site/apiContract';
import type { SqliteDatabase } from '../storage/database';

export const INVITATION_TTL_MS = 30 * 86_400_000;
/** Pending invitations a commune may hold at once (a bound on what a référent can store). */
export const MAX_PENDING_PER_COMMUNE = 500;

export interface Invitation {
  email: string;
  insee: string;
  role: Role;
  invitedBy: string | null;
  createdAt: number;
}

interface InvitationRow {
  email: string;
  insee: string;
  role: Role;
  invited_by: string | null;
  created_at: number;
}

const fromRow = (row: InvitationRow): Invitation => ({
  email: row.email,
  insee: row.insee,
  role: row.role,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
});

export class Invitations {
  private readonly db: SqliteDatabase;
  private readonly now: () => number;

  constructor(db: SqliteDatabase, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  private get oldest(): number {
    return this.now() - INVITATION_TTL_MS;
  }

  /** Records (or renews) an invitation. False when the commune already holds too many. */
  put(email: string, insee: string, role: Role, invitedBy: string | null): boolean {
    this.db.prepare('DELETE FROM agent_invitations WHERE created_at < ?').run(this.oldest);
    const held = this.db
      .prepare('SELECT COUNT(*) AS n FROM agent_invitations WHERE insee = ? AND email != ?')
      .get(insee, email) as { n: number };
    if (held.n >= MAX_PENDING_PER_COMMUNE) return false;
    this.db
      .prepare(
        `INSERT INTO agent_invitations (email, insee, role, invited_by, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (email, insee) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by,
         created_at = excluded.created_at`,
      )
      .run(email, insee, role, invitedBy, this.now());
    return true;
  }

  /** Pending invitations of one e-mail address, oldest first. */
  forEmail(email: string): Invitation[] {
    return (
      this.db
        .prepare('SELECT * FROM agent_invitations WHERE email = ? AND created_at >= ? ORDER BY created_at')
        .all(email, this.oldest) as InvitationRow[]
    ).map(fromRow);
  }

  /** Pending invitations of one commune, oldest first. */
  forCommune(insee: string): Invitation[] {
    return (
      this.db
        .prepare('SELECT * FROM agent_invitations WHERE insee = ? AND created_at >= ? ORDER BY created_at')
        .all(insee, this.oldest) as InvitationRow[]
    ).map(fromRow);
  }

  /** Removes and returns a pending invitation, if there is one. */
  take(email: string, insee: string): Invitation | undefined {
    const row = this.db
      .prepare('DELETE FROM agent_invitations WHERE email = ? AND insee = ? AND created_at >= ? RETURNING *')
      .get(email, insee, this.oldest) as InvitationRow | undefined;
    return row ? fromRow(row) : undefined;
  }
}
