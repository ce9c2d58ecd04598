import type { OrderDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { ORDER_NUMBER_PATTERN } from '@rose-ash/shared/services/cart/checkout.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOrderToken, orderToken } from '../../services/order-links.ts';
import { replyToPay } from '../../services/pay-redirect.ts';

const OrderParams = z.object({ number: z.string().max(40).regex(ORDER_NUMBER_PATTERN) });
const TokenQuery = z.object({ t: z.string().max(100).optional() });
const PayForm = z.object({ _csrf: z.string().max(200).optional(), t: z.string().max(100).optional() });

/** Statuses whose page refreshes itself until SumUp's answer is in. */
const WAITING = new Set(['pending', 'awaiting_payment']);
/** Statuses from which the shopper may (try to) pay. */
const PAYABLE = new Set(['pending', 'awaiting_payment', 'failed', 'expired']);

/**
 * One order's page, for its owner: the member who placed it, anyone holding the signed link
 * from the e-mail or SumUp's return, or an admin. Anyone else gets the same 404 as for an
 * order that does not exist.
 */
const orderRoutes: RoutePlugin = async (app) => {
  const visible = async (request: FastifyRequest, number: string, token: string | undefined) => {
    const order = await app.services.cart.getOrder(number);
    if (!order) throw new AppError('RESOURCE_NOT_FOUND', 'No such order');
    const user = request.user;
    const allowed =
      user?.isAdmin || (user && order.userId === user.id) || isOrderToken(app.config, number, token);
    if (!allowed) throw new AppError('RESOURCE_NOT_FOUND', 'No such order');
    return order;
  };

  const view = (order: OrderDto) => ({
    title: `Order ${order.number}`,
    order,
    token: orderToken(app.config, order.number),
    waiting: WAITING.has(order.status),
    payable: PAYABLE.has(order.status) && !!app.payments.gateway,
    refresh_seconds: app.payments.settings.order_refresh_seconds,
    item_names: Object.fromEntries(order.items.map((i) => [i.id, i.name])),
  });

  app.get(
    '/orders/:number',
    { schema: { params: OrderParams, querystring: TokenQuery } },
    async (request, reply) => {
      const order = await visible(request, request.params.number, request.query.t);
      return reply
        .header('cache-control', 'private, no-store')
        .header('referrer-policy', 'no-referrer')
        .view('order.njk', view(order));
    },
  );

  /**
   * SumUp sends the payer back here. Nothing in the URL is believed (`?status=paid` changes
   * nothing): it only triggers a re-fetch of the order's checkouts from SumUp.
   */
  app.get(
    '/orders/:number/return',
    {
      schema: { params: OrderParams, querystring: TokenQuery.passthrough() },
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { number } = request.params;
      await visible(request, number, request.query.t);
      await app.payments.syncOrder(number);
      const token = request.query.t ? `?t=${encodeURIComponent(request.query.t)}` : '';
      return reply.redirect(`/orders/${encodeURIComponent(number)}${token}`, 303);
    },
  );

  /** Pay (again): a new attempt with a new reference after FAILED or EXPIRED. */
  app.post(
    '/orders/:number/pay',
    { preValidation: app.csrfProtection, schema: { params: OrderParams, body: PayForm } },
    async (request, reply) => {
      const { number } = request.params;
      await visible(request, number, request.body.t);
      return replyToPay(app, reply, number, await app.payments.pay(number));
    },
  );
};

export default orderRoutes;
