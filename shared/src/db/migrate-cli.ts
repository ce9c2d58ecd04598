/**
 * `pnpm db:migrate`: applies migrations to DATABASE_URL (or the embedded database under
 * .data/ when unset). The blog's container entrypoint runs this when RUN_MIGRATIONS=true.
 */
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { connectDatabase } from './client.ts';
import { runMigrations } from './migrate.ts';

const config = loadConfig();
const handle = await connectDatabase({
  url: config.databaseUrl,
  dataDir: join(config.paths.data, 'pglite'),
  max: 1,
  applicationName: 'rose-ash-migrate',
});
try {
  await runMigrations(handle, config.paths.migrations);
  process.stdout.write(`migrations applied from ${config.paths.migrations} (${handle.kind})\n`);
} finally {
  await handle.close();
}
