import { fromPglite, PgBoss } from 'pg-boss';
import type { DatabaseHandle } from './client.ts';

/** The Postgres schema holding the job runner's tables (pg-boss's own, versioned by pg-boss). */
export const JOB_SCHEMA = 'pgboss';

/**
 * How pg-boss reaches this database: its own small pool on a server (it needs a session of its
 * own for LISTEN/NOTIFY and transactions), or the embedded instance's single connection.
 */
export function jobDatabaseOptions(handle: DatabaseHandle, poolSize = 2) {
  if (handle.kind === 'pglite') {
    if (!handle.pglite) throw new Error('embedded database handle without its PGlite instance');
    return { db: fromPglite(handle.pglite), backend: 'pglite' as const };
  }
  if (!handle.url) throw new Error('database handle without its URL');
  return { connectionString: handle.url, max: poolSize, application_name: 'rose-ash-jobs' };
}

/**
 * Installs or upgrades the job runner's schema (part of `runMigrations`, so only the process that
 * migrates — blog with RUN_MIGRATIONS=true, `pnpm dev`, the test template — changes it; app
 * processes start pg-boss with `migrate: false`).
 */
export async function migrateJobSchema(handle: DatabaseHandle): Promise<void> {
  const boss = new PgBoss({
    ...jobDatabaseOptions(handle, 1),
    schema: JOB_SCHEMA,
    migrate: true,
    schedule: false,
    supervise: false,
    registerInstance: false,
    openTelemetry: { enabled: false },
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}
