/**
 * A small TCP proxy in front of the shared Redis, for faults without stopping the server: drop the reply to one
 * command (the command still runs; the client sees its connection reset and reconnects), refuse connections,
 * or swallow everything (a Redis that hangs).
 */
import net from 'node:net';

type Pair = { client: net.Socket; upstream: net.Socket };

export type RedisProxy = Awaited<ReturnType<typeof startRedisProxy>>;

export async function startRedisProxy(target = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379')) {
  const pairs = new Set<Pair>();
  let mode: 'pass' | 'refuse' | 'hang' = 'pass';
  /** every substring must occur in one client write; the reply to that write is dropped */
  let dropOn: string[] | null = null;
  /** every substring must occur in one client write; Redis goes down right after answering it */
  let downAfter: string[] | null = null;
  let dropped = 0;

  const server = net.createServer((client) => {
    if (mode === 'refuse') return void client.destroy();
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    let dropNextReply = false;
    let downAfterReply = false;
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      if (mode === 'hang') return;
      const text = chunk.toString('latin1').toLowerCase();
      if (dropOn?.every((s) => text.includes(s))) {
        dropOn = null;
        dropNextReply = true;
      }
      if (downAfter?.every((s) => text.includes(s))) {
        downAfter = null;
        downAfterReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'hang') return;
      if (dropNextReply) {
        // Redis has run the command and answered: lose the answer, as a broken connection would.
        dropped++;
        return close();
      }
      client.write(chunk);
      if (downAfterReply) {
        downAfterReply = false;
        mode = 'refuse';
        for (const p of pairs) p.client.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `redis://127.0.0.1:${port}`,
    /** Drops the reply to the next client write that contains every one of `parts` (case-insensitive). */
    dropReplyTo(...parts: string[]) {
      dropOn = parts.map((p) => p.toLowerCase());
    },
    /** Lets the next client write that contains every one of `parts` through, answered; then Redis is down. */
    downAfterReplyTo(...parts: string[]) {
      downAfter = parts.map((p) => p.toLowerCase());
    },
    /** How many replies were dropped so far. */
    get dropped() {
      return dropped;
    },
    /** Cuts every connection and refuses new ones: Redis is down. */
    refuse() {
      mode = 'refuse';
      for (const p of pairs) p.client.destroy();
    },
    /** Keeps connections open but passes nothing either way: Redis hangs. */
    hang() {
      mode = 'hang';
    },
    /** Back to passing; connections that hung are cut (what they swallowed can never be answered). */
    restore() {
      if (mode === 'hang') for (const p of pairs) p.client.destroy();
      mode = 'pass';
    },
    async close() {
      for (const p of pairs) p.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
