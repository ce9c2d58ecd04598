import type { AppConfig, AppName } from '@rose-ash/shared/config/index.ts';
import { createTestCache } from '@rose-ash/shared/testing/cache.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import type { FastifyInstance } from 'fastify';
import { APP_BUILDERS } from './app-builders.ts';

export interface ClusterOptions {
  /** More environment for the shared config (e.g. SMTP_URL, ADMIN_EMAILS). */
  env?: Record<string, string | undefined>;
  /**
   * Host name for the public URLs (default 127.0.0.1, like the internal ones). `localhost`
   * makes public and internal URLs differ, as they do behind the production proxy.
   */
  publicHost?: string;
  /** YAML overrides for the shared config. */
  overrides?: Record<string, unknown>;
  /** Share an existing database / cache instead of creating (and later dropping) new ones. */
  database?: TestDatabase;
  cache?: ReturnType<typeof createTestCache>;
}

export interface Cluster {
  /** Public base URL of each started app (`http://127.0.0.1:<port>` unless `publicHost`). */
  urls: Partial<Record<AppName, string>>;
  apps: Partial<Record<AppName, FastifyInstance>>;
  config: AppConfig;
  database: TestDatabase;
  cache: ReturnType<typeof createTestCache>;
  /** The URL of a started app (throws for one that was not started). */
  url(name: AppName): string;
  close(): Promise<void>;
}

/**
 * Starts several apps, each really listening on its own free loopback port, with one config
 * in which every started app's <APP>_PUBLIC_URL and <APP>_INTERNAL_URL name that port, over
 * one test database and cache — the production topology in miniature for real-HTTP tests.
 */
export async function startCluster(names: AppName[], options: ClusterOptions = {}): Promise<Cluster> {
  const ports = await Promise.all(names.map(() => freePort()));
  const urlEnv: Record<string, string> = {};
  names.forEach((name, i) => {
    urlEnv[`${name.toUpperCase()}_PUBLIC_URL`] = `http://${options.publicHost ?? '127.0.0.1'}:${ports[i]}`;
    urlEnv[`${name.toUpperCase()}_INTERNAL_URL`] = `http://127.0.0.1:${ports[i]}`;
  });
  const config = testConfig({
    env: { ...urlEnv, ...options.env },
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const database = options.database ?? (await createTestDatabase());
  const cache = options.cache ?? createTestCache();
  const apps: Partial<Record<AppName, FastifyInstance>> = {};
  const urls: Partial<Record<AppName, string>> = {};

  const close = async () => {
    await Promise.allSettled(Object.values(apps).map((a) => a.close()));
    if (!options.cache) await cache.dispose();
    if (!options.database) await database.drop();
  };

  try {
    for (const [i, name] of names.entries()) {
      const { buildApp } = await APP_BUILDERS[name]();
      const app = await buildApp({ config, db: database.handle, cache });
      apps[name] = app;
      await listen(app, ports[i]);
      urls[name] = config.apps[name].publicUrl;
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    urls,
    apps,
    config,
    database,
    cache,
    url(name) {
      const url = urls[name];
      if (!url) throw new Error(`${name} is not part of this cluster`);
      return url;
    },
    close,
  };
}
