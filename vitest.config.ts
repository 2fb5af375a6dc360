import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Fault and browser suites have configs (and npm scripts) of their own.
    exclude: ['test/faults/**', 'test/browser/**', 'node_modules/**'],
    // Each file has its own database and Redis prefix (test/harness.ts), so files run in parallel safely.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
