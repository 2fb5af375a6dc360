import { createRoute } from '@hono/zod-openapi';
import { bearerSecurity, createRouter, errorResponses, guard, jsonBody, jsonContent } from '../lib/http.ts';
import { NewUser, User } from './users.schemas.ts';
import { createUser } from './users.service.ts';

export const usersRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/admin/users',
    tags: ['Admin'],
    summary: 'Create a user (with an empty point wallet)',
    security: bearerSecurity,
    middleware: guard({ kind: 'admin' }, true),
    request: { body: jsonBody(NewUser) },
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
