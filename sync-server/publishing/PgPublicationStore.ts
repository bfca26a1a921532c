/**
 * The publishing state on PostgreSQL (cluster mode, [PGPUB-1]): the same rows as
 * SqlitePublicationStore (schema: storage/postgres/pgMigrations.ts, version 2), on the pool the
 * documents' store opened. A commune's publications hold an advisory lock ([PGPUB-2]): two
 * référents publishing on two nodes get two successive versions, never files interleaved.
 */
import { sql, type Kysely } from 'kysely';
import type { ScheduledPublication } from '../../site/apiContract';
import { LOCK_NAMESPACE, type LockFence, withAdvisoryLock } from '../storage/postgres/advisoryLocks';
import { openPostgres, type PgDatabase } from '../storage/postgres/pgDatabase';
import type { NewRelease } from './PageReleases';
import {
  type DueSchedule,
  type PublicationEventRow,
  type PublicationRecord,
  type PublicationStore,
  publishedMeta,
  PUBLISHING_TABLES,
  type StoredRelease,
} from './PublicationStore';

/** bigint columns come back as strings from node-postgres. */
const num = (v: string | number): number => Number(v);
const numOrNull = (v: string | number | null): number | null => (v === null ? null : Number(v));

type Executor = Kysely<unknown>;

export class PgPublicationStore implements PublicationStore {
  readonly shared = true;
  private readonly db: PgDatabase;
  /**
   * Connections holding the communes' publication locks, apart from `db`: a lock waited for
   * holds its connection, and the publications under way must still reach the database.
   */
  private readonly lockDb: PgDatabase;
  private readonly ownsLockDb: boolean;
  private closed = false;

  constructor(db: PgDatabase, lockDb?: PgDatabase) {
    this.db = db;
    this.lockDb = lockDb ?? db;
    this.ownsLockDb = lockDb !== undefined;
  }

  /** On `db` (its schema migrated), with a pool of `maxLocks` connections for the locks. */
  static async open(db: PgDatabase, url: string, maxLocks = 8): Promise<PgPublicationStore> {
    return new PgPublicationStore(db, await openPostgres(url, { maxConnections: maxLocks }));
  }

  /** Ends the locks' pool (`db` belongs to its opener). */
  async close(): Promise<void> {
    if (!this.ownsLockDb || this.closed) return;
    this.closed = true;
    await this.lockDb.destroy();
  }

  private get q(): Executor {
    return this.db as unknown as Executor;
  }

  withCommuneLock<T>(insee: string, job: (fence: LockFence) => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.lockDb, LOCK_NAMESPACE.publication, insee, job);
  }

  async lastEventId(insee: string): Promise<number | null> {
    const { rows } = await sql<{ id: string }>`
      select id from publication_events where insee = ${insee} order by id desc limit 1`.execute(this.q);
    return rows[0] ? num(rows[0].id) : null;
  }

  async lastPublishedAt(insee: string): Promise<number | null> {
    const { rows } = await sql<{ at: string }>`
      select at from publication_events where insee = ${insee} order by id desc limit 1`.execute(this.q);
    if (rows[0]) return num(rows[0].at);
    const legacy = await sql<{ at: string }>`
      select published_at as at from publications where insee = ${insee}
       order by published_at desc limit 1`.execute(this.q);
    return legacy.rows[0] ? num(legacy.rows[0].at) : null;
  }

  async currentVersion(insee: string): Promise<string | null> {
    const { rows } = await sql<{ version: string }>`
      select version from publication_events where insee = ${insee} order by id desc limit 1`.execute(this.q);
    if (rows[0]) return rows[0].version;
    const legacy = await sql<{ version: string }>`
      select version from publications where insee = ${insee}
       order by published_at desc limit 1`.execute(this.q);
    return legacy.rows[0]?.version ?? null;
  }

  async events(insee: string, limit: number | null): Promise<PublicationEventRow[]> {
    const { rows } = await sql<{
      id: string;
      version: string;
      at: string;
      by: string | null;
      by_name: string | null;
      pages: number;
      changed: string;
      rollback_of: string | null;
    }>`select id, version, at, by, by_name, pages, changed, rollback_of from publication_events
        where insee = ${insee} order by id desc limit ${limit ?? null}`.execute(this.q);
    return rows.map((r) => ({
      id: num(r.id),
      version: r.version,
      at: num(r.at),
      by: r.by,
      byName: r.by_name,
      pages: r.pages,
      changed: r.changed,
      rollbackOf: r.rollback_of,
    }));
  }

  async versionPages(insee: string, version: string): Promise<number | null> {
    const { rows } = await sql<{ pages: number }>`
      select pages from publication_events where insee = ${insee} and version = ${version}
       order by id desc limit 1`.execute(this.q);
    return rows[0]?.pages ?? null;
  }

  async versionPublishedAt(insee: string, version: string): Promise<number | null> {
    const { rows } = await sql<{ at: string | null }>`
      select min(at) as at from publication_events
       where insee = ${insee} and version = ${version}`.execute(this.q);
    return numOrNull(rows[0]?.at ?? null);
  }

  async recordRollback(
    insee: string,
    version: string,
    at: number,
    by: string | null,
    byName: string | null,
    pages: number,
  ): Promise<number> {
    const { rows } = await sql<{ id: string }>`
      insert into publication_events (insee, version, at, by, by_name, pages, changed, rollback_of)
      values (${insee}, ${version}, ${at}, ${by}, ${byName}, ${pages}, '[]', ${version})
      returning id`.execute(this.q);
    return num(rows[0]!.id);
  }

  async versionActes(insee: string, version: string): Promise<string | null> {
    const { rows } = await sql<{ actes: string }>`
      select actes from version_actes where insee = ${insee} and version = ${version}`.execute(this.q);
    return rows[0]?.actes ?? null;
  }

  async actesOnline(insee: string): Promise<string | null> {
    const { rows } = await sql<{ actes: string }>`
      select actes from published_actes where insee = ${insee}`.execute(this.q);
    return rows[0]?.actes ?? null;
  }

  async setActesOnline(insee: string, json: string): Promise<void> {
    await sql`insert into published_actes (insee, actes) values (${insee}, ${json})
      on conflict (insee) do update set actes = excluded.actes`.execute(this.q);
  }

  async addSchedule(s: {
    id: string;
    insee: string;
    pageId: string;
    at: number;
    createdBy: string | null;
  }): Promise<void> {
    await sql`insert into scheduled_publications (id, insee, page_id, at, created_by, state, message)
      values (${s.id}, ${s.insee}, ${s.pageId}, ${s.at}, ${s.createdBy}, 'pending', null)`.execute(this.q);
  }

  async schedules(insee: string): Promise<ScheduledPublication[]> {
    const { rows } = await sql<{
      id: string;
      page_id: string;
      at: string;
      created_by: string | null;
      state: ScheduledPublication['state'];
      message: string | null;
    }>`select id, page_id, at, created_by, state, message from scheduled_publications
        where insee = ${insee} order by at, id`.execute(this.q);
    return rows.map((r) => ({
      id: r.id,
      pageId: r.page_id,
      at: num(r.at),
      createdBy: r.created_by,
      state: r.state,
      message: r.message,
    }));
  }

  async cancelSchedule(insee: string, id: string): Promise<boolean> {
    const result = await sql`update scheduled_publications set state = 'cancelled'
      where insee = ${insee} and id = ${id} and state = 'pending'`.execute(this.q);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async dueCommunes(now: number): Promise<string[]> {
    const { rows } = await sql<{ insee: string }>`
      select distinct insee from scheduled_publications
       where state = 'pending' and at <= ${now} order by insee`.execute(this.q);
    return rows.map((r) => r.insee);
  }

  async dueSchedules(insee: string, at: number): Promise<DueSchedule[]> {
    const { rows } = await sql<{ id: string; page_id: string }>`
      select id, page_id from scheduled_publications
       where insee = ${insee} and state = 'pending' and at <= ${at}`.execute(this.q);
    return rows.map((r) => ({ id: r.id, pageId: r.page_id }));
  }

  async failDue(insee: string, now: number, message: string): Promise<void> {
    await sql`update scheduled_publications set state = 'failed', message = ${message}
      where insee = ${insee} and state = 'pending' and at <= ${now}`.execute(this.q);
  }

  async recorded(insee: string, version: string): Promise<boolean> {
    const { rows } = await sql`select 1 from site_versions_recorded
      where insee = ${insee} and version = ${version}`.execute(this.q);
    return rows.length > 0;
  }

  async pageVersionIds(insee: string, version: string): Promise<number[]> {
    const { rows } = await sql<{ id: string }>`
      select page_version_id as id from site_version_pages
       where insee = ${insee} and version = ${version} order by page_id`.execute(this.q);
    return rows.map((r) => num(r.id));
  }

  async pageVersions(ids: readonly number[]): Promise<StoredRelease[]> {
    if (ids.length === 0) return [];
    const { rows } = await sql<{
      id: string;
      page_id: string;
      meta: string;
      body: string;
      fingerprint: string;
      body_seq: string | null;
      released_at: string;
      released_by: string | null;
    }>`select id, page_id, meta, body, fingerprint, body_seq, released_at, released_by
         from page_versions where id = any(${[...ids]}::bigint[])`.execute(this.q);
    const byId = new Map(rows.map((r) => [num(r.id), r]));
    const out: StoredRelease[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (!r) continue;
      out.push({
        id,
        pageId: r.page_id,
        meta: r.meta,
        body: r.body,
        fingerprint: r.fingerprint,
        bodySeq: numOrNull(r.body_seq),
        releasedAt: num(r.released_at),
        releasedBy: r.released_by,
      });
    }
    return out;
  }

  private async releases(
    trx: Executor,
    insee: string,
    version: string,
    kept: ReadonlyArray<{ pageId: string; id: number }>,
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): Promise<number[]> {
    const ids: number[] = [];
    if (added.length > 0) {
      // One statement for all the new page versions; ids come back in the order given.
      const { rows } = await sql<{ id: string }>`
        insert into page_versions (insee, page_id, meta, body, fingerprint, body_seq, released_at, released_by)
        select ${insee}, t.page_id, t.meta, t.body, t.fingerprint, t.body_seq, ${at}, ${by}
          from unnest(${added.map((p) => p.pageId)}::text[], ${added.map((p) => JSON.stringify(publishedMeta(p)))}::text[],
                      ${added.map((p) => JSON.stringify(p.body))}::text[], ${added.map((p) => p.fingerprint)}::text[],
                      ${added.map((p) => p.bodySeq)}::bigint[]) with ordinality
               as t(page_id, meta, body, fingerprint, body_seq, n)
         order by t.n
        returning id`.execute(trx);
      for (const r of rows) ids.push(num(r.id));
      ids.sort((a, b) => a - b); // serial ids follow the insertion order
    }
    const all = [
      ...kept.map((k) => [k.pageId, k.id] as const),
      ...added.map((p, i) => [p.pageId, ids[i]!] as const),
    ];
    if (all.length > 0)
      await sql`insert into site_version_pages (insee, version, page_id, page_version_id)
        select ${insee}, ${version}, t.page_id, t.id
          from unnest(${all.map((a) => a[0])}::text[], ${all.map((a) => a[1])}::bigint[]) as t(page_id, id)
        on conflict (insee, version, page_id) do update set page_version_id = excluded.page_version_id`.execute(
        trx,
      );
    await sql`insert into site_versions_recorded (insee, version) values (${insee}, ${version})
      on conflict do nothing`.execute(trx);
    return ids;
  }

  async deleteCommune(insee: string): Promise<void> {
    await this.q.transaction().execute(async (trx) => {
      for (const table of PUBLISHING_TABLES)
        await sql`delete from ${sql.table(table)} where insee = ${insee}`.execute(trx);
    });
  }

  async recordReleases(
    insee: string,
    version: string,
    kept: ReadonlyArray<{ pageId: string; id: number }>,
    added: readonly NewRelease[],
    at: number,
    by: string | null,
  ): Promise<number[]> {
    return this.q.transaction().execute((trx) => this.releases(trx, insee, version, kept, added, at, by));
  }

  async recordPublication(r: PublicationRecord): Promise<{ eventId: number; addedIds: number[] }> {
    return this.q.transaction().execute(async (trx) => {
      await sql`insert into publications (insee, version, published_at, pages, published_by)
        values (${r.insee}, ${r.version}, ${r.at}, ${r.pages}, ${r.by})`.execute(trx);
      const { rows } = await sql<{ id: string }>`
        insert into publication_events (insee, version, at, by, by_name, pages, changed, rollback_of)
        values (${r.insee}, ${r.version}, ${r.at}, ${r.by}, ${r.byName}, ${r.pages}, ${r.changed}, null)
        returning id`.execute(trx);
      for (const s of r.settle)
        if (s.failed === null)
          await sql`update scheduled_publications set state = 'done'
            where id = ${s.id} and state = 'pending'`.execute(trx);
        else
          await sql`update scheduled_publications set state = 'failed', message = ${s.failed}
            where id = ${s.id} and state = 'pending'`.execute(trx);
      const addedIds = await this.releases(trx, r.insee, r.version, r.kept, r.added, r.at, r.releasedBy);
      await sql`insert into version_actes (insee, version, actes) values (${r.insee}, ${r.version}, ${r.actes})
        on conflict (insee, version) do update set actes = excluded.actes`.execute(trx);
      return { eventId: num(rows[0]!.id), addedIds };
    });
  }
}
