/**
 * The audit log (RGPD art. 13, RGS art. 12 traceability): who did what, when, on which commune,
 * and every refusal. Rows live in an AuditStore: the server's SQLite file by default, next to the
 * data they describe, so a backup and a commune export carry them; PostgreSQL with DATABASE_URL,
 * one log for every node. Never holds a password or a token.
 *
 * Recording never waits: `record` and `refusal` hand the row to the store at once (SQLite writes
 * it before they return) and a failed write is reported to `onWriteFailed`; `list`, `purge` and
 * `close` wait for the rows handed before them.
 */
import type { AuditRowRead, AuditStore } from '../storage/AuditStore';
import { throttleKey } from './addressKey';

/** Every kind of audited event. Refusals are `*.refused` or `auth.login_failed`/`auth.locked`. */
export type AuditEvent =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.locked'
  | 'auth.address_throttled'
  | 'auth.unlocked'
  | 'auth.logout'
  | 'auth.refresh_reuse'
  | 'auth.session_expired'
  | 'api.refused'
  | 'sync.refused'
  | 'sync.closed'
  | 'agent.created'
  | 'agent.role_changed'
  | 'agent.role_removed'
  | 'agent.disabled'
  | 'agent.enabled'
  | 'agent.admin_changed'
  | 'agent.password_changed'
  | 'agent.invited'
  | 'agent.invitation_accepted'
  | 'agent.invitation_declined'
  | 'site.published'
  | 'page.released'
  | 'page.withdrawn'
  | 'media.deleted'
  | 'commune.exported'
  | 'commune.data_deleted'
  | 'page.repaired'
  | 'backup.created'
  | 'backup.copy_failed'
  | 'backup.restored'
  | 'update.published'
  | 'update.rollout_changed'
  | 'audit.purged';

export interface AuditRecord {
  event: AuditEvent;
  /** Commune concerned, if any. */
  insee?: string | null;
  /** Agent who acted (or tried to), if known. */
  agentId?: string | null;
  /** Remote address for network events. */
  address?: string | null;
  /** Refusal code (HTTP error code or close reason) or outcome. */
  outcome?: string | null;
  /** Small, non-secret details. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditRecord, 'details'>> {
  id: number;
  at: number;
  details: Record<string, unknown>;
}

/** Bounds on what refusals may add to the audit log (finding 4 of issue #9). */
export interface AuditLimits {
  /** Individual rows of authenticated refusals per address and minute; beyond, they are counted. */
  individualPerAddressPerMinute: number;
  /** Counted keys (event, outcome, commune, agent) per address and minute; beyond, one overflow row. */
  countedKeysPerAddressPerMinute: number;
  /** Counted keys per minute for the whole server; beyond, one overflow row without address. */
  countedKeysPerMinute: number;
  /** How often the growing counts are written (they are also written before every read). */
  flushMs: number;
}

export const DEFAULT_AUDIT_LIMITS: AuditLimits = {
  individualPerAddressPerMinute: 60,
  countedKeysPerAddressPerMinute: 8,
  countedKeysPerMinute: 200,
  flushMs: 1_000,
};

/** Longest string kept in an entry (a path, a detail); longer ones end with « … ». */
export const AUDIT_MAX_TEXT = 200;

function clip(text: string, max = AUDIT_MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Every string of the details clipped, nested ones included (details are small by design). */
function clipDetails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return clip(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => clipDetails(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 50)
      .map(([key, item]) => [clip(key, 60), clipDetails(item, depth + 1)]),
  );
}

interface CountedRow {
  id: Promise<number>;
  /** Its details as written (clipped), without the growing count and last time. */
  details: Record<string, unknown>;
  count: number;
  written: number;
  lastAt: number;
}

export interface AuditLogOptions extends Partial<AuditLimits> {
  /** A row the store could not write (PostgreSQL unreachable): it is lost, this is told. */
  onWriteFailed?: (error: Error) => void;
}

export class AuditLog {
  private readonly store: AuditStore;
  private readonly now: () => number;
  private readonly limits: AuditLimits;
  private readonly onWriteFailed: (error: Error) => void;
  /** Writes handed to the store and not settled yet. */
  private readonly pending = new Set<Promise<unknown>>();
  /** The minute the counters below belong to (ms since epoch / 60,000). */
  private minute = -1;
  private readonly counted = new Map<string, CountedRow>();
  private readonly countedKeysByAddress = new Map<string, number>();
  private readonly individualByAddress = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(store: AuditStore, now: () => number = Date.now, options: AuditLogOptions = {}) {
    this.store = store;
    this.now = now;
    const { onWriteFailed, ...limits } = options;
    this.limits = { ...DEFAULT_AUDIT_LIMITS, ...limits };
    this.onWriteFailed = onWriteFailed ?? (() => {});
  }

  /** Keeps a write until it settles; a failure goes to onWriteFailed. */
  private track<T>(write: Promise<T>): Promise<T> {
    const settled = write.then(
      () => {},
      (error: Error) => this.onWriteFailed(error),
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    return write;
  }

  /** Every write handed so far, settled. */
  private async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** One row; every string in it clipped to AUDIT_MAX_TEXT characters. */
  record(entry: AuditRecord): void {
    const details = clipDetails(entry.details ?? {}) as Record<string, unknown>;
    void this.insertRow(this.now(), entry, details).catch(() => {});
  }

  /** `details` already clipped. */
  private insertRow(at: number, entry: AuditRecord, details: Record<string, unknown>): Promise<number> {
    const text = (value: string | null | undefined) => (value == null ? null : clip(value, 100));
    return this.track(
      this.store.insert({
        at,
        event: entry.event,
        insee: text(entry.insee),
        agentId: text(entry.agentId),
        address: text(entry.address),
        outcome: text(entry.outcome),
        details: JSON.stringify(details),
      }),
    );
  }

  /**
   * A refused request or connection. Anyone can cause refusals, so they may not grow the log
   * freely (issue #9, finding 4):
   * - an **unauthenticated** refusal (no valid token) or a **rate-limit** refusal
   *   (`rateLimit`) is counted: one row per minute, address, event, outcome, commune and agent,
   *   whose `details.count` grows (and `details.lastAt`), the first request's details kept as a
   *   sample;
   * - an authenticated refusal gets its own row, up to `individualPerAddressPerMinute` per
   *   address and minute, then it is counted too;
   * - at most `countedKeysPerAddressPerMinute` counted rows per address and minute (then one
   *   `overflow` row per event counts the rest), and `countedKeysPerMinute` for the server
   *   (then one `overflow` row per event without address).
   */
  refusal(entry: AuditRecord, how: { authenticated: boolean; rateLimit?: boolean }): void {
    const at = this.now();
    this.rollMinute(at);
    const bucket = throttleKey(entry.address ?? '');
    if (how.authenticated && !how.rateLimit) {
      const used = this.individualByAddress.get(bucket) ?? 0;
      if (used < this.limits.individualPerAddressPerMinute) {
        this.individualByAddress.set(bucket, used + 1);
        this.record(entry);
        return;
      }
    }
    this.count(at, entry);
  }

  private count(at: number, entry: AuditRecord): void {
    let record = entry;
    let key = countedKey(record);
    const bucket = throttleKey(entry.address ?? '');
    if (!this.counted.has(key)) {
      if (this.counted.size >= this.limits.countedKeysPerMinute) {
        record = { event: entry.event, outcome: 'overflow', details: { scope: 'server' } };
      } else if ((this.countedKeysByAddress.get(bucket) ?? 0) >= this.limits.countedKeysPerAddressPerMinute) {
        // An IPv6 client rotating its addresses stays in its /64.
        record = {
          event: entry.event,
          address: entry.address == null ? null : bucket,
          outcome: 'overflow',
          details: { scope: 'address' },
        };
      }
      key = countedKey(record);
    }
    const row = this.counted.get(key);
    if (row) {
      row.count += 1;
      row.lastAt = at;
      this.scheduleFlush();
      return;
    }
    const details = clipDetails({ ...record.details, count: 1 }) as Record<string, unknown>;
    const id = this.insertRow(at, record, details);
    id.catch(() => {});
    this.counted.set(key, { id, details, count: 1, written: 1, lastAt: at });
    this.countedKeysByAddress.set(bucket, (this.countedKeysByAddress.get(bucket) ?? 0) + 1);
  }

  private rollMinute(at: number): void {
    const minute = Math.floor(at / 60_000);
    if (minute === this.minute) return;
    void this.flush();
    this.counted.clear();
    this.countedKeysByAddress.clear();
    this.individualByAddress.clear();
    this.minute = minute;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.limits.flushMs);
    this.flushTimer.unref();
  }

  /** Writes the counts that grew since their row was last written. */
  flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const dirty = [...this.counted.values()].filter((row) => row.count !== row.written);
    if (dirty.length === 0) return Promise.resolve();
    const updates = dirty.map((row) => {
      row.written = row.count;
      const details = JSON.stringify({ ...row.details, count: row.count, lastAt: row.lastAt });
      return row.id.then((id) => ({ id, details }));
    });
    const write = Promise.all(updates).then((rows) => this.store.updateDetails(rows));
    return this.track(write).catch(() => {});
  }

  /** Writes pending counts and rows, and stops the timer (before the database closes). */
  async close(): Promise<void> {
    await this.flush();
    await this.settled();
  }

  /**
   * Retention (RGPD, convention art. 13): deletes the entries older than `retentionMs` and, if
   * any went, records the purge itself (how many, up to when). Returns how many were deleted.
   */
  async purge(retentionMs: number): Promise<number> {
    await this.flush();
    await this.settled();
    const before = this.now() - retentionMs;
    const removed = await this.store.deleteBefore(before);
    if (removed > 0) {
      this.record({
        event: 'audit.purged',
        outcome: 'ok',
        details: {
          removed,
          before: new Date(before).toISOString(),
          retentionDays: Math.round(retentionMs / 86_400_000),
        },
      });
    }
    return removed;
  }

  /** Entries, newest last; for one commune when `insee` is given. */
  async list(filter: { insee?: string; event?: AuditEvent; limit?: number } = {}): Promise<AuditEntry[]> {
    await this.flush();
    await this.settled();
    const limit = Math.min(Math.max(filter.limit ?? 10_000, 1), 100_000);
    const rows = await this.store.list({ insee: filter.insee, event: filter.event, limit });
    return rows.map((row: AuditRowRead) => ({
      id: row.id,
      at: row.at,
      event: row.event as AuditEvent,
      insee: row.insee,
      agentId: row.agentId,
      address: row.address,
      outcome: row.outcome,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
  }
}

function countedKey(entry: AuditRecord): string {
  return JSON.stringify([
    entry.event,
    entry.outcome ?? null,
    entry.address ?? null,
    entry.insee ?? null,
    entry.agentId ?? null,
  ]);
}

const REFUSALS: ReadonlySet<AuditEvent> = new Set<AuditEvent>([
  'api.refused',
  'sync.refused',
  'sync.closed',
  'auth.login_failed',
  'auth.locked',
  'auth.address_throttled',
  'auth.refresh_reuse',
]);

/** Who an entry's actor is, seen from one commune. */
export type CommuneActor = 'commune' | 'metropole' | 'exterieur';

/** What the commune view needs of the accounts (structural, so AuditLog stays standalone). */
export interface CommuneMembership {
  listAgents(insee: string): Promise<Array<{ id: string }>>;
  identity(agentId: string): Promise<{ admin: boolean } | undefined>;
}

/**
 * The entries of one commune as its référent reads them (GET …/audit, and `journal.json` of
 * the export) — issue #9, finding 11. An entry's agent id and address stay only when its actor
 * is a member of the commune now; otherwise (an agent of another commune, a Métropole
 * administrator or the operator's CLI, a client without a valid token) both are removed and
 * `details.actor` says `metropole` or `exterieur` (members' entries say `commune`). The Métropole's own view
 * (`GET /api/admin/audit`, the CLI) keeps everything.
 */
export async function communeAuditView(
  entries: AuditEntry[],
  insee: string,
  accounts: CommuneMembership,
): Promise<AuditEntry[]> {
  const members = new Set((await accounts.listAgents(insee)).map((agent) => agent.id));
  const actors = new Map<string, CommuneActor>();
  // Each actor outside the commune looked up once.
  for (const agentId of new Set(entries.map((entry) => entry.agentId))) {
    if (!agentId || members.has(agentId)) continue;
    actors.set(agentId, (await accounts.identity(agentId))?.admin ? 'metropole' : 'exterieur');
  }
  const actorOf = (agentId: string | null, event: AuditEvent): CommuneActor => {
    // No agent: a client without a valid token for a refusal, else the operator (CLI, server).
    if (!agentId) return REFUSALS.has(event) ? 'exterieur' : 'metropole';
    return members.has(agentId) ? 'commune' : actors.get(agentId)!;
  };
  return entries.map((entry) => {
    const actor = actorOf(entry.agentId, entry.event);
    if (actor === 'commune') return { ...entry, details: { ...entry.details, actor } };
    return { ...entry, agentId: null, address: null, details: { ...entry.details, actor } };
  });
}
