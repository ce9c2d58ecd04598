import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The market's jobs (listed with every other in shared/src/contracts/jobs.ts): one supplier's
 * scrape (sent by "run now" and by the schedule), and the schedule itself, which queues a
 * scrape per configured supplier (one at a time per supplier: a singleton key).
 */
export const marketJobs = fp(
  async (app: FastifyInstance) => {
    app.jobs.register('market.scrape', async ({ supplier, trigger }, { log }) => {
      if (!app.scrapers.settingsOf(supplier)) {
        log.warn({ supplier }, 'no scraper configured for this supplier any more; nothing to do');
        return { skipped: 'not configured' };
      }
      const run = await app.scrapers.run(supplier, trigger);
      const { id, status, created, updated, unchanged, deactivated, failed } = run;
      log.info(
        { supplier, run: id, status, created, updated, unchanged, deactivated, failed },
        'scrape finished',
      );
      // A failed run is recorded (scrape_runs, /admin/scrapes); the job itself did its work.
      return { run: id, status };
    });
    app.jobs.register('market.scrape-all', async () => {
      const queued: string[] = [];
      for (const supplier of app.scrapers.names) {
        // Null when this supplier's scrape is already queued or running.
        const id = await app.jobs.send('market.scrape', { supplier, trigger: 'schedule' });
        if (id) queued.push(supplier);
      }
      return { queued };
    });
  },
  { name: 'market-jobs', dependencies: ['market-scrapers'], fastify: '5.x' },
);
