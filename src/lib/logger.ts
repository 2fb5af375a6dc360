import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. A request that fails with a 5xx is logged with its `reqId` (the X-Request-Id it
 * was answered with), so a client's report finds its log line.
 */
export function createLogger(level: string, name = 'engine'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
