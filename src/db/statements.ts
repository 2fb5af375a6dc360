import mysql from 'mysql2/promise';
import type { PoolConnection } from 'mysql2/promise';

/**
 * A statement and its values, formatted by mysql2 (every value escaped; arrays of arrays become multi-row
 * VALUES lists). The group committer sends several at once: one round trip for a whole phase of a batch.
 */
export type Stmt = { sql: string; values?: unknown[] };

export const stmt = (sql: string, values: unknown[] = []): Stmt => ({ sql, values });

/**
 * Runs `stmts` in one round trip on a connection of a `multipleStatements` pool; returns each statement's
 * result in order (rows for a SELECT, the OK packet otherwise). An error stops the rest (MySQL's rule).
 */
export async function runStatements<T = unknown>(conn: PoolConnection, stmts: Stmt[]): Promise<T[]> {
  if (stmts.length === 0) return [];
  const text = stmts
    .map((s) => mysql.format(s.sql, (s.values ?? []) as Parameters<typeof mysql.format>[1]))
    .join(';\n');
  const [results] = await conn.query(text);
  return (stmts.length === 1 ? [results] : results) as T[];
}
