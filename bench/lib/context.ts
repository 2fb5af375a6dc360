import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { type Cluster, Redis } from 'ioredis';
import { parseDatabaseUrl } from '../../src/db/client.ts';
import { createJwt } from '../../src/lib/jwt.ts';
import { createKeys } from '../../src/redis/keys.ts';
import { startProcess, startScriptNodeArgs, type Proc } from './processes.ts';

export type Options = { connections: number; durationS: number; warmupS: number };

/** What scenarios share: the engine (started once, on its own database and key prefix), tokens, audit clients. */
export async function createContext(opts: Options) {
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const secret = `bench-secret-${randomBytes(16).toString('hex')}`;
  const base = new URL(process.env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/commerce');
  base.pathname = `/bench_${id}`;
  const env = {
    NODE_ENV: 'production',
    JWT_SECRET: secret,
    DATABASE_URL: base.toString(),
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench:${id}:`,
    LOG_LEVEL: 'warn',
    MYSQL_POOL_SIZE: '30',
  };
  const jwt = createJwt(secret);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens = new Map<number, string>();
  /** A user token, minted once per user id. */
  const token = (userId: number) => {
    let t = tokens.get(userId);
    if (!t) {
      t = jwt.sign({ sub: String(userId), exp });
      if (tokens.size < 500_000) tokens.set(userId, t);
    }
    return t;
  };
  const admin = jwt.sign({ sub: 'bench', role: 'admin', exp });
  const { database, ...server } = parseDatabaseUrl(env.DATABASE_URL);
  const engines = new Map<string, Proc>();
  let cluster: Cluster | null = null;
  let db: mysql.Pool | null = null;
  const redis = new Redis(env.REDIS_URL);
  const keys = createKeys(env.REDIS_PREFIX);

  const ctx = {
    opts,
    env,
    token,
    admin,
    keys,
    redis,
    /** An audit client for a Redis Cluster, made once. */
    cluster(nodes: string): Cluster {
      cluster ??= new Redis.Cluster(
        nodes.split(',').map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })),
      );
      return cluster;
    },
    /** The engine, started once per variant of its environment (e.g. WEB_CONCURRENCY=2). */
    async engine(extra: Record<string, string> = {}): Promise<Proc> {
      const name = JSON.stringify(extra);
      let e = engines.get(name);
      if (!e) {
        for (const [other, proc] of engines) {
          if (other === name) continue;
          await proc.stop();
          engines.delete(other);
        }
        // npm start's own flags; BENCH_ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the engine
        // (its children inherit both).
        const nodeArgs = [
          ...startScriptNodeArgs(),
          ...(process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean),
        ];
        e = await startProcess('src/main.ts', { ...env, ...extra }, [], nodeArgs);
        engines.set(name, e);
      }
      return e;
    },
    async stopEngines() {
      for (const proc of engines.values()) await proc.stop();
      engines.clear();
    },
    db(): mysql.Pool {
      db ??= mysql.createPool({ ...server, database, connectionLimit: 5, timezone: 'Z' });
      return db;
    },
    async api(e: Proc, method: string, path: string, body?: unknown) {
      const res = await fetch(`${e.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async close() {
      await ctx.stopEngines();
      await db?.end();
      const conn = await mysql.createConnection(server);
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}*`, 'COUNT', 5000);
        if (batch.length) await redis.unlink(...batch);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
      if (cluster) {
        for (const node of cluster.nodes('master')) {
          let c = '0';
          do {
            const [next, batch] = await node.scan(c, 'MATCH', `${env.REDIS_PREFIX}*`, 'COUNT', 5000);
            for (const key of batch) await node.unlink(key);
            c = next;
          } while (c !== '0');
        }
        cluster.disconnect();
      }
    },
  };
  return ctx;
}

export type Context = Awaited<ReturnType<typeof createContext>>;
