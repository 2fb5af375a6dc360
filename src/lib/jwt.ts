import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Bounded } from './bounded.ts';

export type Role = 'user' | 'admin';
export type Principal = { sub: string; role: Role; userId: number | null };
export type Claims = { sub: string; role?: Role; exp: number; [k: string]: unknown };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const USER_ID = /^[1-9][0-9]{0,15}$/;
/** How many verified tokens a process remembers (the oldest goes first). */
const VERIFIED_TOKENS = 50_000;

/**
 * HS256 with node:crypto and a key imported once: hono/jwt re-imports the key per request, which halves the
 * hot path's throughput. Returns null for every token that must be a 401.
 */
export function createJwt(secret: string, now: () => number = Date.now) {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  // A crowd sends the same tokens over and over: a token string verified once (signature and claims) is kept
  // with its expiry, which is still checked on every use. Keyed by the whole token, signature included.
  const verified = new Bounded<string, { principal: Principal; expMs: number }>(VERIFIED_TOKENS);
  const mac = (input: string) => createHmac('sha256', key).update(input).digest();

  function sign(claims: Claims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${HEADER}.${payload}.${mac(`${HEADER}.${payload}`).toString('base64url')}`;
  }

  function verify(token: string): Principal | null {
    const hit = verified.get(token);
    if (hit) return hit.expMs > now() ? hit.principal : null;
    const checked = check(token);
    if (checked) verified.set(token, checked);
    return checked?.principal ?? null;
  }

  function check(token: string): { principal: Principal; expMs: number } | null {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) return null;
    const header = parseSegment(token.slice(0, first));
    if (header?.alg !== 'HS256') return null;
    // Compared as text against the one canonical base64url spelling: padding, `+/` or non-zero trailing bits
    // decode to the same bytes, and a token must have exactly one accepted form.
    const signature = Buffer.from(token.slice(second + 1), 'latin1');
    const expected = Buffer.from(mac(token.slice(0, second)).toString('base64url'), 'latin1');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    const claims = parseSegment(token.slice(first + 1, second));
    if (!claims || typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return null;
    if (claims.exp * 1000 <= now()) return null;
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) return null;
    const role = claims.role === undefined ? 'user' : claims.role;
    if (role !== 'user' && role !== 'admin') return null;
    if (role === 'user' && !USER_ID.test(claims.sub)) return null;
    const userId = USER_ID.test(claims.sub) ? Number(claims.sub) : null;
    if (userId !== null && !Number.isSafeInteger(userId)) return null;
    return { principal: { sub: claims.sub, role, userId }, expMs: claims.exp * 1000 };
  }

  return { sign, verify };
}

export type Jwt = ReturnType<typeof createJwt>;

function parseSegment(segment: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
