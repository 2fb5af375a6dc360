import { createRoute } from '@hono/zod-openapi';
import { bearerSecurity, createRouter, errorResponses, guard, jsonBody, jsonContent } from '../lib/http.ts';
import { leanRoute, reply, serveLean } from '../lib/lean-route.ts';
import { pageOf, pageQuery, readPage } from '../lib/pagination.ts';
import {
  NewProduct,
  OptionParams,
  OptionWithProduct,
  Product,
  ProductParams,
  ProductSummary,
  StockDelta,
} from './products.schemas.ts';
import { adjustOptionStock, createProduct, getProduct, listProducts } from './products.service.ts';

const adminBody = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const;

/** A lean route (src/lib/lean-route.ts): a flash sale's product page. */
export const productRead = leanRoute(
  createRoute({
    method: 'get',
    path: '/products/{productId}',
    tags: ['Products'],
    summary: 'A product with its options and live stock',
    request: { params: ProductParams },
    responses: {
      200: jsonContent(Product, 'The product'),
      ...errorResponses('VALIDATION_FAILED', 'PRODUCT_NOT_FOUND'),
    },
  }),
  undefined,
  async ({ deps, params }) => reply(200, await getProduct(deps, params.productId)),
);

export const productsRoutes = serveLean(createRouter(), productRead)
  .openapi(
    createRoute({
      method: 'get',
      path: '/products',
      tags: ['Products'],
      summary: 'Products, newest first (no options)',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(ProductSummary), 'A page of products'),
        ...errorResponses('VALIDATION_FAILED'),
      },
    }),
    async (c) => c.json(await listProducts(c.get('deps'), readPage(c.req.valid('query'), 'products')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/products',
      tags: ['Admin'],
      summary: 'Create a product with its options',
      security: bearerSecurity,
      middleware: guard({ kind: 'admin' }, true),
      request: { body: jsonBody(NewProduct) },
      responses: {
        201: jsonContent(Product, 'The product, as GET /products/{id} shows it'),
        ...errorResponses(...adminBody),
      },
    }),
    async (c) => c.json(await createProduct(c.get('deps'), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/admin/options/{optionId}/stock',
      tags: ['Admin'],
      summary: 'Receive or remove stock of an option',
      security: bearerSecurity,
      middleware: guard({ kind: 'admin' }, true),
      request: { params: OptionParams, body: jsonBody(StockDelta) },
      responses: {
        200: jsonContent(OptionWithProduct, 'The option with its new live stock'),
        ...errorResponses(...adminBody, 'PRODUCT_NOT_FOUND', 'OUT_OF_STOCK', 'STOCK_LIMIT_EXCEEDED'),
      },
    }),
    async (c) =>
      c.json(await adjustOptionStock(c.get('deps'), c.req.valid('param').optionId, c.req.valid('json').delta), 200),
  );
