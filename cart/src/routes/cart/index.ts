import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwner } from '../../services/cart-owner.ts';

const LineParams = IdParams;
const QuantityForm = z.object({
  _csrf: z.string().max(200).optional(),
  quantity: z.coerce
    .number({ error: 'Enter a number' })
    .int('Enter a whole number')
    .min(1, 'At least 1 (use Remove to take it out)')
    .max(999, 'At most 999'),
});
const CsrfForm = z.object({ _csrf: z.string().max(200).optional() });

/** The cart page (`/`): lines, quantities, stock warnings, totals, the way to checkout. */
const cartRoutes: RoutePlugin = async (app) => {
  const page = async (request: FastifyRequest, capped: readonly string[] = []) => {
    const { owner } = await cartOwner(request);
    const summary = owner ? await app.services.cart.getCartSummary(owner) : null;
    return {
      title: 'Your basket',
      summary,
      capped,
      has_problems: summary?.lines.some((l) => l.problem !== null) ?? false,
      payments_enabled: !!app.payments.gateway,
    };
  };

  app.get('/', async (request, reply) => {
    const { capped } = await cartOwner(request, reply);
    return reply.header('cache-control', 'private, no-store').view('cart.njk', await page(request, capped));
  });

  app.post(
    '/lines/:id',
    {
      preValidation: app.csrfProtection,
      schema: { params: LineParams, body: QuantityForm },
      config: {
        form: {
          view: 'cart.njk',
          // The failing line shows what was typed and why it is wrong.
          context: async (request) => ({
            ...(await page(request)),
            error_line: Number((request.params as { id?: unknown }).id),
          }),
        },
      },
    },
    async (request, reply) => {
      const { owner } = await cartOwner(request, reply);
      const result = owner
        ? await app.services.cart.setQuantity(owner, request.params.id, request.body.quantity)
        : ({ ok: false, reason: 'not-found' } as const);
      if (result.ok) {
        setFlash(reply, app.config, { kind: 'success', message: 'Basket updated.' });
      } else if (result.reason === 'sold-out') {
        setFlash(reply, app.config, {
          kind: 'error',
          message:
            result.available === 0
              ? 'Sorry, there are none left of that.'
              : `Sorry, only ${result.available} left: the quantity was not changed.`,
        });
      } else {
        setFlash(reply, app.config, { kind: 'error', message: 'That line is no longer in your basket.' });
      }
      return reply.redirect('/', 303);
    },
  );

  app.post(
    '/lines/:id/remove',
    { preValidation: app.csrfProtection, schema: { params: LineParams, body: CsrfForm } },
    async (request, reply) => {
      const { owner } = await cartOwner(request, reply);
      if (owner) await app.services.cart.removeLine(owner, request.params.id);
      setFlash(reply, app.config, { kind: 'success', message: 'Removed from your basket.' });
      return reply.redirect('/', 303);
    },
  );
};

export default cartRoutes;
