/**
 * Rules of the tree that review alone would let slip: every query lives in its feature's repo (`*.repo.ts`, or
 * the database layer in src/db), only config.ts reads the environment, and every Lua script has its code enum.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { LUA_DIR, ROOT } from '../src/paths.ts';

const SRC = join(ROOT, 'src');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts')
        ? [join(dir, d.name)]
        : [],
  );
const files = sources(SRC).map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

it('no query outside a repo: only *.repo.ts and src/db import drizzle or the schema', () => {
  const offenders = files
    .filter((f) => !f.path.endsWith('.repo.ts') && !f.path.startsWith('src/db/'))
    .filter((f) => /from '(drizzle-orm[^']*|[./]*db\/schema[^']*)'/.test(f.text))
    .map((f) => f.path);
  expect(offenders).toEqual([]);
});

it('only src/config.ts reads the environment', () => {
  const offenders = files.filter((f) => f.path !== 'src/config.ts' && /process\.env\b/.test(f.text)).map((f) => f.path);
  expect(offenders).toEqual([]);
});

it('every Lua script is registered once and has a code enum named after it in src/redis/codes.ts', () => {
  const scripts = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));
  const registry = readFileSync(join(SRC, 'redis', 'scripts.ts'), 'utf8');
  const codes = readFileSync(join(SRC, 'redis', 'codes.ts'), 'utf8');
  const missing = scripts.flatMap((file) => {
    const name = file.replace(/\.lua$/, '');
    const problems = [];
    if (registry.split(`'${file}'`).length !== 2) problems.push(`${file}: not registered exactly once in scripts.ts`);
    if (!new RegExp(`Mirrors the (return codes|reply) of lua/${file.replace('.', '\\.')}`).test(codes))
      problems.push(`${name}: no code enum`);
    return problems;
  });
  expect(missing).toEqual([]);
});
