import { createRoute } from '@hono/zod-openapi';
import { AppError } from '../lib/errors.ts';
import { bearerSecurity, createRouter, errorResponses, guard, jsonBody, jsonContent } from '../lib/http.ts';
import { leanRoute, reply, serveLean } from '../lib/lean-route.ts';
import { pageOf, pageQuery, readPage } from '../lib/pagination.ts';
import { UserParams } from '../users/users.schemas.ts';
import { Coupon, CouponParams, CouponStatus, IssuedCoupon, NewCoupon, UserCoupon } from './coupons.schemas.ts';
import { createCoupon, getCouponStatus, issueCoupon, listUserCoupons } from './coupons.service.ts';

const bodyErrors = ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;

/** A lean route (src/lib/lean-route.ts): the flash sale's crowd. */
export const couponIssue = leanRoute(
  createRoute({
    method: 'post',
    path: '/coupons/{couponId}/issue',
    tags: ['Coupons'],
    summary: 'Claim one copy of a first-come coupon',
    description: 'One atomic Redis script decides; the copy reaches MySQL asynchronously (in the list within 1 s).',
    security: bearerSecurity,
    request: { params: CouponParams },
    responses: {
      201: jsonContent(IssuedCoupon, 'Issued'),
      ...errorResponses(
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'VALIDATION_FAILED',
        'RATE_LIMITED',
        'COUPON_NOT_FOUND',
        'COUPON_SOLD_OUT',
        'COUPON_ALREADY_ISSUED',
        'COUPON_NOT_ISSUABLE',
        'SERVICE_UNAVAILABLE',
      ),
    },
  }),
  { kind: 'user' },
  async ({ deps, params, principal }) => {
    const issued = await issueCoupon(deps, params.couponId, principal.userId!);
    return issued instanceof AppError ? issued : reply(201, issued);
  },
);

export const couponsRoutes = serveLean(createRouter(), couponIssue)
  .openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/coupons',
      tags: ['Coupons'],
      summary: "A user's coupons, newest first",
      security: bearerSecurity,
      middleware: guard({ kind: 'self', param: 'userId' }),
      request: { params: UserParams, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(UserCoupon), 'A page of coupons'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED', 'USER_NOT_FOUND'),
      },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(
        await listUserCoupons(c.get('deps'), userId, readPage(c.req.valid('query'), `coupons:${userId}`)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/coupons',
      tags: ['Admin'],
      summary: 'Create a coupon and its Redis state',
      security: bearerSecurity,
      middleware: guard({ kind: 'admin' }, true),
      request: { body: jsonBody(NewCoupon) },
      responses: {
        201: jsonContent(Coupon, 'The coupon'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', ...bodyErrors),
      },
    }),
    async (c) => c.json(await createCoupon(c.get('deps'), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/coupons/{couponId}',
      tags: ['Admin'],
      summary: 'A coupon with its live and persisted counts',
      security: bearerSecurity,
      middleware: guard({ kind: 'admin' }),
      request: { params: CouponParams },
      responses: {
        200: jsonContent(CouponStatus, 'The coupon'),
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED', 'COUPON_NOT_FOUND'),
      },
    }),
    async (c) => c.json(await getCouponStatus(c.get('deps'), c.req.valid('param').couponId), 200),
  );
