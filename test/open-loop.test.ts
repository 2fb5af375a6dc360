/**
 * The load core's open loop (bench/lib/open-loop.ts) against a local server that records when each request
 * arrives: requests are spread over the run at the rate asked (not sent as a burst at the top of each second, as
 * autocannon's `overallRate` does), and a stall is charged to every request it delayed, counted from when each
 * was due (no coordinated omission).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { createOpenLoop, PRIME_PATH } from '../bench/lib/open-loop.ts';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/**
 * A server that answers 201 at once, except while `held(now)` says to hold: then when the hold ends. It records
 * when each measured request arrives, and how many sockets were open then (the loop's priming requests apart).
 */
async function recordingServer(holdUntil: (at: number) => number) {
  const arrivals: number[] = [];
  const socketsAt: number[] = [];
  let sockets = 0;
  const start = performance.now();
  server = createServer((req, res) => {
    if (req.url === PRIME_PATH) return void res.writeHead(200).end();
    const at = performance.now() - start;
    arrivals.push(at);
    socketsAt.push(sockets);
    req.resume();
    req.on('end', () => {
      const wait = Math.max(0, holdUntil(at) - at);
      setTimeout(() => res.writeHead(201).end('{}'), wait);
    });
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, arrivals, socketsAt, sockets: () => sockets };
}

const next = () => ({ method: 'POST' as const, path: '/orders', body: '{}' });

/** One run on a loop of its own. */
async function runOnce(url: string, connections: number, rate: number, durationS: number) {
  const loop = createOpenLoop(url, connections);
  try {
    return await loop.run({ rate, durationS, next });
  } finally {
    await loop.close();
  }
}

it('spreads the requests over the run at the rate asked: spread over each second, not a burst at its top', async () => {
  const srv = await recordingServer((at) => at);
  const r = await runOnce(srv.url, 50, 500, 2);

  expect(r.answers).toBe(1000);
  expect(r.byStatus).toEqual({ '201': 1000 });
  expect(srv.arrivals).toHaveLength(1000);
  // A per-second quota sent back to back (autocannon's `overallRate`) puts nearly all of each second's requests in
  // its first 100 ms; spread out, that window holds a tenth and half of the second has gone by at its median
  // arrival. (A tick delayed on a busy machine moves a few requests, not the shape.)
  const first = srv.arrivals[0]!;
  for (const second of [0, 1]) {
    const within = srv.arrivals.map((at) => at - first - second * 1000).filter((t) => t >= 0 && t < 1000);
    expect(within.length).toBeGreaterThanOrEqual(400);
    expect(within.filter((t) => t < 100).length).toBeLessThan(within.length * 0.3);
    const median = within.sort((a, b) => a - b)[Math.floor(within.length / 2)]!;
    expect(median).toBeGreaterThan(300);
    expect(median).toBeLessThan(700);
  }
});

it('charges a stall to every request it delayed, from when each was due, not only to those already sent', async () => {
  // Nothing is answered between 500 and 800 ms after the first request: with 10 sockets, 10 requests are held and
  // the ~140 falling due meanwhile wait for a socket. A closed loop timing from the send would see ~10 slow answers.
  let first: number | null = null;
  const srv = await recordingServer((at) => {
    first ??= at;
    return at - first >= 500 && at - first < 800 ? first + 800 : at;
  });
  const r = await runOnce(srv.url, 10, 500, 2);

  expect(r.answers).toBe(1000);
  expect(r.errors).toBe(0);
  // ~150 of 1,000 were due during the stall, and the first of them waited ~300 ms.
  expect(r.latencies.getValueAtPercentile(90)).toBeGreaterThanOrEqual(50);
  expect(r.latencies.getValueAtPercentile(99)).toBeGreaterThanOrEqual(200);
  expect(r.latencies.maxValue).toBeGreaterThanOrEqual(250);
  expect(r.latencies.getValueAtPercentile(50)).toBeLessThan(50);
});

it('opens every socket before the first measured request, so no run is charged for connecting', async () => {
  const srv = await recordingServer((at) => at);
  const r = await runOnce(srv.url, 20, 400, 1);

  expect(r.answers).toBe(400);
  expect(srv.socketsAt[0]).toBe(20);
  expect(srv.sockets()).toBe(20);
});
