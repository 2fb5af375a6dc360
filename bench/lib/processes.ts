import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../../src/paths.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * The Node flags `npm start` gives the engine, read from package.json's start script, so the bench starts the
 * engine exactly as users do.
 */
export function startScriptNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const m = /\bnode((?:\s+--\S+)*)\s+dist\/src\/main\.js/.exec(scripts.start ?? '');
  if (!m) throw new Error(`package.json's start script does not run node dist/src/main.js: ${scripts.start}`);
  return m[1]!.split(/\s+/).filter(Boolean);
}

export type Proc = {
  child: ChildProcess;
  port: number;
  url: string;
  stop(): Promise<void>;
  rssMb(): number;
  rssByProcess(): Record<string, number>;
  /** CPU ms used so far by each process of the tree and by the shared MariaDB and Redis */
  cpu(): Record<string, number>;
};

/**
 * Starts an entry point compiled by `npm run build` (plain Node, as `npm start` runs the engine; the baselines
 * run the same way), and waits until its port answers.
 */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', entry.replace(/\.ts$/, '.js')), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/health`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${entry} did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    port,
    url,
    rssMb: () => rssOf(child.pid!),
    rssByProcess: () => rssByProcess(child.pid!),
    cpu: () => ({ ...cpuByProcess(child.pid!), ...servicesCpu() }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
      }),
  };
}

/** Resident memory of a process and its children (cluster workers), in MB, from /proc. */
export function rssOf(pid: number): number {
  const pids = [pid, ...childrenOf(pid)];
  const kb = pids.reduce((sum, p) => sum + statusKb(p, /VmRSS:\s+(\d+)/, 'status'), 0);
  return Math.round(kb / 1024);
}

/** Each process of the tree with its name: its engine role (`main` for the process started). */
function namedProcesses(pid: number): [string, number][] {
  const out: [string, number][] = [['main', pid]];
  for (const p of childrenOf(pid)) {
    let role = 'child';
    try {
      role =
        readFileSync(`/proc/${p}/environ`, 'utf8')
          .split('\0')
          .find((v) => v.startsWith('ENGINE_ROLE='))
          ?.slice(12) ?? 'child';
    } catch {
      /* gone */
    }
    let name = role;
    for (let i = 2; out.some(([n]) => n === name); i++) name = `${role}${i}`;
    out.push([name, p]);
  }
  return out;
}

/**
 * Resident memory of each process of the tree, named by its engine role (`main` for the process started), and
 * `pss`: the tree's proportional set size, where the pages its processes share (Node's own code, mostly) count
 * once instead of once per process as in a sum of RSS.
 */
export function rssByProcess(pid: number): Record<string, number> {
  const named = namedProcesses(pid);
  const kb = named.reduce((sum, [, p]) => sum + statusKb(p, /^Pss:\s+(\d+)/m, 'smaps_rollup'), 0);
  return { ...Object.fromEntries(named.map(([name, p]) => [name, rssOne(p)])), pss: Math.round(kb / 1024) };
}

/** CPU time (user + system) used so far by each process of the tree, in ms, named as `rssByProcess` names them. */
export function cpuByProcess(pid: number): Record<string, number> {
  return Object.fromEntries(namedProcesses(pid).map(([name, p]) => [name, cpuMsOne(p)]));
}

/** CPU time used so far by the shared MariaDB and Redis servers, in ms (the processes named so in /proc). */
export function servicesCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const name = comm === 'mariadbd' || comm === 'mysqld' ? 'mysql' : comm === 'redis-server' ? 'redis' : null;
    if (name) out[name] = (out[name] ?? 0) + cpuMsOne(Number(entry));
  }
  return out;
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOne(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const rssOne = (pid: number) => Math.round(statusKb(pid, /VmRSS:\s+(\d+)/, 'status') / 1024);

/** A kB figure from /proc/<pid>/<file>; 0 once the process is gone. */
function statusKb(pid: number, re: RegExp, file: 'status' | 'smaps_rollup'): number {
  try {
    const m = re.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .flatMap((c) => [c, ...childrenOf(c)]);
  } catch {
    return [];
  }
}
