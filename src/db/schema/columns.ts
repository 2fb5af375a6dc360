import { bigint, datetime } from 'drizzle-orm/mysql-core';

/** Ids are JSON numbers up to 2^53 − 1, so drizzle maps BIGINT to number. */
export const id = (name: string) => bigint(name, { mode: 'number', unsigned: true });
export const pk = () => id('id').autoincrement().primaryKey();
/** Millisecond UTC timestamps; the pool runs with timezone 'Z'. */
export const ts = (name: string) => datetime(name, { mode: 'date', fsp: 3 });
export const money = (name: string) => bigint(name, { mode: 'number' });
