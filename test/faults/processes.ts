/**
 * Private servers and engine processes for fault tests: each test starts its own redis-server / mariadbd on a
 * free port with its own data folder, so the shared services are never stopped, and runs the engine as real
 * processes (`--role api`, `--role worker`) that can be killed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/processes.ts';
import { ENGINE_READY } from '../../src/config.ts';
import { ROOT } from '../../src/paths.ts';
import { until } from '../harness.ts';

export { freePort };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { until };

const isDead = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    isDead(child) ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

export type Server = {
  port: number;
  dir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  remove(): void;
};

/** Stops a server child (if running) and waits until it is gone. */
async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || isDead(child)) return;
  const done = exited(child);
  child.kill(signal);
  await done;
}

/** A redis-server of our own; `aof` keeps its data across restarts as docker-compose.yml runs it. */
export async function privateRedis(opts: { aof: boolean }): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fault-redis-'));
  let child: ChildProcess | null = null;
  const server: Server = {
    port,
    dir,
    async start() {
      if (child && !isDead(child)) return; // already running: a second server would orphan the first
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          opts.aof ? 'yes' : 'no',
          '--appendfsync',
          'everysec',
        ],
        { stdio: 'ignore' },
      );
      await until(
        async () =>
          execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] })
            .toString()
            .trim(),
        (v) => v === 'PONG',
        10_000,
        'private redis',
      );
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  await server.start();
  return server;
}

/** A mariadbd of our own (root, empty password), initialised once in a temporary folder. */
export async function privateMysql(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fault-mysql-'));
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${dir}`, '--auth-root-authentication-method=normal', '--user=root', '--skip-test-db'],
    { stdio: 'ignore' },
  );
  let child: ChildProcess | null = null;
  const server: Server = {
    port,
    dir,
    async start() {
      if (child && !isDead(child)) return; // already running: a second server would orphan the first
      child = spawn(
        '/usr/sbin/mariadbd',
        [
          '--no-defaults',
          `--datadir=${dir}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${dir}/mysqld.sock`,
          `--pid-file=${dir}/mysqld.pid`,
          '--user=root',
          '--skip-log-bin',
          `--log-error=${dir}/error.log`,
        ],
        { stdio: 'ignore' },
      );
      await until(
        async () =>
          execFileSync('mariadb-admin', ['-h127.0.0.1', `-P${port}`, '-uroot', 'ping'], {
            stdio: ['ignore', 'pipe', 'ignore'],
          }).toString(),
        (v) => v.includes('alive'),
        30_000,
        'private mariadbd',
      );
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  await server.start();
  return server;
}

export type EngineProcess = {
  child: ChildProcess;
  url: string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  output(): string;
};

/** The engine as a real process in one role, with the test's environment (database, prefix, secret). */
export async function engineProcess(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
): Promise<EngineProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', role], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const ready = new Promise<void>((resolve) =>
    child.on('message', (m: { type?: string }) => m?.type === ENGINE_READY && resolve()),
  );
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  // Ready when the process says so over IPC (the API is listening, the workers are consuming), not after a guess.
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${role} process not ready within 30 s: ${out}`)), 30_000);
    child.once('exit', () => reject(new Error(`${role} exited: ${out}`)));
    void ready.then(resolve);
  })
    .catch((err: unknown) => {
      // Not ready: killed here, since the caller never gets the handle to do it.
      child.kill('SIGKILL');
      throw err;
    })
    .finally(() => clearTimeout(timer));
  return {
    child,
    url,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (isDead(child)) return child.exitCode;
      const done = exited(child);
      child.kill(signal);
      return done;
    },
  };
}

/** Sends `n` requests with at most `concurrency` in flight; returns each status (0 for a connection error). */
export async function flood(n: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = new Array(n).fill(0);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        try {
          const res = await send(i);
          await res.arrayBuffer();
          statuses[i] = res.status;
        } catch {
          statuses[i] = 0;
        }
      }
    }),
  );
  return statuses;
}
