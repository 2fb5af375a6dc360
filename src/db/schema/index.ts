export * from './users.ts';
export * from './points.ts';
export * from './idempotency.ts';
export * from './products.ts';
export * from './coupons.ts';
export * from './orders.ts';
export * from './popular.ts';
