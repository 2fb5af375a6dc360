import { defineConfig } from 'vitest/config';

/** Pages in a real browser (Debian's chromium through puppeteer-core): `npm run test:browser`. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
