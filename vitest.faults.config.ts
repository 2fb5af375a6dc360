import { defineConfig } from 'vitest/config';

/** Fault tests: private servers and killed processes; slower, so `npm run test:faults` runs them apart. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
