import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, createRouter, errorResponses, guard, jsonBody, jsonContent } from '../lib/http.ts';
import { Name } from '../lib/text.ts';
import { createUser } from './users.service.ts';

const User = z.object({ id: z.number().int(), name: z.string() }).openapi('User');

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
      ...errorResponses(
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'VALIDATION_FAILED',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
      ),
    },
  }),
  async (c) => c.json(await createUser(c.get('deps'), c.req.valid('json').name), 201),
);
