/**
 * `pnpm dev`: all six apps in one process on ports 8001–8006, sharing one database and one
 * cache — embedded (PGlite under .data/, in-process cache) unless DATABASE_URL / REDIS_URL
 * are set. Migrations are applied, demo content is seeded once, and Ctrl-C stops cleanly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NAMES } from '@rose-ash/shared/config/index.ts';
import { seedDemoContent } from '@rose-ash/shared/dev/seed.ts';
import { createLoggerOptions } from '@rose-ash/shared/infrastructure/logger.ts';
import { loadConfigOrExit, openResources } from '@rose-ash/shared/infrastructure/server.ts';
import { startSumUpStub } from '@rose-ash/shared/testing/sumup-stub.ts';
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
const grace = closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'stopping after an error');
  else logger.info({ signal }, 'stopping');
  await Promise.allSettled(apps.map((a) => a.close()));
  await supplierSite?.close();
  await Promise.allSettled([db.close(), cache.close(), sumupStub?.close()]);
});

// `pnpm dev` runs us through a shell; told to stop, pnpm exits without passing the signal on.
// So we watch whoever started us (the shell, and pnpm above it) and stop when one is gone.
const starters = ancestors(2);
const parentWatch = setInterval(() => {
  const gone = starters.find((pid) => !isRunning(pid) || (pid === starters[0] && process.ppid !== pid));
  if (gone === undefined) return;
  clearInterval(parentWatch);
  logger.info({ parent: gone }, 'the process that started pnpm dev is gone; stopping');
  grace.close();
}, 500);
parentWatch.unref();

for (const name of APP_NAMES) {
  const { buildApp } = await APP_BUILDERS[name]();
  const app = await buildApp({ config, db, cache, logger });
  await app.listen({ port: config.apps[name].devPort, host: config.host });
  apps.push(app);
}

process.stdout.write(
  `\nRose Ash is running:\n${APP_NAMES.map((n) => `  ${n.padEnd(11)} ${config.apps[n].publicUrl}/`).join('\n')}\n` +
    `${supplierSite ? `  demo supplier ${supplierSite.url}/catalogue/ (scrape it from ${config.apps.market.publicUrl}/admin/scrapes)\n` : ''}` +
    `Admins: ${config.admins.join(', ') || '(set ADMIN_EMAILS)'}\n` +
    (sumupStub ? `Payments: SumUp stub at ${sumupStub.url} (test payments, no money moves)\n` : '') +
    'Press Ctrl-C to stop.\n\n',
);

/** Our parent and, while they are shells, their parents (up to `depth`), read from /proc. */
function ancestors(depth: number): number[] {
  const chain = [process.ppid];
  for (let i = 1; i < depth; i++) {
    const pid = chain[chain.length - 1] as number;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!/^(sh|dash|bash|zsh)$/.test(comm)) break;
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!Number.isInteger(ppid) || ppid <= 1) break;
      chain.push(ppid);
    } catch {
      break; // no /proc (not Linux): the parent alone is watched
    }
  }
  return chain;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
