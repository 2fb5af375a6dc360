import { describe, expect, it } from 'vitest';
import { createJwt } from './jwt.ts';

const now = 1_700_000_000_000;
const jwt = createJwt('unit-secret-0123456789', () => now);

describe('createJwt', () => {
  it('round-trips user and admin principals', () => {
    expect(jwt.verify(jwt.sign({ sub: '42', exp: now / 1000 + 1 }))).toEqual({ sub: '42', role: 'user', userId: 42 });
    expect(jwt.verify(jwt.sign({ sub: 'ops', role: 'admin', exp: now / 1000 + 1 }))).toEqual({ sub: 'ops', role: 'admin', userId: null });
  });
  it('rejects at the exact expiry second and a user sub with a leading zero', () => {
    expect(jwt.verify(jwt.sign({ sub: '42', exp: now / 1000 }))).toBeNull();
    expect(jwt.verify(jwt.sign({ sub: '042', exp: now / 1000 + 1 }))).toBeNull();
  });
  it('rejects extra segments and non-base64url characters', () => {
    const t = jwt.sign({ sub: '1', exp: now / 1000 + 1 });
    expect(jwt.verify(`${t}.x`)).toBeNull();
    expect(jwt.verify(t.replace('.', '.+'))).toBeNull();
  });
});
