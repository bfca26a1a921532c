/**
 * Statements prepared once per SQL text and connection. Preparing costs 0.1–0.4 ms of the main
 * thread: every WebSocket upgrade (token, roles, access facts) and every re-authorization pass
 * prepared several statements anew (issue 16's profile of 1,500 clients). A cached statement is
 * only used with get/all/run, which leave it as they found it (no pluck, raw or iterate here).
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './database';

type Statement = Database.Statement<unknown[]>;

/** What a shared statement may be used for: nothing that changes its mode for later callers. */
export type CachedStatement = Pick<Statement, 'get' | 'all' | 'run'>;
export type Prepare = (sql: string) => CachedStatement;

export function statementCache(db: SqliteDatabase): Prepare {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[]>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
