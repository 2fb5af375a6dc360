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
import { NewOrder, Order, OrderParams } from './orders.schemas.ts';
import { cancelOrder, getOrder, listOrders, placeOrder } from './orders.service.ts';

const auth = ['UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED'] as const;

/** A lean route (src/lib/lean-route.ts): the flash sale's buyers. */
export const orderPlace = leanRoute(
  createRoute({
    method: 'post',
    path: '/orders',
    tags: ['Orders'],
    summary: 'Place an order paid in points (idempotent with Idempotency-Key)',
    description: 'All or nothing: a refused order leaves stock, coupon and points exactly as they were.',
    security: bearerSecurity,
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
  { kind: 'user' },
  async ({ deps, headers, body, principal, path }) => {
    // What the order means: an absent couponId and a null one are the same request.
    const order = { items: body.items, couponId: body.couponId ?? null };
    return idempotentReply(deps, principal, `POST ${path}`, headers['idempotency-key'], order, async (record) => ({
      status: 201,
      body: await placeOrder(deps, principal.userId!, order, record),
    }));
  },
);

export const ordersRoutes = serveLean(createRouter(), orderPlace)
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
