import { defineConfig } from 'drizzle-kit';

/**
 * One schema for all six apps, one migration history. `generate` and `export` work offline;
 * the URL is only used by commands that talk to a database (push, studio, introspect).
 */
export default defineConfig({
  dialect: 'postgresql',
  // One file per domain. index.ts re-exports the same table objects, which drizzle-kit counts once.
  schema: './shared/src/db/schema/*.ts',
  out: './migrations',
  dbCredentials: {
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rose_ash',
  },
  strict: true,
  verbose: true,
});
