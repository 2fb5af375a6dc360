import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, found from here whether running from src/ (tsx, tests) or dist/ (npm start). */
function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lua'))) return dir;
  }
  throw new Error('project root (with package.json and lua/) not found');
}

export const ROOT = findRoot();
export const LUA_DIR = join(ROOT, 'lua');
export const MIGRATIONS_DIR = join(ROOT, 'src', 'db', 'migrations');
