/**
 * The comparison for orders: a plain MySQL shop, as most shops take a paid order. One transaction per request
 * (pool of 20): the option's stock row and the buyer's wallet locked FOR UPDATE, two UPDATEs, three INSERTs
 * (order, item, history), COMMIT. Same token check and framework as the engine. Bench-only code, own tables.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../src/db/client.ts';
import { createJwt } from '../../src/lib/jwt.ts';

const jwt = createJwt(process.env.JWT_SECRET!);
const { database, ...server } = parseDatabaseUrl(process.env.DATABASE_URL!);
const pool = mysql.createPool({ ...server, database, connectionLimit: 20 });
for (const ddl of [
  'CREATE TABLE IF NOT EXISTS shop_options (id BIGINT PRIMARY KEY, price BIGINT NOT NULL, stock INT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS shop_wallets (user_id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS shop_orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, paid BIGINT NOT NULL, created_at DATETIME(3) NOT NULL)',
  'CREATE TABLE IF NOT EXISTS shop_order_items (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL, option_id BIGINT NOT NULL, quantity INT NOT NULL, unit_price BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS shop_history (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, amount BIGINT NOT NULL, balance_after BIGINT NOT NULL, order_id BIGINT, created_at DATETIME(3) NOT NULL)',
]) {
  await pool.query(ddl);
}

const refuse = (code: string, status: 404 | 409) => ({ error: { code, message: code }, status });

const app = new Hono();
app.get('/health', (c) => c.json({ status: 'ok' }));

app.post('/orders', async (c) => {
  const principal = jwt.verify((c.req.header('authorization') ?? '').slice(7));
  if (!principal || principal.userId === null)
    return c.json({ error: { code: 'UNAUTHENTICATED', message: 'no' } }, 401);
  const { items } = await c.req.json<{ items: { optionId: number; quantity: number }[] }>();
  const { optionId, quantity } = items[0]!;
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [opt] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT price, stock FROM shop_options WHERE id = ? FOR UPDATE',
      [optionId],
    );
    const [wallet] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT balance FROM shop_wallets WHERE user_id = ? FOR UPDATE',
      [principal.userId],
    );
    const r = !opt[0]
      ? refuse('PRODUCT_NOT_FOUND', 404)
      : !wallet[0]
        ? refuse('USER_NOT_FOUND', 404)
        : opt[0].stock < quantity
          ? refuse('OUT_OF_STOCK', 409)
          : null;
    const paid = opt[0] ? Number(opt[0].price) * quantity : 0;
    const refusal = r ?? (Number(wallet[0]!.balance) < paid ? refuse('INSUFFICIENT_POINTS', 409) : null);
    if (refusal) {
      await conn.rollback();
      return c.json({ error: refusal.error }, refusal.status);
    }
    const now = new Date();
    await conn.query('UPDATE shop_options SET stock = stock - ? WHERE id = ?', [quantity, optionId]);
    await conn.query('UPDATE shop_wallets SET balance = balance - ? WHERE user_id = ?', [paid, principal.userId]);
    const [order] = await conn.query<mysql.ResultSetHeader>(
      'INSERT INTO shop_orders (user_id, paid, created_at) VALUES (?, ?, ?)',
      [principal.userId, paid, now],
    );
    await conn.query('INSERT INTO shop_order_items (order_id, option_id, quantity, unit_price) VALUES (?, ?, ?, ?)', [
      order.insertId,
      optionId,
      quantity,
      opt[0]!.price,
    ]);
    await conn.query(
      'INSERT INTO shop_history (user_id, amount, balance_after, order_id, created_at) VALUES (?, ?, ?, ?, ?)',
      [principal.userId, paid, Number(wallet[0]!.balance) - paid, order.insertId, now],
    );
    await conn.commit();
    return c.json({ orderId: order.insertId, userId: principal.userId, status: 'PAID', paidAmount: paid }, 201);
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
});

/** Setup (not measured): one option and funded wallets for users first..first+count-1. */
app.post('/admin/setup', async (c) => {
  const { optionId, price, stock, firstUser, users, balance } = await c.req.json<{
    optionId: number;
    price: number;
    stock: number;
    firstUser: number;
    users: number;
    balance: number;
  }>();
  for (const t of ['shop_orders', 'shop_order_items', 'shop_history', 'shop_wallets'])
    await pool.query(`TRUNCATE TABLE ${t}`);
  await pool.query('REPLACE INTO shop_options VALUES (?, ?, ?)', [optionId, price, stock]);
  for (let i = 0; i < users; i += 5_000) {
    const ids = Array.from({ length: Math.min(5_000, users - i) }, (_, j) => firstUser + i + j);
    await pool.query('REPLACE INTO shop_wallets VALUES ?', [ids.map((id) => [id, balance])]);
  }
  return c.json({ ok: true });
});

/** The audit: what is left, what was sold, what was debited, the lowest balance. */
app.get('/admin/audit/:optionId', async (c) => {
  const id = Number(c.req.param('optionId'));
  const [[row]] = (await pool.query(
    `SELECT (SELECT stock FROM shop_options WHERE id = ?) AS stock,
            (SELECT COALESCE(SUM(quantity), 0) FROM shop_order_items WHERE option_id = ?) AS sold,
            (SELECT COALESCE(SUM(amount), 0) FROM shop_history) AS debited,
            (SELECT COUNT(*) FROM shop_orders) AS orders,
            (SELECT MIN(balance) FROM shop_wallets) AS minBalance`,
    [id, id],
  )) as unknown as [[Record<string, string>]];
  return c.json(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])));
});

serve({ fetch: app.fetch, port: Number(process.env.PORT) }, () => console.log('ready'));
