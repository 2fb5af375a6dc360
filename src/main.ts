import { fork, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { childEnv, ConfigError, ENGINE_READY, loadConfig, type Config, type ProcessRole } from './config.ts';
import { prepareDatabase } from './db/client.ts';
import type { Deps } from './deps.ts';
import type { Workers } from './jobs/workers.ts';
import { createLogger } from './lib/logger.ts';
import { createMetricsHub, serveMetricsToPrimary, type MetricsHub } from './lib/metrics.ts';

function readRole(argv: string[], given: ProcessRole | undefined): ProcessRole {
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string', default: 'all' } }, strict: false });
  // A cluster child is told its role by the primary.
  const role = given ?? values.role;
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

/** How much lower the workers' CPU priority is than the API's (a nice value; 0 turns it off). */
const WORKER_NICENESS = 10;
/**
 * The workers' jobs are batches, not a crowd of small requests: a small young generation costs them little CPU
 * and keeps their process's memory down (measured: RSS about a third lower, the drain as fast).
 */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=2'];

/**
 * The layout `npm start` runs (role `all`), and why. The API answers in this process, with no node:cluster hop:
 * under node:cluster's default round-robin scheduling the primary accepts connections and passes them to the API
 * child over IPC, and with the workers in that same primary every request's path shared an event loop with the
 * outbox drain (measured: p99 ~10 × that of the API alone, on two cores). The workers run in a child process
 * of their own, at a lower CPU priority: they catch up between requests (the outbox and the ledger wait safely in
 * Redis and MySQL), and a rush never starves them either, since each process has its own event loop.
 * With WEB_CONCURRENCY > 1 (and for role `api` too) the API runs in that many node:cluster children with
 * SCHED_NONE (the kernel hands out connections; the primary never touches a request), the primary only
 * supervises and gathers /metrics. SIGTERM is passed on; the primary exits when its children have.
 *
 * Memory: `npm start` caps the old generation (`--max-old-space-size=192`, inherited by every child). Under a rush
 * the API's resident memory grew to 240-275 MB, yet a heap snapshot right after held 42 MB of live objects: the
 * rest was promoted garbage that V8, sizing its next full collection against a multi-gigabyte default limit, had
 * no reason to collect. With the cap the API peaks at about 150 MB at the same throughput.
 */
async function runPrimary(config: Config, role: ProcessRole): Promise<void> {
  const log = createLogger(config.LOG_LEVEL, 'primary');
  let stopping = false;
  let own: Deps | null = null;
  let workerChild: ChildProcess | null = null;
  const apiChildren = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const hub = createMetricsHub(
    () => own?.metrics ?? null,
    () => [...apiChildren(), ...(workerChild ? [workerChild] : [])],
  );

  const startWorkerChild = () => {
    const child = fork(process.argv[1]!, ['--role', 'worker'], {
      env: childEnv('worker'),
      execArgv: [...process.execArgv, ...WORKER_NODE_FLAGS],
    });
    workerChild = child;
    if (WORKER_NICENESS > 0 && child.pid) {
      try {
        setPriority(child.pid, WORKER_NICENESS);
      } catch (err) {
        log.warn({ err }, 'could not lower the workers priority; running them at the API priority');
      }
    }
    child.on('message', (m) => hub.onMessage(child, m));
    child.on('exit', (code, signal) => {
      if (workerChild === child) workerChild = null;
      if (stopping) return;
      log.error({ pid: child.pid, code, signal }, 'worker process died; starting another');
      startWorkerChild();
    });
  };
  const stopChildren = async () => {
    stopping = true;
    const exits = [...apiChildren().map((w) => w.process), ...(workerChild ? [workerChild] : [])].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
  };

  // Before any other handler: a signal sent to the whole group stops the children too, and they must not be restarted.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
  if (role === 'all') startWorkerChild();
  if (role === 'all' && config.WEB_CONCURRENCY === 1) {
    own = await runProcess(config, 'api', { afterServer: stopChildren, metricsHub: hub });
  } else {
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork(childEnv('api', {}));
    // Ready (to a parent on IPC) once every API process serves.
    const ready = new Set<number>();
    cluster.on('message', (worker, m: { type?: string }) => {
      if (m?.type === ENGINE_READY && ready.size < config.WEB_CONCURRENCY) {
        ready.add(worker.id);
        if (ready.size === config.WEB_CONCURRENCY) process.send?.({ type: ENGINE_READY, role });
      }
      hub.onMessage(worker, m);
    });
    cluster.on('exit', (worker, code) => {
      if (stopping) return;
      log.error({ pid: worker.process.pid, code }, 'API process died; starting another');
      cluster.fork(childEnv('api', {}));
    });
    const stop = () => void stopChildren().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }
  log.info({ apiProcesses: config.WEB_CONCURRENCY, role }, 'primary up');
}

/** config → database → clients → HTTP and/or workers; SIGTERM stops accepting, drains, closes, exits 0. */
async function runProcess(
  config: Config,
  role: ProcessRole,
  opts: { afterServer?: () => Promise<void>; metricsHub?: MetricsHub } = {},
): Promise<Deps> {
  // Imported here, not at the top: a supervising primary (WEB_CONCURRENCY > 1) never loads the engine's clients.
  const { closeDeps, createDeps } = await import('./deps.ts');
  const deps = await createDeps(config, { metricsHub: opts.metricsHub ?? null });
  serveMetricsToPrimary(deps.metrics);
  const log = deps.logger;
  if (config.usingDevSecret && !process.send) {
    log.warn('JWT_SECRET is not set: using the built-in development secret. Never run like this in production.');
  }

  let workers: Workers | null = null;
  if (role !== 'api') {
    // Invariant 6: a Redis that lost its data (flush, restart without AOF) is refilled from the record first.
    // Loaded only where they run: each process keeps the modules it uses (the memory is per process).
    const { rebuildRedis } = await import('./jobs/rebuild.ts');
    const { startWorkers } = await import('./jobs/workers.ts');
    const { coupons, options } = await rebuildRedis(deps);
    if (coupons + options > 0) log.warn({ coupons, options }, 'rebuilt missing Redis state from MySQL');
    workers = await startWorkers(deps);
  }
  let server: Server | null = null;
  if (role !== 'worker') {
    const { createApp, serveApp } = await import('./app.ts');
    const listening = await serveApp(deps, createApp(deps), config.PORT);
    server = listening.server;
    log.info({ port: listening.port, role }, 'engine listening');
  }
  // A parent on IPC (the primary, a supervisor, the fault tests) learns that this process serves its role.
  process.send?.({ type: ENGINE_READY, role });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took over 25 s; exiting');
      process.exit(1);
    }, 25_000).unref();
    // Order matters: stop taking requests, let in-flight ones finish, then the jobs in hand (here, or in the
    // worker child), then the clients.
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await workers?.close();
    await opts.afterServer?.();
    await closeDeps(deps);
    clearTimeout(force);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A child whose primary is gone (killed) stops too, rather than run on unsupervised.
  if (process.send) process.on('disconnect', () => void stop('primary gone'));
  return deps;
}

const config = readConfig();
const role = readRole(process.argv.slice(2), config.ENGINE_ROLE);
// Once per engine, before any process uses the database: the primary (or a lone process) migrates it.
const isChild = cluster.isWorker || config.ENGINE_CHILD;
if (!isChild) await prepareDatabase(config.DATABASE_URL);
if (!isChild && (role === 'all' || (role === 'api' && config.WEB_CONCURRENCY > 1))) await runPrimary(config, role);
else await runProcess(config, role);
