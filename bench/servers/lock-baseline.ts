/**
 * The comparison: first-come issuance the way most shops do it, in MySQL alone. One transaction per request:
 * the coupon row locked FOR UPDATE, a duplicate check, an insert and a counter update. Bench-only code, with its
 * own tables, behind the same token check and framework as the engine.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../src/db/client.ts';
import { createJwt } from '../../src/lib/jwt.ts';

const jwt = createJwt(process.env.JWT_SECRET!);
const { database, ...server } = parseDatabaseUrl(process.env.DATABASE_URL!);
const pool = mysql.createPool({ ...server, database, connectionLimit: 20 });
await pool.query(
  `CREATE TABLE IF NOT EXISTS lock_coupons (id BIGINT PRIMARY KEY, total INT NOT NULL, issued INT NOT NULL)`,
);
await pool.query(
  `CREATE TABLE IF NOT EXISTS lock_user_coupons (coupon_id BIGINT NOT NULL, user_id BIGINT NOT NULL, issued_at DATETIME(3) NOT NULL, PRIMARY KEY (coupon_id, user_id))`,
);

const app = new Hono();
app.post('/coupons/:id/issue', async (c) => {
  const principal = jwt.verify((c.req.header('authorization') ?? '').slice(7));
  if (!principal || principal.userId === null)
    return c.json({ error: { code: 'UNAUTHENTICATED', message: 'no' } }, 401);
  const couponId = Number(c.req.param('id'));
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT total, issued FROM lock_coupons WHERE id = ? FOR UPDATE',
      [couponId],
    );
    const coupon = rows[0];
    const refuse = async (code: string, status: 404 | 409) => {
      await conn.rollback();
      return c.json({ error: { code, message: 'no' } }, status);
    };
    if (!coupon) return refuse('COUPON_NOT_FOUND', 404);
    const [dup] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT 1 FROM lock_user_coupons WHERE coupon_id = ? AND user_id = ?',
      [couponId, principal.userId],
    );
    if (dup.length > 0) return refuse('COUPON_ALREADY_ISSUED', 409);
    if (coupon.issued >= coupon.total) return refuse('COUPON_SOLD_OUT', 409);
    await conn.query('INSERT INTO lock_user_coupons VALUES (?, ?, NOW(3))', [couponId, principal.userId]);
    await conn.query('UPDATE lock_coupons SET issued = issued + 1 WHERE id = ?', [couponId]);
    await conn.commit();
    return c.json({ couponId, userId: principal.userId, status: 'AVAILABLE' }, 201);
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
});
app.post('/admin/lock-coupons/:id', async (c) => {
  const { total } = await c.req.json<{ total: number }>();
  await pool.query('REPLACE INTO lock_coupons VALUES (?, ?, 0)', [Number(c.req.param('id')), total]);
  return c.json({ ok: true });
});
app.get('/admin/lock-coupons/:id', async (c) => {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    'SELECT (SELECT issued FROM lock_coupons WHERE id = ?) AS issued, (SELECT COUNT(*) FROM lock_user_coupons WHERE coupon_id = ?) AS persisted, (SELECT COUNT(DISTINCT user_id) FROM lock_user_coupons WHERE coupon_id = ?) AS users',
    [c.req.param('id'), c.req.param('id'), c.req.param('id')],
  );
  return c.json(rows[0]);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT) }, () => console.log('ready'));
