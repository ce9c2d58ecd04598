import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { z } from 'zod';

/**
 * SumUp's webhook. Both payload shapes of SUMUP.md are accepted:
 * `{"event_type":"CHECKOUT_STATUS_CHANGED","id":"<checkout id>"}` and
 * `{"event_type":"checkout.status.updated","payload":{"checkout_id":"…"}}`. There is no
 * signature, so the body is only a hint: it queues a re-fetch of that checkout from SumUp,
 * and the answer is a fast 2xx (SumUp retries otherwise). Unknown event types are ignored.
 */
const WebhookBody = z
  .object({
    event_type: z.string().max(100),
    id: z.string().max(100).optional(),
    payload: z
      .object({ checkout_id: z.string().max(100).optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();
const WebhookAnswer = z.object({ received: z.literal(true) });

/** Where each known event type carries the checkout id (a Map: no prototype keys). */
const CHECKOUT_EVENTS = new Map<string, (body: z.infer<typeof WebhookBody>) => string | undefined>([
  ['CHECKOUT_STATUS_CHANGED', (body) => body.id],
  ['checkout.status.updated', (body) => body.payload?.checkout_id],
]);

const sumupRoutes: RoutePlugin = async (app) => {
  app.post(
    '/sumup/webhook',
    {
      schema: { body: WebhookBody, response: { 200: WebhookAnswer } },
      config: { rateLimit: { max: 120, timeWindow: 60_000 } },
    },
    async (request) => {
      const checkoutId = CHECKOUT_EVENTS.get(request.body.event_type)?.(request.body);
      if (checkoutId) {
        const outcome = await app.payments.onWebhook(checkoutId);
        request.log.info({ event: request.body.event_type, checkoutId, outcome }, 'SumUp webhook');
      } else {
        request.log.info({ event: request.body.event_type }, 'SumUp webhook ignored');
      }
      return { received: true as const };
    },
  );
};

export default sumupRoutes;
