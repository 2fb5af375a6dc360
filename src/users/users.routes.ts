import { createRoute, z } from '@hono/zod-openapi';
import { pointWallets, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { bearerSecurity, createRouter, errorResponses, guard, jsonBody, jsonContent } from '../lib/http.ts';
import { Name } from '../lib/text.ts';

const User = z.object({ id: z.number().int(), name: z.string() }).openapi('User');

/** A user always has a wallet, created with it at zero, so balance reads never need a join. */
export async function createUser(deps: Deps, name: string) {
  return deps.db.transaction(async (tx) => {
    const now = new Date(deps.clock.now());
    const [{ id }] = (await tx.insert(users).values({ name, createdAt: now }).$returningId()) as [{ id: number }];
    await tx.insert(pointWallets).values({ userId: id, balance: 0, updatedAt: now });
    return { id, name };
  });
}

export const usersRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/admin/users',
    tags: ['Admin'],
    summary: 'Create a user (with an empty point wallet)',
    security: bearerSecurity,
    middleware: guard({ kind: 'admin' }, true),
    request: { body: jsonBody(z.object({ name: Name }).openapi('NewUser')) },
    responses: {
      201: jsonContent(User, 'The user'),
      ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'),
    },
  }),
  async (c) => c.json(await createUser(c.get('deps'), c.req.valid('json').name), 201),
);
