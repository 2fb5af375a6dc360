import { defineConfig } from 'drizzle-kit';

// Only `npm run db:generate` uses this: it diffs src/db/schema against the committed migrations.
export default defineConfig({
  dialect: 'mysql',
  schema: './src/db/schema/index.ts',
  out: './src/db/migrations',
});
