import type { DatabaseHandle } from './client.ts';

/**
 * Applies the drizzle-kit migrations in `folder`. Under Postgres an advisory lock makes
 * concurrent starts safe (only blog runs migrations, but a rolling update briefly runs two).
 */
export async function runMigrations(handle: DatabaseHandle, folder: string): Promise<void> {
  if (handle.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the concrete PGlite type
    await migrate(handle.db as any, { migrationsFolder: folder });
    return;
  }
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const LOCK = 7_461_001; // arbitrary, constant: "rose-ash migrations"
  await handle.withAdvisoryLock(LOCK, () =>
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the concrete pg type
    migrate(handle.db as any, { migrationsFolder: folder }),
  );
}
