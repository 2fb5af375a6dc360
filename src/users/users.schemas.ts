import { z } from '@hono/zod-openapi';
import { idParam } from '../lib/http.ts';
import { Name } from '../lib/text.ts';

/** `:userId` of every route under /users/{userId}. */
export const UserParams = z.object({ userId: idParam('userId') });

export const User = z.object({ id: z.number().int(), name: z.string() }).openapi('User');

export const NewUser = z.object({ name: Name }).openapi('NewUser');
