/** Sales are counted per UTC hour (a sorted set of units by product): the popular ranking unions the last 72. */
export const HOUR_MS = 3_600_000;
export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);
/** how long an hour's counts are kept: a little over the 72-hour window */
export const SALES_TTL_S = 74 * 3600;
