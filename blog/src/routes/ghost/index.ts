import { containsNul, type RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { storeWebhook, verifyGhostSignature } from '@rose-ash/shared/services/blog/ghost-webhooks.ts';
import { z } from 'zod';

const WebhookHeaders = z.object({ 'x-ghost-signature': z.string().max(500).optional() });
const Stored = z.object({ ok: z.literal(true), id: z.number().int() });

/**
 * `POST /ghost/webhook`: verify, store, answer at once (Ghost times out after 2 s), apply later
 * through the job runner. Never answers 410: Ghost deletes a webhook that does.
 */
const ghostWebhookRoutes: RoutePlugin = async (app) => {
  // The signature covers the exact bytes Ghost sent, so this route keeps the raw body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/ghost/webhook',
    { schema: { headers: WebhookHeaders, response: { 200: Stored } } },
    async (request, reply) => {
      const secret = app.config.ghost?.webhookSecret;
      if (!app.ghostSync || !secret) {
        throw new AppError('BLOG_GHOST_NOT_CONFIGURED', 'Ghost webhooks are not configured on this blog');
      }
      const raw = typeof request.body === 'string' ? request.body : '';
      const check = verifyGhostSignature(raw, request.headers['x-ghost-signature'], secret);
      if (!check.ok) {
        request.log.warn({ reason: check.reason }, 'ghost webhook refused');
        throw new AppError('AUTH_SIGNATURE_INVALID', `Webhook signature ${check.reason}`);
      }
      let payload: unknown;
      try {
        payload = raw ? JSON.parse(raw) : {};
      } catch {
        throw new AppError('HTTP_REQUEST_INVALID', 'Body is not JSON');
      }
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new AppError('HTTP_REQUEST_INVALID', 'Body must be a JSON object');
      }
      if (containsNul(payload)) throw new AppError('HTTP_REQUEST_NUL_BYTE');
      const { id, duplicate } = await storeWebhook(
        app.db.db,
        payload as Record<string, unknown>,
        check.delivery,
      );
      // Stored first, so a lost job is no lost delivery: the safety-net pull drains leftovers.
      // A resent delivery was queued when it first came.
      if (duplicate) request.log.info({ deliveryId: id }, 'ghost webhook already stored');
      else await app.jobs.send('blog.ghost-webhook', { deliveryId: id });
      return reply.code(200).send({ ok: true as const, id });
    },
  );
};

export default ghostWebhookRoutes;
