import { causes } from '../lib/errors.ts';

/** The MySQL errno of a driver error, whether drizzle wrapped it (as `cause`) or not. */
export function findErrno(err: unknown): number | undefined {
  for (const e of causes(err)) {
    const errno = (e as { errno?: number }).errno;
    if (typeof errno === 'number') return errno;
  }
  return undefined;
}

/** ER_DUP_ENTRY: a unique key said no. */
export const isDuplicateKey = (err: unknown) => findErrno(err) === 1062;

/** A deadlock victim or a lock wait timeout: MySQL rolled the transaction back whole, so running it again is safe. */
export const isRetryableTxError = (err: unknown) => {
  const errno = findErrno(err);
  return errno === 1213 || errno === 1205;
};
