/**
 * A local 3-master Redis Cluster from the redis-server binary, on loopback ports (default 7101-7103), data in
 * .data/. `npm run redis:cluster` starts it (or reuses a healthy one) and prints REDIS_CLUSTER_NODES;
 * `npm run redis:cluster -- stop` stops it. For tests and benchmarks; production uses a managed cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/paths.ts';

const BASE = Number(process.env.CLUSTER_BASE_PORT || 7101);
const PORTS = [BASE, BASE + 1, BASE + 2];
export const CLUSTER_NODES = PORTS.map((p) => `127.0.0.1:${p}`).join(',');

const cli = (port: number, ...args: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 });
const clusterOk = () => PORTS.every((p) => /cluster_state:ok/.test(cli(p, 'cluster', 'info').stdout ?? ''));

export async function startCluster(): Promise<string> {
  if (clusterOk()) return CLUSTER_NODES;
  for (const port of PORTS) {
    cli(port, 'shutdown', 'nosave');
    const dir = join(ROOT, '.data', `cluster-${port}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'yes',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '5000',
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
    ]);
  }
  for (const port of PORTS) {
    for (let i = 0; i < 40 && cli(port, 'ping').stdout?.trim() !== 'PONG'; i++)
      await new Promise((r) => setTimeout(r, 100));
  }
  execFileSync(
    'redis-cli',
    ['--cluster', 'create', ...PORTS.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !clusterOk(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!clusterOk()) throw new Error('the local Redis Cluster did not reach cluster_state:ok');
  return CLUSTER_NODES;
}

export function stopCluster(): void {
  for (const port of PORTS) cli(port, 'shutdown', 'nosave');
}

if (process.argv[1]?.endsWith('redis-cluster.ts') || process.argv[1]?.endsWith('redis-cluster.js')) {
  if (process.argv.includes('stop')) stopCluster();
  else console.log(`REDIS_CLUSTER_NODES=${await startCluster()}`);
}
