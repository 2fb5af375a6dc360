import { describe, expect, it } from 'vitest';
import { createJwt } from './jwt.ts';

const now = 1_700_000_000_000;
const jwt = createJwt('unit-secret-0123456789', () => now);

describe('createJwt', () => {
  it('round-trips user and admin principals', () => {
    expect(jwt.verify(jwt.sign({ sub: '42', exp: now / 1000 + 1 }))).toEqual({ sub: '42', role: 'user', userId: 42 });
    expect(jwt.verify(jwt.sign({ sub: 'ops', role: 'admin', exp: now / 1000 + 1 }))).toEqual({
      sub: 'ops',
      role: 'admin',
      userId: null,
    });
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

describe('one spelling of a signature', () => {
  const token = jwt.sign({ sub: '7', exp: now / 1000 + 60 });
  const [head, body, sig] = token.split('.') as [string, string, string];
  const std = Buffer.from(sig, 'base64url').toString('base64'); // standard base64, with its padding

  it('accepts the canonical base64url signature', () => {
    expect(jwt.verify(token)?.userId).toBe(7);
  });
  it('rejects the same bytes padded with =, in standard base64, or with other trailing bits', () => {
    expect(jwt.verify(`${head}.${body}.${sig}=`)).toBeNull();
    expect(jwt.verify(`${head}.${body}.${std}`)).toBeNull();
    // 43 characters carry 258 bits for 256: the last character's low 2 bits must be 0
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) + 1]!;
    expect(Buffer.from(sig.slice(0, -1) + sibling, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
    expect(jwt.verify(`${head}.${body}.${sig.slice(0, -1)}${sibling}`)).toBeNull();
  });
});

describe('a token verified once', () => {
  it('is answered from memory until its expiry, and a forged twin is still refused', () => {
    let t = now;
    const clock = createJwt('unit-secret-0123456789', () => t);
    const token = clock.sign({ sub: '9', exp: now / 1000 + 10 });
    expect(clock.verify(token)?.userId).toBe(9);
    expect(clock.verify(token)?.userId).toBe(9);
    const [h, p] = token.split('.');
    expect(clock.verify(`${h}.${p}.${'A'.repeat(43)}`)).toBeNull();
    t = now + 10_000;
    expect(clock.verify(token)).toBeNull();
  });
});
