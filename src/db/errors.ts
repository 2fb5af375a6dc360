/** The MySQL errno of a driver error, whether drizzle wrapped it (as `cause`) or not. */
export function findErrno(err: unknown): number | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const errno = (e as { errno?: number }).errno;
    if (typeof errno === 'number') return errno;
  }
  return undefined;
}

/** ER_DUP_ENTRY: a unique key said no. */
export const isDuplicateKey = (err: unknown) => findErrno(err) === 1062;
