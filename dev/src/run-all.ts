/**
 * `pnpm dev`: all six apps in one process on ports 8001–8006, sharing one database and one
 * cache — embedded (PGlite under .data/, in-process cache) unless DATABASE_URL / REDIS_URL
 * are set. Migrations are applied, demo content is seeded once, and Ctrl-C stops cleanly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NAMES } from '@rose-ash/shared/config/index.ts';
import { seedDemoContent } from '@rose-ash/shared/dev/seed.ts';
import { createLoggerOptions } from '@rose-ash/shared/infrastructure/logger.ts';
import { loadConfigOrExit, openResources } from '@rose-ash/shared/infrastructure/server.ts';
import { startSupplierSite } from '@rose-ash/shared/testing/supplier-site.ts';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { APP_BUILDERS } from './app-builders.ts';

// Development reads a local .env when there is one (never committed).
const envFile = join(process.cwd(), '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

// `pnpm dev` always runs the EventProcessor (federation starts it when this is set) and always
// migrates, embedded or on a server named by DATABASE_URL (a new empty database just works).
const config = { ...loadConfigOrExit(), runEventProcessor: true, runMigrations: true };
const logger = pino(createLoggerOptions(config) as pino.LoggerOptions);
const { db, cache } = await openResources(config);
logger.info(
  {
    database: db.kind === 'pglite' ? `embedded (${join(config.paths.data, 'pglite')})` : 'postgres',
    cache: cache.kind,
    migrations: 'applied',
  },
  'resources ready (database migrated)',
);
const seeded = await seedDemoContent(db.db, config);
if (seeded) logger.info('demo content seeded');

// The market's demo supplier: a local shop website its `orchard-lane` scraper reads
// (market.scrapers in app-config.yaml), so "Run now" in the market's /admin/scrapes has
// something to scrape without the internet.
const SUPPLIER_SITE_PORT = 8010;
const supplierSite = await startSupplierSite({
  fixturesDir: join(import.meta.dirname, '../../market/test/fixtures/supplier-site'),
  port: SUPPLIER_SITE_PORT,
  host: 'localhost',
  latencyMs: 100,
}).catch((err: unknown) => {
  logger.warn({ err }, `the demo supplier site could not start on port ${SUPPLIER_SITE_PORT}`);
  return null;
});

const apps: FastifyInstance[] = [];
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'stopping after an error');
  else logger.info({ signal }, 'stopping');
  await Promise.allSettled(apps.map((a) => a.close()));
  await supplierSite?.close();
  await Promise.allSettled([db.close(), cache.close()]);
});

for (const name of APP_NAMES) {
  const { buildApp } = await APP_BUILDERS[name]();
  const app = await buildApp({ config, db, cache, logger });
  await app.listen({ port: config.apps[name].devPort, host: config.host });
  apps.push(app);
}

process.stdout.write(
  `\nRose Ash is running:\n${APP_NAMES.map((n) => `  ${n.padEnd(11)} ${config.apps[n].publicUrl}/`).join('\n')}\n` +
    `${supplierSite ? `  demo supplier ${supplierSite.url}/catalogue/ (scrape it from ${config.apps.market.publicUrl}/admin/scrapes)\n` : ''}` +
    `Admins: ${config.admins.join(', ') || '(set ADMIN_EMAILS)'}\nPress Ctrl-C to stop.\n\n`,
);
