import { int, mysqlEnum, mysqlTable, primaryKey, text, varbinary } from 'drizzle-orm/mysql-core';
import { ts } from './columns.ts';

/**
 * Kept in MySQL, not Redis, so that a key is marked DONE in the same transaction that applies its request:
 * a crash can never leave a charge applied without its stored answer. Every identifier is VARBINARY: keys are
 * compared exactly (a `_ci` collation would make `Key-abc` and `KEY-ABC` one key), and `subject` is the SHA-256
 * (hex) of the token's role and subject, so a subject of any length fits.
 */
export const idempotencyKeys = mysqlTable(
  'idempotency_keys',
  {
    subject: varbinary('subject', { length: 64 }).notNull(),
    scope: varbinary('scope', { length: 160 }).notNull(),
    key: varbinary('idem_key', { length: 64 }).notNull(),
    requestHash: varbinary('request_hash', { length: 64 }).notNull(),
    state: mysqlEnum('state', ['RUNNING', 'DONE']).notNull(),
    responseStatus: int('response_status'),
    responseBody: text('response_body'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.scope, t.key] })],
);
