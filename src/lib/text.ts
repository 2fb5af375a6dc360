import { z } from '@hono/zod-openapi';

/** Lengths in Unicode code points, as the contract counts them (JS string length counts UTF-16 units). */
export const codePoints = (s: string) => [...s].length;

export const text = (min: number, max: number) =>
  z
    .string()
    .refine((s) => codePoints(s) >= min, `must be at least ${min} characters`)
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`)
    .refine((s) => s.isWellFormed(), 'must be well-formed Unicode');

export const Name = text(1, 100).openapi({ example: 'Winter sale' });
