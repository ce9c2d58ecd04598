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
import { startSumUpStub } from '@rose-ash/shared/testing/sumup-stub.ts';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { APP_BUILDERS } from './app-builders.ts';

// Development reads a local .env when there is one (never committed).
const envFile = join(process.cwd(), '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

// `pnpm dev` always runs the EventProcessor (federation starts it when this is set) and always
// migrates, embedded or on a server named by DATABASE_URL (a new empty database just works).
const loaded = { ...loadConfigOrExit(), runEventProcessor: true, runMigrations: true };
const logger = pino(createLoggerOptions(loaded) as pino.LoggerOptions);
// Without SUMUP_API_KEY the cart pays through the project's SumUp stub (the one the tests use):
// its hosted page has Pay and Fail buttons, is labelled as a test, and calls the webhook.
const sumupStub = loaded.sumup ? null : await startSumUpStub({ merchantCode: 'MDEVSTUB' });
const config = sumupStub
  ? {
      ...loaded,
      sumup: { apiKey: sumupStub.apiKey, merchantCode: sumupStub.merchantCode, apiBase: sumupStub.url },
    }
  : loaded;
logger.info(
  { sumup: sumupStub ? `test payments through the local stub at ${sumupStub.url}` : config.sumup?.apiBase },
  sumupStub ? 'SumUp: no SUMUP_API_KEY, using the stub (no money moves)' : 'SumUp: real API',
);
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

const apps: FastifyInstance[] = [];
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'stopping after an error');
  else logger.info({ signal }, 'stopping');
  await Promise.allSettled(apps.map((a) => a.close()));
  await Promise.allSettled([db.close(), cache.close(), sumupStub?.close()]);
});

for (const name of APP_NAMES) {
  const { buildApp } = await APP_BUILDERS[name]();
  const app = await buildApp({ config, db, cache, logger });
  await app.listen({ port: config.apps[name].devPort, host: config.host });
  apps.push(app);
}

process.stdout.write(
  `\nRose Ash is running:\n${APP_NAMES.map((n) => `  ${n.padEnd(11)} ${config.apps[n].publicUrl}/`).join('\n')}\n` +
    `Admins: ${config.admins.join(', ') || '(set ADMIN_EMAILS)'}\n` +
    (sumupStub ? `Payments: SumUp stub at ${sumupStub.url} (test payments, no money moves)\n` : '') +
    'Press Ctrl-C to stop.\n\n',
);
