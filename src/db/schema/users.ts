import { mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { pk, ts } from './columns.ts';

export const users = mysqlTable('users', {
  id: pk(),
  name: varchar('name', { length: 100 }).notNull(),
  createdAt: ts('created_at').notNull(),
});
