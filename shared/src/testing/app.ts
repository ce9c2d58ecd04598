import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import type { AppDeps } from '../infrastructure/factory.ts';
import { createTestCache } from './cache.ts';
import { testConfig } from './config.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  config: AppConfig;
  database: TestDatabase;
  cache: ReturnType<typeof createTestCache>;
  close(): Promise<void>;
}

export interface BuildTestAppOptions {
  config?: AppConfig;
  /** Reuse one database/cache across several apps in one file. */
  database?: TestDatabase;
  cache?: ReturnType<typeof createTestCache>;
  /** More build dependencies (e.g. a shared job clock). */
  deps?: Partial<Pick<AppDeps, 'jobClock' | 'services'>>;
}

/**
 * Builds an app for `app.inject()` tests on its own migrated database and cache. Call
 * `close()` in afterAll: it closes the app and drops what it created.
 */
export async function buildTestApp(
  build: (deps: AppDeps) => Promise<FastifyInstance>,
  options: BuildTestAppOptions = {},
): Promise<TestApp> {
  const config = options.config ?? testConfig();
  const database = options.database ?? (await createTestDatabase());
  const cache = options.cache ?? createTestCache();
  const app = await build({ config, db: database.handle, cache, ...options.deps });
  await app.ready();
  return {
    app,
    config,
    database,
    cache,
    async close() {
      await app.close();
      if (!options.cache) await cache.dispose();
      if (!options.database) await database.drop();
    },
  };
}
