/**
 * `pnpm --filter @rose-ash/blog sync:ghost [--incremental]`: a full pull from Ghost (or an
 * incremental one), recorded in ghost_sync_runs like the admin button's runs, with the same
 * effects: changed posts purged from the page cache (Redis, when REDIS_URL is set) and
 * announced, the `nav` fragment dropped when the menus changed. On the embedded database it
 * refuses to run beside `pnpm dev` (one process per folder).
 */

import { createCache } from '@rose-ash/shared/infrastructure/cache.ts';
import { loadConfigOrExit, openDatabaseOrExit } from '@rose-ash/shared/infrastructure/server.ts';
import { createGhostClient } from '@rose-ash/shared/services/blog/ghost-client.ts';
import { runFullSync, runIncrementalSync } from '@rose-ash/shared/services/blog/ghost-sync.ts';
import { createFederationService } from '@rose-ash/shared/services/federation/federation-service.ts';
import pino from 'pino';
import { ghostSyncEffects } from '../services/ghost-effects.ts';

const config = loadConfigOrExit();
const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'info' });
if (!config.ghost) {
  process.stderr.write('Ghost is not configured: set GHOST_URL and GHOST_ADMIN_API_KEY.\n');
  process.exit(2);
}
const db = await openDatabaseOrExit(config, { poolSize: 2 });
const cache = createCache({ url: config.redisUrl, prefix: 'ra:' });
try {
  const federation = createFederationService({ db, config });
  const deps = {
    db: db.db,
    ghost: createGhostClient(config.ghost),
    log,
    ...ghostSyncEffects({ cache, config, federation }),
  };
  const counts = process.argv.includes('--incremental')
    ? await runIncrementalSync(deps)
    : await runFullSync(deps);
  process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`Ghost sync failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await cache.close();
  await db.close();
}
