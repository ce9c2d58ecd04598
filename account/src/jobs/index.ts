import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Pending write-backs re-queued per sweep (the rest wait for the next one). */
const SWEEP_BATCH = 200;
/**
 * A write-back nothing was tried for this long has no job any more (its retries, at most 15
 * minutes apart, ran out, or it was lost): the sweep queues a new one. Busier ones are left
 * to their own job.
 */
const SWEEP_IDLE_SECONDS = 20 * 60;

/**
 * The account app's jobs (listed with every other in shared/src/contracts/jobs.ts): writing
 * a member's choices to Ghost until Ghost takes them, the sweep behind it, and finishing a
 * closed account once its Delete activities went out.
 */
export const accountJobs = fp(
  async (app: FastifyInstance) => {
    const account = app.services.account;

    // A failure throws, so the runner retries with back-off; the row keeps the last error.
    app.jobs.register('account.ghost-writeback', ({ userId }) => account.writeBackToGhost(userId));

    app.jobs.register('account.sweep', async (_data, { log }) => {
      const pending = await account.listPendingWritebacks(SWEEP_BATCH, SWEEP_IDLE_SECONDS);
      for (const userId of pending) {
        // One per member at a time: a write-back already waiting is not queued twice.
        await app.jobs.send('account.ghost-writeback', { userId });
      }
      const purged = await account.purgeConfirmations();
      if (pending.length || purged) log.info({ requeued: pending.length, purged }, 'account sweep');
      return { requeued: pending.length, purged };
    });

    app.jobs.register('account.finish-closure', async ({ userId, ghostMemberId }) => {
      const done = await account.finishClosure(userId, ghostMemberId);
      if (!done) throw new Error('the Delete activities of a closed account are still going out');
      return { done };
    });
  },
  { name: 'account-jobs', fastify: '5.x' },
);
