import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from './client.ts';

const LUA_DIR = fileURLToPath(new URL('../../lua/', import.meta.url));

/** Each script's key count; ioredis `defineCommand` loads it once and runs it by SHA (EVALSHA, NOSCRIPT fallback). */
const SCRIPTS = {} as const satisfies Record<string, { file: string; keys: number }>;

export function registerScripts<T extends RedisClient>(client: T): T {
  for (const [name, { file, keys }] of Object.entries(SCRIPTS) as [string, { file: string; keys: number }][]) {
    client.defineCommand(name, { numberOfKeys: keys, lua: readFileSync(LUA_DIR + file, 'utf8') });
  }
  return client;
}
