import { sql } from 'drizzle-orm';
import { withReplicas } from 'drizzle-orm/mysql-core';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import * as schema from './schema/index.ts';
import { isRetryableTxError } from './errors.ts';
import { MIGRATIONS_DIR } from '../paths.ts';

export type Db = MySql2Database<typeof schema>;
/** A transaction handle; services take `Db | Tx` so one can flow through several of them. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

/** Splits `mysql://user:pass@host:port/db` into connection options and the database name. */
export function parseDatabaseUrl(url: string) {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'commerce';
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database))
    throw new Error(`DATABASE_URL: database name "${database}" must match [A-Za-z0-9_]`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
  };
}

/**
 * `multipleStatements` is for the group committer's own small pool only: it sends a batch's statements in a few
 * round trips, every value escaped by mysql2's formatter (src/db/statements.ts), never spliced in by hand.
 */
export function createPool(
  url: string,
  connectionLimit: number,
  opts: { multipleStatements?: boolean; trace?: boolean } = {},
) {
  const { database, ...server } = parseDatabaseUrl(url);
  const pool = mysql.createPool({
    ...server,
    database,
    connectionLimit,
    multipleStatements: opts.multipleStatements ?? false,
    // mysql2 captures the caller's stack before every query (for error stacks): a cost per round trip.
    trace: opts.trace ?? true,
    // UTC in and out, whatever the server's zone; BIGINTs beyond 2^53 never occur (ids and money are bounded).
    timezone: 'Z',
    supportBigNumbers: true,
    decimalNumbers: true,
    enableKeepAlive: true,
    connectTimeout: 5_000,
  });
  // READ COMMITTED once per connection rather than a SET before every transaction (a round trip each): every
  // transaction here decides with locking reads or unique keys, and gap locks would only add deadlocks.
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  return pool;
}

export function createDb(pool: mysql.Pool): Db {
  return drizzle(pool, { schema, mode: 'default' });
}

/** Reads that tolerate replica lag go to the replica's pool when there is one, everything else to the primary. */
export function createReadDb(primary: Db, replicaPool: mysql.Pool | null): Db {
  return replicaPool ? withReplicas(primary, [createDb(replicaPool)]) : primary;
}

/** A round trip to the server (health checks). */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`SELECT 1`);
}

/** Creates the database when missing and applies the committed migrations on one connection; never drops. */
export async function prepareDatabase(url: string): Promise<void> {
  const { database, ...server } = parseDatabaseUrl(url);
  const admin = await mysql.createConnection({ ...server, connectTimeout: 5_000 });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const conn = await mysql.createConnection({ ...server, database, timezone: 'Z', multipleStatements: false });
  try {
    await migrate(drizzle(conn), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await conn.end();
  }
}

export { schema };

/**
 * A transaction (READ COMMITTED, set per connection in createPool), retried when MySQL picks it as a deadlock
 * victim: it was rolled back whole, so running it again is safe.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      if (attempt >= attempts || !isRetryableTxError(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
