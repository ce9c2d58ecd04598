import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The blog's jobs (listed with every other in shared/src/contracts/jobs.ts): scheduled
 * publishing every minute, the Ghost safety-net pull, and applying stored Ghost webhooks.
 */
export const blogJobs = fp(
  async (app: FastifyInstance) => {
    app.jobs.register('blog.publish-scheduled', async (_data, { log }) => {
      const published = await app.services.blog.publishDue();
      if (published) log.info({ published }, 'scheduled posts published');
      return { published };
    });
    app.jobs.register('blog.ghost-safety-net', async (_data, { log }) => {
      if (!app.ghostSync) {
        log.debug('Ghost is not configured; nothing to pull');
        return { skipped: 'ghost not configured' };
      }
      await app.ghostSync.runSafetyNet();
      return { pulled: true };
    });
    app.jobs.register('blog.ghost-webhook', async ({ deliveryId }) => {
      if (!app.ghostSync) return { skipped: 'ghost not configured' };
      await app.ghostSync.applyWebhook(deliveryId);
      return { applied: deliveryId };
    });
  },
  { name: 'blog-jobs', dependencies: ['blog-ghost-sync'], fastify: '5.x' },
);
