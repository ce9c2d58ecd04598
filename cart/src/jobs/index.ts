import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The cart's jobs (listed with every other in shared/src/contracts/jobs.ts): the periodic sweep
 * of SumUp checkouts, the re-fetch a webhook queues, and the confirmation e-mail.
 */
export const cartJobs = fp(
  async (app: FastifyInstance) => {
    app.jobs.register('cart.expire-checkouts', async (_data, { log }) => {
      const result = await app.payments.sweep();
      if (result.reconciled || result.released || result.confirmations) log.info(result, 'checkouts swept');
      return result;
    });
    app.jobs.register('cart.reconcile-payment', async ({ paymentId }) => {
      const outcome = await app.payments.syncPayment(paymentId);
      return { outcome: outcome.kind };
    });
    app.jobs.register('cart.send-confirmation', async ({ orderId }) => ({
      confirmation: await app.payments.sendConfirmation(orderId),
    }));
  },
  { name: 'cart-jobs', dependencies: ['cart-payments'], fastify: '5.x' },
);
