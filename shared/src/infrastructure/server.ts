import { join } from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { type AppConfig, type AppName, ConfigError, loadConfig } from '../config/index.ts';
import { connectDatabase, type DatabaseHandle, DatabaseInUseError } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { type Cache, createCache, HOT_KEY_PREFIXES, RedisCache } from './cache.ts';
import type { AppDeps } from './factory.ts';

export type BuildApp = (deps: AppDeps) => Promise<FastifyInstance>;

/** Loads config or exits with the message that names the bad variable. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Opens the database the config names (embedded under .data/ when DATABASE_URL is unset); a
 * process that finds the embedded database in use by another stops with a message saying so.
 */
export async function openDatabaseOrExit(
  config: AppConfig,
  options: { poolSize?: number; applicationName?: string } = {},
): Promise<DatabaseHandle> {
  try {
    return await connectDatabase({
      url: config.databaseUrl,
      dataDir: join(config.paths.data, 'pglite'),
      applicationName: options.applicationName ?? 'rose-ash',
      ...(options.poolSize ? { max: options.poolSize } : {}),
    });
  } catch (err) {
    if (err instanceof DatabaseInUseError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Opens the database and cache the config names (embedded ones when the URLs are unset). */
export async function openResources(config: AppConfig): Promise<{ db: DatabaseHandle; cache: Cache }> {
  const db = await openDatabaseOrExit(config);
  const cache = createCache({
    url: config.redisUrl,
    prefix: 'ra:',
    localCopies: { prefixes: HOT_KEY_PREFIXES },
  });
  // Start-up waits briefly for Redis; if it is away the app still starts (its circuit is open).
  if (cache instanceof RedisCache) await cache.ready(2_000);
  // Embedded databases are private to this process, so they are always migrated here.
  if (config.runMigrations || db.kind === 'pglite') await runMigrations(db, config.paths.migrations);
  return { db, cache };
}

/**
 * Process concerns for one app (`<app>/src/main.ts`): config, resources, listen, and a
 * graceful close on SIGINT/SIGTERM that drains requests before closing the pools.
 */
export async function startApp(name: AppName, build: BuildApp): Promise<FastifyInstance> {
  const config = loadConfigOrExit();
  const { db, cache } = await openResources(config);
  const app = await build({ config, db, cache });
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
    await Promise.allSettled([db.close(), cache.close()]);
  });
  const port = config.port ?? (config.isProduction ? 8000 : config.apps[name].devPort);
  await app.listen({ port, host: config.host });
  return app;
}
