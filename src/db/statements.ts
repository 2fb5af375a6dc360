import mysql from 'mysql2/promise';
import type { Pool, PoolConnection } from 'mysql2/promise';

/**
 * A statement and its values, formatted by mysql2 (every value escaped; arrays of arrays become multi-row
 * VALUES lists). The group committer sends several at once: one round trip for a whole phase of a batch.
 */
export type Stmt = { sql: string; values?: unknown[] };

export const stmt = (sql: string, values: unknown[] = []): Stmt => ({ sql, values });

/** SQL text placed in a statement's values unescaped (mysql2's raw): an expression the server evaluates. */
export type SqlExpr = { toSqlString(): string };

export const sqlExpr = (sql: string): SqlExpr => mysql.raw(sql);

const PLACEHOLDER = 9_007_199_254_740_991;

/**
 * `render(id)`, or, for an id only the server knows yet (an expression), an SQL CONCAT of the text around it:
 * rendered once with a placeholder id, which must appear exactly once.
 */
export function textWithId(render: (id: number) => string, id: number | SqlExpr): string | SqlExpr {
  if (typeof id === 'number') return render(id);
  const text = render(PLACEHOLDER);
  const mark = String(PLACEHOLDER);
  const at = text.indexOf(mark);
  if (at < 0 || text.includes(mark, at + 1)) throw new Error(`the id must appear exactly once in ${text}`);
  const [head, tail] = [text.slice(0, at), text.slice(at + mark.length)];
  return sqlExpr(`CONCAT(${mysql.escape(head)}, ${id.toSqlString()}, ${mysql.escape(tail)})`);
}

/**
 * Runs `stmts` in one round trip on a connection of a `multipleStatements` pool; returns each statement's
 * result in order (rows for a SELECT, the OK packet otherwise). An error stops the rest (MySQL's rule).
 */
export async function runStatements<T = unknown>(conn: PoolConnection, stmts: Stmt[]): Promise<T[]> {
  if (stmts.length === 0) return [];
  // The connection's own formatter: it writes dates in the pool's time zone (UTC), where mysql2's module-level
  // `format` would write them in the host's, hours off on any host not set to UTC.
  const text = stmts.map((s) => conn.format(s.sql, s.values ?? [])).join(';\n');
  const [results] = await conn.query(text);
  return (stmts.length === 1 ? [results] : results) as T[];
}

/** Runs one statement on any connection of `pool` (formatted by that connection, so in UTC). */
export async function runStatement<T = unknown>(pool: Pool, s: Stmt): Promise<T> {
  const [result] = await pool.query(s.sql, s.values ?? []);
  return result as T;
}
