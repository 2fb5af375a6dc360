import { createRoute } from '@hono/zod-openapi';
import {
  bearerSecurity,
  createRouter,
  errorResponses,
  guard,
  idempotencyHeaders,
  jsonBody,
  jsonContent,
} from '../lib/http.ts';
import { leanRoute, serveLean } from '../lib/lean-route.ts';
import { pageOf, pageQuery, readPage } from '../lib/pagination.ts';
import { idempotentReply } from '../lib/replies.ts';
import { UserParams } from '../users/users.schemas.ts';
import { Balance, ChargeBody, HistoryEntry } from './points.schemas.ts';
import { chargePoints, getBalance, listHistory } from './points.service.ts';

const self = () => guard({ kind: 'self', param: 'userId' });
const authErrors = ['UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED', 'USER_NOT_FOUND'] as const;

/** A lean route (src/lib/lean-route.ts): charges run through the same committer as orders. */
export const pointsCharge = leanRoute(
  createRoute({
    method: 'post',
    path: '/users/{userId}/points/charge',
    tags: ['Points'],
    summary: 'Charge points (idempotent with Idempotency-Key)',
    security: bearerSecurity,
    request: { params: UserParams, headers: idempotencyHeaders, body: jsonBody(ChargeBody) },
    responses: {
      200: jsonContent(Balance, 'The balance after the charge'),
      ...errorResponses(
        ...authErrors,
        'BALANCE_LIMIT_EXCEEDED',
        'REQUEST_IN_PROGRESS',
        'IDEMPOTENCY_KEY_REUSED',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
      ),
    },
  }),
  { kind: 'self', param: 'userId' },
  async ({ deps, params, headers, body, principal, path }) =>
    idempotentReply(
      deps,
      principal,
      `POST ${path}`,
      headers['idempotency-key'],
      { amount: body.amount },
      async (record) => ({
        status: 200,
        body: await chargePoints(deps, params.userId, body.amount, record),
      }),
    ),
);

export const pointsRoutes = serveLean(createRouter(), pointsCharge)
  .openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/points',
      tags: ['Points'],
      summary: 'Point balance',
      security: bearerSecurity,
      middleware: self(),
      request: { params: UserParams },
      responses: { 200: jsonContent(Balance, 'The balance'), ...errorResponses(...authErrors) },
    }),
    async (c) => c.json(await getBalance(c.get('deps'), c.req.valid('param').userId), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/points/history',
      tags: ['Points'],
      summary: 'Point history, newest first',
      security: bearerSecurity,
      middleware: self(),
      request: { params: UserParams, query: pageQuery },
      responses: { 200: jsonContent(pageOf(HistoryEntry), 'A page of history rows'), ...errorResponses(...authErrors) },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(await listHistory(c.get('deps'), userId, readPage(c.req.valid('query'), `points:${userId}`)), 200);
    },
  );
