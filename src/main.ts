import { serve, type ServerType } from '@hono/node-server';
import { parseArgs } from 'node:util';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { prepareDatabase } from './db/client.ts';
import { closeDeps, createDeps } from './deps.ts';
import { restoreMissingCoupons } from './coupons/coupons.state.ts';
import { restoreOptionStock } from './products/stock.ts';
import { startWorkers, type Workers } from './jobs/workers.ts';

export type Role = 'api' | 'worker' | 'all';

function readRole(argv: string[]): Role {
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string', default: 'all' } }, strict: false });
  const role = values.role;
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

/** config → database → clients → HTTP and/or workers; SIGTERM stops accepting, drains, closes, exits 0. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const role = readRole(argv);
  const config = readConfig();
  await prepareDatabase(config.DATABASE_URL);
  const deps = await createDeps(config);
  const log = deps.logger;
  if (config.usingDevSecret) {
    log.warn('JWT_SECRET is not set: using the built-in development secret. Never run like this in production.');
  }

  // Invariant 6: a Redis that lost its data (flush, restart without AOF) is refilled from the record first.
  const restored = await restoreMissingCoupons(deps);
  const options = await restoreOptionStock(deps);
  if (restored + options > 0) log.warn({ coupons: restored, options }, 'rebuilt missing Redis state from MySQL');

  const workers: Workers | null = role !== 'api' ? await startWorkers(deps) : null;
  let server: ServerType | null = null;
  if (role !== 'worker') {
    server = serve({ fetch: createApp(deps).fetch, port: config.PORT }, (info) =>
      log.info({ port: info.port, role }, 'engine listening'),
    );
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
    // Order matters: stop taking requests, let in-flight ones finish, then close the clients they use.
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await workers?.close();
    await closeDeps(deps);
    clearTimeout(force);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

await main();
