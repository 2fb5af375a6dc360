/** Prints a bearer token for manual calls: `npm run token -- --user 1 [--admin] [--ttl 3600]`. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createJwt } from '../src/lib/jwt.ts';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    admin: { type: 'boolean', default: false },
    ttl: { type: 'string', default: '3600' },
  },
});
const ttl = Number(values.ttl);
if (!values.admin && !/^[1-9][0-9]*$/.test(values.user ?? '')) {
  console.error('usage: npm run token -- --user <id> [--admin] [--ttl seconds]   (or --admin alone)');
  process.exit(2);
}
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(2);
}
try {
  const { JWT_SECRET } = loadConfig();
  const sub = values.user ?? 'admin';
  const role = values.admin ? 'admin' : 'user';
  console.log(createJwt(JWT_SECRET).sign({ sub, role, exp: Math.floor(Date.now() / 1000) + ttl }));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
