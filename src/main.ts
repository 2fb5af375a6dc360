import type { Server } from 'node:http';
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { prepareDatabase } from './db/client.ts';
import { closeDeps, createDeps, type Deps } from './deps.ts';
import { startWorkers, type Workers } from './jobs/workers.ts';
import { createLogger } from './lib/logger.ts';
import { gatherMetricsInPrimary, serveMetricsToPrimary } from './lib/metrics.ts';
import { startServer } from './lib/server.ts';
import { rebuildRedis } from './jobs/rebuild.ts';

export type Role = 'api' | 'worker' | 'all';

function readRole(argv: string[]): Role {
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string', default: 'all' } }, strict: false });
  // A cluster child is told its role by the primary.
  const role = process.env.ENGINE_ROLE ?? values.role;
  if (role !== 'api' && role !== 'worker' && role !== 'all') {
    console.error(`--role must be api, worker or all (got ${String(role)})`);
    process.exit(2);
  }
  return role;
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Role `all`, or `api` with WEB_CONCURRENCY > 1: the primary forks WEB_CONCURRENCY API processes (node:cluster
 * shares the port) and, for `all`, runs the workers itself. The workers get an event loop of their own, so a
 * flood of requests cannot starve the outbox drain (measured: 8 s behind in one process, ~1 s apart).
 * SIGTERM is passed on and the primary exits when its children have.
 */
async function runPrimary(config: Config, role: Role): Promise<void> {
  const log = createLogger(config.LOG_LEVEL, 'primary');
  let own: Deps | null = null;
  gatherMetricsInPrimary(() => own?.metrics ?? null);
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork({ ENGINE_ROLE: 'api' });
  let stopping = false;
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code }, 'API process died; starting another');
    cluster.fork({ ENGINE_ROLE: 'api' });
  });
  const stopChildren = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    return new Promise<void>((resolve) => {
      const check = () => (Object.keys(cluster.workers ?? {}).length === 0 ? resolve() : setTimeout(check, 50));
      check();
    });
  };
  if (role === 'all') own = await runProcess(config, 'worker', stopChildren);
  else {
    const stop = () => void stopChildren().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }
  log.info({ apiProcesses: config.WEB_CONCURRENCY, role }, 'primary up');
}

/** config → database → clients → HTTP and/or workers; SIGTERM stops accepting, drains, closes, exits 0. */
async function runProcess(config: Config, role: Role, beforeClose: () => Promise<void> = async () => undefined): Promise<Deps> {
  const deps = await createDeps(config);
  serveMetricsToPrimary(deps.metrics);
  const log = deps.logger;
  if (config.usingDevSecret && !cluster.isWorker) {
    log.warn('JWT_SECRET is not set: using the built-in development secret. Never run like this in production.');
  }

  let workers: Workers | null = null;
  if (role !== 'api') {
    // Invariant 6: a Redis that lost its data (flush, restart without AOF) is refilled from the record first.
    const { coupons, options } = await rebuildRedis(deps);
    if (coupons + options > 0) log.warn({ coupons, options }, 'rebuilt missing Redis state from MySQL');
    workers = await startWorkers(deps);
  }
  let server: Server | null = null;
  if (role !== 'worker') {
    server = startServer(createApp(deps).fetch, config.PORT, (port) => log.info({ port, role }, 'engine listening'));
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took over 25 s; exiting');
      process.exit(1);
    }, 25_000).unref();
    // Order matters: stop taking requests, let in-flight ones finish, then the jobs in hand, then the clients.
    await beforeClose();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await workers?.close();
    await closeDeps(deps);
    clearTimeout(force);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return deps;
}

const role = readRole(process.argv.slice(2));
const config = readConfig();
// Once per engine, before any process uses the database: the primary (or a lone process) migrates it.
if (cluster.isPrimary) await prepareDatabase(config.DATABASE_URL);
if (cluster.isPrimary && (role === 'all' || (role === 'api' && config.WEB_CONCURRENCY > 1))) await runPrimary(config, role);
else await runProcess(config, role);
