/**
 * AuditStore on PostgreSQL (cluster mode, `DATABASE_URL=postgres://…`): one audit log for every
 * node. A node's rows are inserted one after the other (a chain of promises), so the ids of its
 * rows follow the order it recorded them in; rows of two nodes interleave by commit.
 */
import type { AuditQuery, AuditRowInput, AuditRowRead, AuditStore } from '../AuditStore';
import { openPostgres, type PgDatabase, type PgOpenOptions } from './pgDatabase';

export class PgAuditStore implements AuditStore {
  private readonly db: PgDatabase;
  private readonly ownsDatabase: boolean;
  /** The last insert of this node: the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();

  /** `ownsDatabase`: close() also ends the pool (as `PgAuditStore.open` sets). */
  constructor(db: PgDatabase, options: { ownsDatabase?: boolean } = {}) {
    this.db = db;
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  /** Connects to `url` and migrates the schema (tests; the server shares composition's pool). */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PgAuditStore> {
    return new PgAuditStore(await openPostgres(url, options), { ownsDatabase: true });
  }

  insert(row: AuditRowInput): Promise<number> {
    const inserted = this.tail.then(async () => {
      const { id } = await this.db
        .insertInto('audit_log')
        .values({
          at: row.at,
          event: row.event,
          insee: row.insee,
          agent_id: row.agentId,
          address: row.address,
          outcome: row.outcome,
          details: row.details,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(id);
    });
    this.tail = inserted.catch(() => {});
    return inserted;
  }

  async updateDetails(updates: Array<{ id: number; details: string }>): Promise<void> {
    if (updates.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const { id, details } of updates)
        await trx.updateTable('audit_log').set({ details }).where('id', '=', id).execute();
    });
  }

  async list(query: AuditQuery): Promise<AuditRowRead[]> {
    await this.tail;
    let newest = this.db.selectFrom('audit_log').selectAll();
    if (query.insee) newest = newest.where('insee', '=', query.insee);
    if (query.event) newest = newest.where('event', '=', query.event);
    const rows = await this.db
      .selectFrom(newest.orderBy('id', 'desc').limit(query.limit).as('newest'))
      .selectAll()
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      at: Number(row.at),
      event: row.event,
      insee: row.insee,
      agentId: row.agent_id,
      address: row.address,
      outcome: row.outcome,
      details: row.details,
    }));
  }

  async deleteBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.ownsDatabase) await this.db.destroy();
  }
}
