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
import { hotRoute } from '../lib/hot-route.ts';
import { pageOf, pageQuery, readPage } from '../lib/pagination.ts';
import { runIdempotent } from '../lib/replies.ts';
import { UserParams } from '../users/users.schemas.ts';
import { NewOrder, Order, OrderParams } from './orders.schemas.ts';
import { cancelOrder, getOrder, listOrders, placeOrder } from './orders.service.ts';

const auth = ['UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED'] as const;

export const ordersRoutes = hotRoute(
  createRouter(),
  createRoute({
    method: 'post',
    path: '/orders',
    tags: ['Orders'],
    summary: 'Place an order paid in points (idempotent with Idempotency-Key)',
    description: 'All or nothing: a refused order leaves stock, coupon and points exactly as they were.',
    security: bearerSecurity,
    middleware: guard({ kind: 'user' }, true),
    request: { headers: idempotencyHeaders, body: jsonBody(NewOrder) },
    responses: {
      201: jsonContent(Order, 'The paid order'),
      ...errorResponses(
        ...auth,
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'USER_NOT_FOUND',
        'PRODUCT_NOT_FOUND',
        'OUT_OF_STOCK',
        'INSUFFICIENT_POINTS',
        'COUPON_NOT_USABLE',
        'REQUEST_IN_PROGRESS',
        'IDEMPOTENCY_KEY_REUSED',
      ),
    },
  }),
  async (c) => {
    const { items, couponId } = c.req.valid('json');
    // What the order means: an absent couponId and a null one are the same request.
    const body = { items, couponId: couponId ?? null };
    const userId = c.get('principal').userId!;
    return runIdempotent(c, c.req.valid('header')['idempotency-key'], body, async (record) => ({
      status: 201,
      body: await placeOrder(c.get('deps'), userId, body, record),
    }));
  },
)
  .openapi(
    createRoute({
      method: 'get',
      path: '/orders/{orderId}',
      tags: ['Orders'],
      summary: 'An order (owner or admin)',
      security: bearerSecurity,
      middleware: guard({ kind: 'any' }),
      request: { params: OrderParams },
      responses: { 200: jsonContent(Order, 'The order'), ...errorResponses(...auth, 'ORDER_NOT_FOUND') },
    }),
    async (c) => c.json(await getOrder(c.get('deps'), c.get('principal'), c.req.valid('param').orderId), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/orders',
      tags: ['Orders'],
      summary: "A user's orders, newest first",
      security: bearerSecurity,
      middleware: guard({ kind: 'self', param: 'userId' }),
      request: { params: UserParams, query: pageQuery },
      responses: { 200: jsonContent(pageOf(Order), 'A page of orders'), ...errorResponses(...auth, 'USER_NOT_FOUND') },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(await listOrders(c.get('deps'), userId, readPage(c.req.valid('query'), `orders:${userId}`)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/orders/{orderId}/cancel',
      tags: ['Orders'],
      summary: 'Cancel an order: points refunded, stock and coupon restored',
      security: bearerSecurity,
      middleware: guard({ kind: 'any' }),
      request: { params: OrderParams },
      responses: {
        200: jsonContent(Order, 'The cancelled order'),
        ...errorResponses(...auth, 'ORDER_NOT_FOUND', 'ORDER_NOT_CANCELLABLE'),
      },
    }),
    async (c) => c.json(await cancelOrder(c.get('deps'), c.get('principal'), c.req.valid('param').orderId), 200),
  );
