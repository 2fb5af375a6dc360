import { char, int, mysqlEnum, mysqlTable, primaryKey, text, varchar } from 'drizzle-orm/mysql-core';
import { ts } from './columns.ts';

/**
 * Kept in MySQL, not Redis, so that a key is marked DONE in the same transaction that applies its request:
 * a crash can never leave a charge applied without its stored answer.
 */
export const idempotencyKeys = mysqlTable(
  'idempotency_keys',
  {
    subject: varchar('subject', { length: 64 }).notNull(),
    scope: varchar('scope', { length: 160 }).notNull(),
    key: varchar('idem_key', { length: 64 }).notNull(),
    requestHash: char('request_hash', { length: 64 }).notNull(),
    state: mysqlEnum('state', ['RUNNING', 'DONE']).notNull(),
    responseStatus: int('response_status'),
    responseBody: text('response_body'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.scope, t.key] })],
);
