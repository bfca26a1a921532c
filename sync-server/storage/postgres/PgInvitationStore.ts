/**
 * InvitationStore on PostgreSQL (cluster mode): every node sees the same pending invitations.
 * `put` holds a transaction-scoped advisory lock on its commune while it counts and writes, so
 * two nodes inviting into one commune at once cannot pass its cap together; `take` is one
 * `DELETE … RETURNING`: of two nodes accepting the same invitation, one gets it.
 */
import { sql } from 'kysely';
import type { Role } from '../../../site/apiContract';
import type { InvitationRecord, InvitationStore } from '../InvitationStore';
import { LOCK_NAMESPACE } from './advisoryLocks';
import { openPostgres, type PgDatabase, type PgOpenOptions, type PgSchema } from './pgDatabase';

const fromRow = (row: PgSchema['agent_invitations']): InvitationRecord => ({
  email: row.email,
  insee: row.insee,
  role: row.role as Role,
  invitedBy: row.invited_by,
  createdAt: Number(row.created_at),
});

export class PgInvitationStore implements InvitationStore {
  private readonly db: PgDatabase;
  private readonly ownsDatabase: boolean;

  /** `ownsDatabase`: close() also ends the pool (as `PgInvitationStore.open` sets). */
  constructor(db: PgDatabase, options: { ownsDatabase?: boolean } = {}) {
    this.db = db;
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  /** Connects to `url` and migrates the schema (tests; the server shares composition's pool). */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PgInvitationStore> {
    return new PgInvitationStore(await openPostgres(url, options), { ownsDatabase: true });
  }

  async put(invitation: InvitationRecord, oldest: number, max: number): Promise<boolean> {
    const { email, insee, role, invitedBy, createdAt } = invitation;
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE.invitations}::int, hashtext(${insee}))`.execute(
        trx,
      );
      await trx.deleteFrom('agent_invitations').where('created_at', '<', oldest).execute();
      const { n } = await trx
        .selectFrom('agent_invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('insee', '=', insee)
        .where('email', '!=', email)
        .executeTakeFirstOrThrow();
      if (Number(n) >= max) return false;
      const values = { role, invited_by: invitedBy, created_at: createdAt };
      await trx
        .insertInto('agent_invitations')
        .values({ email, insee, ...values })
        .onConflict((oc) => oc.columns(['email', 'insee']).doUpdateSet(values))
        .execute();
      return true;
    });
  }

  async forEmail(email: string, oldest: number): Promise<InvitationRecord[]> {
    const rows = await this.db
      .selectFrom('agent_invitations')
      .selectAll()
      .where('email', '=', email)
      .where('created_at', '>=', oldest)
      .orderBy('created_at')
      .execute();
    return rows.map(fromRow);
  }

  async forCommune(insee: string, oldest: number): Promise<InvitationRecord[]> {
    const rows = await this.db
      .selectFrom('agent_invitations')
      .selectAll()
      .where('insee', '=', insee)
      .where('created_at', '>=', oldest)
      .orderBy('created_at')
      .execute();
    return rows.map(fromRow);
  }

  async take(email: string, insee: string, oldest: number): Promise<InvitationRecord | undefined> {
    const row = await this.db
      .deleteFrom('agent_invitations')
      .where('email', '=', email)
      .where('insee', '=', insee)
      .where('created_at', '>=', oldest)
      .returningAll()
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.db.destroy();
  }
}
