/** InvitationStore in DATA_DIR's SQLite file (the embedded default; synchronous underneath). */
import type { Role } from '../../site/apiContract';
import type { SqliteDatabase } from './database';
import type { InvitationRecord, InvitationStore } from './InvitationStore';

interface InvitationRow {
  email: string;
  insee: string;
  role: Role;
  invited_by: string | null;
  created_at: number;
}

const fromRow = (row: InvitationRow): InvitationRecord => ({
  email: row.email,
  insee: row.insee,
  role: row.role,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
});

export class SqliteInvitationStore implements InvitationStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async put(invitation: InvitationRecord, oldest: number, max: number): Promise<boolean> {
    const { email, insee, role, invitedBy, createdAt } = invitation;
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM agent_invitations WHERE created_at < ?').run(oldest);
        const held = this.db
          .prepare('SELECT COUNT(*) AS n FROM agent_invitations WHERE insee = ? AND email != ?')
          .get(insee, email) as { n: number };
        if (held.n >= max) return false;
        this.db
          .prepare(
            `INSERT INTO agent_invitations (email, insee, role, invited_by, created_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (email, insee) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by,
             created_at = excluded.created_at`,
          )
          .run(email, insee, role, invitedBy, createdAt);
        return true;
      })
      .immediate();
  }

  async forEmail(email: string, oldest: number): Promise<InvitationRecord[]> {
    return (
      this.db
        .prepare('SELECT * FROM agent_invitations WHERE email = ? AND created_at >= ? ORDER BY created_at')
        .all(email, oldest) as InvitationRow[]
    ).map(fromRow);
  }

  async forCommune(insee: string, oldest: number): Promise<InvitationRecord[]> {
    return (
      this.db
        .prepare('SELECT * FROM agent_invitations WHERE insee = ? AND created_at >= ? ORDER BY created_at')
        .all(insee, oldest) as InvitationRow[]
    ).map(fromRow);
  }

  async take(email: string, insee: string, oldest: number): Promise<InvitationRecord | undefined> {
    const row = this.db
      .prepare('DELETE FROM agent_invitations WHERE email = ? AND insee = ? AND created_at >= ? RETURNING *')
      .get(email, insee, oldest) as InvitationRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  async close(): Promise<void> {}
}
