/**
 * Finds Redis and MySQL at REDIS_URL / DATABASE_URL, or starts them: `docker compose up -d --wait` where a
 * Docker engine answers, else the local redis-server / mariadbd binaries with data under .data/, else it exits
 * naming what to install. `npm start` and `npm test` run it first.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../src/paths.ts';

const DATA = resolve(ROOT, '.data');
const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

type Service = { name: 'redis' | 'mysql'; host: string; port: number; compose: string };

function services(env = process.env): Service[] {
  const redis = new URL(env.REDIS_URL || 'redis://127.0.0.1:6379');
  const mysql = new URL(env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/commerce');
  const list: Service[] = [{ name: 'mysql', host: mysql.hostname, port: Number(mysql.port || 3306), compose: 'mysql' }];
  // In cluster mode the test scripts start their own nodes; only the single-node URL is ensured here.
  if (!env.REDIS_CLUSTER_NODES)
    list.unshift({ name: 'redis', host: redis.hostname, port: Number(redis.port || 6379), compose: 'redis' });
  return list;
}

/** A service is up when it accepts a TCP connection and says something first (MySQL) or answers PING (Redis). */
function isUp(s: Service, ms = 1_500): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: s.host, port: s.port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(ms, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => {
      if (s.name === 'redis') socket.write('PING\r\n');
    });
    socket.on('data', (d) => finish(s.name === 'mysql' || d.toString().startsWith('+PONG')));
  });
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const dockerWorks = () =>
  has('docker') && spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const firstOf = (...cmds: string[]) => cmds.find(has);

function startLocalRedis(s: Service) {
  const dir = resolve(DATA, `redis-${s.port}`);
  mkdirSync(dir, { recursive: true });
  // AOF with fsync every second, as docker-compose.yml runs it: a crash loses at most about a second.
  execFileSync('redis-server', [
    '--daemonize',
    'yes',
    '--port',
    String(s.port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--logfile',
    resolve(dir, 'redis.log'),
  ]);
}

function startLocalMysql(s: Service) {
  const server =
    firstOf('mariadbd', 'mysqld') ?? (existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : '/usr/sbin/mysqld');
  const dir = resolve(DATA, `mysql-${s.port}`);
  if (!existsSync(resolve(dir, 'mysql'))) {
    mkdirSync(dir, { recursive: true });
    const install = firstOf('mariadb-install-db', 'mysql_install_db');
    if (install) {
      execFileSync(
        install,
        [
          '--no-defaults',
          `--datadir=${dir}`,
          '--auth-root-authentication-method=normal',
          '--user=root',
          '--skip-test-db',
        ],
        { stdio: 'ignore' },
      );
    } else {
      execFileSync(server, ['--initialize-insecure', `--datadir=${dir}`, '--user=root'], { stdio: 'ignore' });
    }
  }
  const child = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${dir}`,
      `--port=${s.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/mysqld.sock`,
      `--pid-file=${dir}/mysqld.pid`,
      '--user=root',
      `--log-error=${dir}/error.log`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
}

async function waitUp(s: Service, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await isUp(s)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export async function ensureServices(env = process.env): Promise<void> {
  const down: Service[] = [];
  for (const s of services(env)) if (!(await isUp(s))) down.push(s);
  if (down.length === 0) return;

  const names = down.map((s) => `${s.name} (${s.host}:${s.port})`).join(', ');
  const remote = down.filter((s) => !LOCAL.has(s.host));
  if (remote.length > 0)
    fail(
      `${remote.map((s) => `${s.name} at ${s.host}:${s.port}`).join(', ')} does not answer, and it is not on this machine, so it is not started here.`,
    );

  if (dockerWorks() && down.every((s) => s.port === (s.name === 'redis' ? 6379 : 3306))) {
    console.error(`[services] ${names} not answering: docker compose up -d --wait`);
    const r = spawnSync('docker', ['compose', 'up', '-d', '--wait', ...down.map((s) => s.compose)], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (r.status !== 0) fail('docker compose up failed');
  } else {
    for (const s of down) {
      if (s.name === 'redis') {
        if (!has('redis-server'))
          fail(
            'Redis is not running and redis-server is not installed. Install Docker, or Redis 7 (apt-get install redis-server).',
          );
        console.error(`[services] starting local redis-server on port ${s.port} (data in .data/)`);
        startLocalRedis(s);
      } else {
        if (!firstOf('mariadbd', 'mysqld') && !existsSync('/usr/sbin/mariadbd') && !existsSync('/usr/sbin/mysqld')) {
          fail(
            'MySQL is not running and no mariadbd/mysqld is installed. Install Docker, or MariaDB 10.11+ / MySQL 8 (apt-get install mariadb-server).',
          );
        }
        console.error(`[services] starting local mariadbd on port ${s.port} (data in .data/)`);
        startLocalMysql(s);
      }
    }
  }
  for (const s of down)
    if (!(await waitUp(s, 60))) fail(`${s.name} did not come up on ${s.host}:${s.port} within 60 s`);
  console.error(`[services] ${names} up`);
}

function fail(message: string): never {
  console.error(`[services] ${message}`);
  process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureServices();
}
