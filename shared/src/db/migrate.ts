import type { DatabaseHandle } from './client.ts';
import { migrateJobSchema } from './job-schema.ts';

/**
 * Applies the drizzle-kit migrations in `folder`, then installs or upgrades the job runner's
 * schema. Under Postgres an advisory lock makes concurrent starts safe (only blog runs
 * migrations, but a rolling update briefly runs two).
 */
export async function runMigrations(handle: DatabaseHandle, folder: string): Promise<void> {
  if (handle.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the concrete PGlite type
    await migrate(handle.db as any, { migrationsFolder: folder });
    await migrateJobSchema(handle);
    return;
  }
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  await handle.withAdvisoryLock('rose-ash:migrations', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the concrete pg type
    await migrate(handle.db as any, { migrationsFolder: folder });
    await migrateJobSchema(handle);
  });
}
