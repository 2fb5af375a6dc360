import { z } from 'zod';

/** Used when JWT_SECRET is unset outside production, so a laptop start works; never accepted in production. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789abcdef';

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

const urlWithScheme = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`,
  );

const hostPortList = z.string().regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port...]');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(3000, 0, 65535),
    REDIS_URL: urlWithScheme(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    REDIS_CLUSTER_NODES: z.preprocess(emptyToUndefined, hostPortList.optional()),
    /** Prepended to every key and queue; lets tests and tenants share one Redis. No braces: they would break hash tags. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only')
      .default(''),
    DATABASE_URL: urlWithScheme(['mysql:', 'mariadb:']).default('mysql://root@127.0.0.1:3306/commerce'),
    /** optional read replica for list and lookup reads (replication itself is MySQL's); off when unset */
    DATABASE_REPLICA_URL: z.preprocess(emptyToUndefined, urlWithScheme(['mysql:', 'mariadb:']).optional()),
    MYSQL_POOL_SIZE: int(20, 1, 500),
    JWT_SECRET: optionalString,
    ADMIN_USER: optionalString,
    ADMIN_PASSWORD: optionalString,
    DATA_PLATFORM_URL: z.preprocess(emptyToUndefined, urlWithScheme(['http:', 'https:']).optional()),
    DATA_PLATFORM_SECRET: optionalString,
    ISSUE_RATE_LIMIT: int(10, 0, 1_000_000),
    RESERVATION_TIMEOUT_MS: int(60_000, 1_000, 86_400_000),
    POPULAR_REFRESH_MS: int(3_600_000, 1_000, 86_400_000),
    COUPON_DRAIN_INTERVAL_MS: int(1_000, 50, 60_000),
    COUPON_DRAIN_BATCH: int(1_000, 1, 10_000),
    WEB_CONCURRENCY: int(1, 1, 256),
    /** group commit of paid orders and charges: most movements in one MySQL transaction */
    PAYMENT_BATCH_MAX: int(200, 1, 2_000),
    /** batches committing at once (each holds one MySQL connection) */
    PAYMENT_BATCH_CONCURRENCY: int(4, 1, 32),
    /** while a batch commits, how long the next one may wait to fill (0: only what arrived meanwhile) */
    PAYMENT_BATCH_WINDOW_MS: int(2, 0, 1_000),
    /** paid orders' deliveries gathered into one queue job for this long (0: a job per committed batch) */
    DELIVERY_COALESCE_MS: int(100, 0, 5_000),
    /** set by the engine for the processes it starts: their role, and that a parent runs the engine */
    ENGINE_ROLE: z.enum(['api', 'worker', 'all']).optional(),
    ENGINE_CHILD: z.preprocess((v) => v === '1', z.boolean()),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required when NODE_ENV=production' });
    }
    if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 16) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 16 characters' });
    }
    if (env.DATA_PLATFORM_URL && !env.DATA_PLATFORM_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATA_PLATFORM_SECRET'],
        message: 'required when DATA_PLATFORM_URL is set',
      });
    }
    if ((env.ADMIN_USER === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'ADMIN_USER and ADMIN_PASSWORD go together' });
    }
  });

export type Env = z.output<typeof schema>;
export type Config = Omit<Env, 'JWT_SECRET'> & { JWT_SECRET: string; usingDevSecret: boolean };

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The role a process of the engine runs: HTTP, the BullMQ workers, or both (the layout `npm start` runs). */
export type ProcessRole = 'api' | 'worker' | 'all';

/** The IPC message a process of the engine sends its parent (if it has one) once it serves its role. */
export const ENGINE_READY = 'engine-ready';

/** The environment of a process the engine starts itself, in `role`. */
export function childEnv(role: ProcessRole, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, ENGINE_ROLE: role, ENGINE_CHILD: '1' };
}

/** Parses the environment once; throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const { JWT_SECRET, ...rest } = parsed.data;
  return { ...rest, JWT_SECRET: JWT_SECRET ?? DEV_JWT_SECRET, usingDevSecret: JWT_SECRET === undefined };
}
