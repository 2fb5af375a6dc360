import { z } from '@hono/zod-openapi';
import { AppError } from './errors.ts';

export const DEFAULT_LIMIT = 20;

export const pageQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'must be an integer from 1 to 100')
    .optional()
    .openapi({ type: 'string', example: '20', description: '1..100, default 20' }),
  cursor: z.string().max(200).optional().openapi({ description: 'opaque; the nextCursor of the previous page' }),
});

/** `list` names the list a cursor belongs to (e.g. `orders:5`): a cursor from another list does not decode. */
export type Page = { limit: number; beforeId: number | null; list: string };

/** Cursors are opaque to clients; inside they are the list and the last id seen, lists being newest first. */
export function readPage(q: { limit?: number | undefined; cursor?: string | undefined }, list: string): Page {
  return {
    limit: q.limit ?? DEFAULT_LIMIT,
    beforeId: q.cursor === undefined ? null : decodeCursor(q.cursor, list),
    list,
  };
}

export function encodeCursor(list: string, id: number): string {
  return Buffer.from(`v1:${list}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string, list: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^v1:(.+):([1-9][0-9]{0,15})$/.exec(text);
  const id = m && m[1] === list ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new AppError('VALIDATION_FAILED', 'cursor is not valid', {
      in: 'query',
      issues: [{ path: 'cursor', message: 'does not decode' }],
    });
  }
  return id;
}

/** Given up to limit + 1 rows (newest first), returns the page and the cursor of the next one. */
export function toPage<R extends { id: number }, T>(rows: R[], page: Page, map: (r: R) => T) {
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > page.limit && last ? encodeCursor(page.list, last.id) : null,
  };
}

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
