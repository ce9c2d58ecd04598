import { purgeExpiredMagicLinks } from '@rose-ash/shared/services/federation/magic-link-service.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EventProcessor } from '../services/event-processor.ts';
import { purgeExpiredOidcPayloads } from '../services/oidc-adapter.ts';

/**
 * Federation's background work (listed in shared/src/contracts/jobs.ts): the sign-in purge,
 * and the ActivityPub EventProcessor, which keeps its own delivery queue (`ap_deliveries` with
 * an attempt log) but starts and stops with the job runner when RUN_EVENT_PROCESSOR=true.
 */
export const federationJobs = fp(
  async (app: FastifyInstance) => {
    app.jobs.register('federation.purge-sign-in', async (_data, { log }) => {
      const [payloads, links] = await Promise.all([
        purgeExpiredOidcPayloads(app.db.db),
        purgeExpiredMagicLinks(app.db.db),
      ]);
      if (payloads || links) log.info({ payloads, links }, 'purged expired sign-in rows');
      return { payloads, links };
    });
    if (app.config.runEventProcessor) {
      const processor = new EventProcessor({
        db: app.db,
        config: app.config,
        logger: app.log,
        cache: app.cache,
      });
      app.jobs.registerWorker('federation.event-processor', {
        start: () => processor.start(),
        stop: () => processor.stop(),
      });
    }
  },
  { name: 'federation-jobs', fastify: '5.x' },
);
