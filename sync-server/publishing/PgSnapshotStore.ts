/**
 * The page history on PostgreSQL (cluster mode, [PGPUB-1]): the same rows and rules as
 * SqliteSnapshotStore. Each snapshot is compared with the page's last one and stored in one
 * transaction holding the page's lock, so two nodes ending sessions on one page at once do not
 * both store the same content.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ServerSnapshotEntry, ServerSnapshotReason } from '../../site/pageSnapshotsContract';
import { LOCK_NAMESPACE } from '../storage/postgres/advisoryLocks';
import type { PgDatabase } from '../storage/postgres/pgDatabase';
import type { CapturedPage, SnapshotStore } from './PageSnapshots';

type Executor = Kysely<unknown>;

export class PgSnapshotStore implements SnapshotStore {
  constructor(private readonly db: PgDatabase) {}

  private get q(): Executor {
    return this.db as unknown as Executor;
  }

  private async recordIn(
    trx: Transaction<unknown>,
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    names: string[],
    at: number,
    keep: number,
  ): Promise<number | null> {
    await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE.pageHistory}::int, hashtext(${`${insee}/${page.pageId}`}))`.execute(
      trx,
    );
    const { rows } = await sql<{ id: string; reason: string; fingerprint: string }>`
      select id, reason, fingerprint from page_snapshots where insee = ${insee} and page_id = ${page.pageId}
       order by id desc limit 1`.execute(trx);
    const last = rows[0];
    if (last && last.fingerprint === page.fingerprint) {
      // The published content is kept for good even when a session snapshot already holds it.
      if (reason === 'publication' && last.reason !== 'publication')
        await sql`update page_snapshots set reason = 'publication' where id = ${last.id}`.execute(trx);
      return null;
    }
    const inserted = await sql<{ id: string }>`
      insert into page_snapshots (insee, page_id, at, reason, by, fingerprint, state)
      values (${insee}, ${page.pageId}, ${at}, ${reason}, ${JSON.stringify(names)}, ${page.fingerprint},
              ${Buffer.from(page.state)})
      returning id`.execute(trx);
    if (reason === 'session')
      await sql`delete from page_snapshots where insee = ${insee} and page_id = ${page.pageId}
          and reason = 'session' and id not in
            (select id from page_snapshots where insee = ${insee} and page_id = ${page.pageId}
                and reason = 'session' order by id desc limit ${keep})`.execute(trx);
    return Number(inserted.rows[0]!.id);
  }

  record(
    insee: string,
    page: CapturedPage,
    reason: ServerSnapshotReason,
    names: string[],
    at: number,
    keep: number,
  ): Promise<number | null> {
    return this.q.transaction().execute((trx) => this.recordIn(trx, insee, page, reason, names, at, keep));
  }

  async recordPublication(
    insee: string,
    pages: readonly CapturedPage[],
    names: string[],
    at: number,
    keep: number,
  ): Promise<void> {
    if (pages.length === 0) return;
    // Pages in a fixed order: two nodes locking the same pages never wait on each other.
    const sorted = [...pages].sort((a, b) => (a.pageId < b.pageId ? -1 : a.pageId > b.pageId ? 1 : 0));
    await this.q.transaction().execute(async (trx) => {
      for (const page of sorted) await this.recordIn(trx, insee, page, 'publication', names, at, keep);
    });
  }

  async lastPublished(insee: string, pageId: string): Promise<Uint8Array | null> {
    const { rows } = await sql<{ state: Buffer }>`
      select state from page_snapshots where insee = ${insee} and page_id = ${pageId} and reason = 'publication'
       order by id desc limit 1`.execute(this.q);
    return rows[0] ? new Uint8Array(rows[0].state) : null;
  }

  async list(insee: string, pageId: string, limit: number): Promise<ServerSnapshotEntry[]> {
    const { rows } = await sql<{ id: string; at: string; reason: ServerSnapshotReason; by: string }>`
      select id, at, reason, by from page_snapshots where insee = ${insee} and page_id = ${pageId}
       order by id desc limit ${limit}`.execute(this.q);
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      reason: r.reason,
      by: JSON.parse(r.by) as string[],
    }));
  }

  async state(insee: string, pageId: string, id: number): Promise<Uint8Array | null> {
    if (!Number.isSafeInteger(id)) return null;
    const { rows } = await sql<{ state: Buffer }>`
      select state from page_snapshots where id = ${id} and insee = ${insee} and page_id = ${pageId}`.execute(
      this.q,
    );
    return rows[0] ? new Uint8Array(rows[0].state) : null;
  }
}
