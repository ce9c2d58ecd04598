/**
 * `pnpm --filter @rose-ash/market scrape [supplier ...]`: runs the configured scrapers now
 * (every one when none is named), with a progress bar, and prints a summary of each run —
 * recorded in scrape_runs like the scheduled runs and the admin's "run now". Exits 1 when a
 * run failed, 2 for a supplier without a scraper.
 */
import { createCache } from '@rose-ash/shared/infrastructure/cache.ts';
import { loadConfigOrExit, openDatabaseOrExit } from '@rose-ash/shared/infrastructure/server.ts';
import { defaultServices } from '@rose-ash/shared/services/wiring.ts';
import pino from 'pino';
import type { ScrapeProgress } from '../services/scraper/scrape-run.ts';
import { createScrapers } from '../services/scraper/scraper-plugin.ts';
import { formatProgress, formatSummary } from './scrape-output.ts';

const config = loadConfigOrExit();
const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'warn' });
const db = await openDatabaseOrExit(config, { poolSize: 4, applicationName: 'rose-ash-scrape' });
const cache = createCache({ url: config.redisUrl, prefix: 'ra:' });
const scrapers = createScrapers({ config, services: defaultServices({ db, cache, config, log }) });

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((s) => !scrapers.settingsOf(s));
if (unknown.length) {
  process.stderr.write(
    `No scraper configured for: ${unknown.join(', ')}. Configured: ${scrapers.names.join(', ') || '(none)'}\n`,
  );
  process.exitCode = 2;
} else {
  const names = asked.length ? asked : [...scrapers.names];
  if (!names.length)
    process.stderr.write('No scrapers are configured (market.scrapers in app-config.yaml).\n');
  const tty = process.stderr.isTTY === true;
  for (const name of names) {
    let last = '';
    const onProgress = (p: ScrapeProgress) => {
      const line = formatProgress(name, p, tty ? (process.stderr.columns ?? 80) : 80);
      if (tty) process.stderr.write(`\r${line}`);
      else if (p.phase !== last) process.stderr.write(`${line}\n`);
      last = p.phase;
    };
    try {
      const run = await scrapers.run(name, 'command', onProgress);
      if (tty) process.stderr.write('\n');
      process.stdout.write(`${formatSummary(run)}\n`);
      if (run.status === 'failed') process.exitCode = 1;
    } catch (err) {
      process.stderr.write(`\n${name}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
await Promise.allSettled([db.close(), cache.close()]);
