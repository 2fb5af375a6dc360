import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; request handlers add `reqId` through child loggers. */
export function createLogger(level: string, name = 'engine'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
