/**
 * AuditStore in DATA_DIR's SQLite file (the embedded default): synchronous underneath — a row
 * is written before `insert` returns its promise, so a backup or an export taken right after
 * carries it.
 */
import type { AuditQuery, AuditRowInput, AuditRowRead, AuditStore } from './AuditStore';
import type { SqliteDatabase } from './database';

interface Row {
  id: number;
  at: number;
  event: string;
  insee: string | null;
  agent_id: string | null;
  address: string | null;
  outcome: string | null;
  details: string;
}

export class SqliteAuditStore implements AuditStore {
  private readonly db: SqliteDatabase;
  private readonly insertStatement;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.insertStatement = db.prepare(
      'INSERT INTO audit_log (at, event, insee, agent_id, address, outcome, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  async insert(row: AuditRowInput): Promise<number> {
    return Number(
      this.insertStatement.run(
        row.at,
        row.event,
        row.insee,
        row.agentId,
        row.address,
        row.outcome,
        row.details,
      ).lastInsertRowid,
    );
  }

  async updateDetails(updates: Array<{ id: number; details: string }>): Promise<void> {
    if (updates.length === 0 || !this.db.open) return;
    const update = this.db.prepare('UPDATE audit_log SET details = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const { id, details } of updates) update.run(details, id);
    })();
  }

  async list(query: AuditQuery): Promise<AuditRowRead[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.insee) {
      where.push('insee = ?');
      args.push(query.insee);
    }
    if (query.event) {
      where.push('event = ?');
      args.push(query.event);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?) ORDER BY id`,
      )
      .all(...args, query.limit) as Row[];
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      event: row.event,
      insee: row.insee,
      agentId: row.agent_id,
      address: row.address,
      outcome: row.outcome,
      details: row.details,
    }));
  }

  async deleteBefore(before: number): Promise<number> {
    return this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(before).changes;
  }

  async close(): Promise<void> {}
}
