/**
 * The audit log (RGPD art. 13, RGS art. 12 traceability): who did what, when, on which commune,
 * and every refusal. Rows live in the server's SQLite file, next to the data they describe, so a
 * backup and a commune export carry them. Never holds a password or a token.
 */
import type { SqliteDatabase } from './database';

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
  | 'site.published'
  | 'media.deleted'
  | 'commune.exported'
  | 'commune.data_deleted'
  | 'backup.created'
  | 'backup.copy_failed'
  | 'backup.restored'
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

interface AuditRow {
  id: number;
  at: number;
  event: AuditEvent;
  insee: string | null;
  agent_id: string | null;
  address: string | null;
  outcome: string | null;
  details: string;
}

export class AuditLog {
  private readonly db: SqliteDatabase;
  private readonly now: () => number;
  private readonly insert;

  constructor(db: SqliteDatabase, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        insee TEXT,
        agent_id TEXT,
        address TEXT,
        outcome TEXT,
        details TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX IF NOT EXISTS audit_by_insee ON audit_log (insee, id);
      CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);
    `);
    this.insert = db.prepare(
      'INSERT INTO audit_log (at, event, insee, agent_id, address, outcome, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  record(entry: AuditRecord): void {
    this.insert.run(
      this.now(),
      entry.event,
      entry.insee ?? null,
      entry.agentId ?? null,
      entry.address ?? null,
      entry.outcome ?? null,
      JSON.stringify(entry.details ?? {}),
    );
  }

  /**
   * Retention (RGPD, convention art. 13): deletes the entries older than `retentionMs` and, if
   * any went, records the purge itself (how many, up to when). Returns how many were deleted.
   */
  purge(retentionMs: number): number {
    const before = this.now() - retentionMs;
    const removed = this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(before).changes;
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
  list(filter: { insee?: string; event?: AuditEvent; limit?: number } = {}): AuditEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.insee) {
      where.push('insee = ?');
      args.push(filter.insee);
    }
    if (filter.event) {
      where.push('event = ?');
      args.push(filter.event);
    }
    const limit = Math.min(Math.max(filter.limit ?? 10_000, 1), 100_000);
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}) ORDER BY id`,
      )
      .all(...args) as AuditRow[];
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      event: row.event,
      insee: row.insee,
      agentId: row.agent_id,
      address: row.address,
      outcome: row.outcome,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
  }
}
