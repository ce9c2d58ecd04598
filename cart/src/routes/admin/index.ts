import { OrderStatusDto } from '@rose-ash/shared/contracts/dtos.ts';
import { PageQuery } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import { ORDER_NUMBER_PATTERN } from '@rose-ash/shared/services/cart/checkout.ts';
import { z } from 'zod';

const PER_PAGE = 25;
const STATUS_FILTERS = ['flagged', ...OrderStatusDto.options] as const;
const ListQuery = PageQuery.extend({
  status: z.enum(STATUS_FILTERS).optional(),
  q: z.string().trim().max(200).optional(),
});
const OrderParams = z.object({ number: z.string().max(40).regex(ORDER_NUMBER_PATTERN) });
const CsrfForm = z.object({ _csrf: z.string().max(200).optional() });
const RefundForm = z.object({
  _csrf: z.string().max(200).optional(),
  note: z.string().trim().min(1, 'Say what was refunded (amount, date, SumUp reference)').max(1_000),
});

/** The orders admin: list with status filter and search, detail, fulfil, note a refund, flags. */
const adminRoutes: RoutePlugin = async (app) => {
  const detail = async (number: string) => {
    const order = await app.services.cart.getOrder(number);
    if (!order) throw new AppError('RESOURCE_NOT_FOUND', 'No such order');
    return {
      title: `Order ${order.number}`,
      order,
      item_names: Object.fromEntries(order.items.map((i) => [i.id, i.name])),
    };
  };
  const back = (number: string) => `/admin/orders/${encodeURIComponent(number)}`;

  app.get(
    '/admin/orders',
    { onRequest: requireAdmin, schema: { querystring: ListQuery } },
    async (request, reply) => {
      const { page, status, q } = request.query;
      const result = await app.services.cart.listOrders({
        ...(status ? { status } : {}),
        ...(q ? { q } : {}),
        page,
        perPage: PER_PAGE,
      });
      const extra = new URLSearchParams({ ...(status ? { status } : {}), ...(q ? { q } : {}) }).toString();
      return reply.header('cache-control', 'private, no-store').view('admin/orders.njk', {
        title: 'Orders',
        result: { ...result, pages: Math.max(1, Math.ceil(result.total / PER_PAGE)) },
        status: status ?? 'all',
        statuses: ['all', ...STATUS_FILTERS],
        q: q ?? '',
        base_path: '/admin/orders',
        extra_query: extra ? `&${extra}` : '',
      });
    },
  );

  app.get(
    '/admin/orders/:number',
    { onRequest: requireAdmin, schema: { params: OrderParams } },
    async (request, reply) =>
      reply
        .header('cache-control', 'private, no-store')
        .view('admin/order.njk', await detail(request.params.number)),
  );

  const action = (
    path: string,
    run: (number: string, body: Record<string, unknown>) => Promise<{ ok: boolean; reason?: string }>,
    done: string,
  ) =>
    app.post(
      `/admin/orders/:number/${path}`,
      {
        onRequest: requireAdmin,
        preValidation: app.csrfProtection,
        schema: { params: OrderParams, body: path === 'refund' ? RefundForm : CsrfForm },
        config:
          path === 'refund'
            ? {
                form: {
                  view: 'admin/order.njk',
                  context: async (request) => detail((request.params as { number: string }).number),
                },
              }
            : {},
      },
      async (request, reply) => {
        const { number } = request.params;
        const result = await run(number, request.body as Record<string, unknown>);
        if (!result.ok && result.reason === 'not-found')
          throw new AppError('RESOURCE_NOT_FOUND', 'No such order');
        if (!result.ok)
          throw new AppError('CART_ORDER_ACTION_INVALID', undefined, {
            action: { href: back(number), label: 'Back to the order' },
          });
        setFlash(reply, app.config, { kind: 'success', message: done });
        return reply.redirect(back(number), 303);
      },
    );

  action('fulfil', (number) => app.services.cart.markFulfilled(number), 'Marked as handed over.');
  action(
    'refund',
    (number, body) => app.services.cart.noteRefund(number, String(body['note'])),
    'Refund noted.',
  );
  action('clear-flag', (number) => app.services.cart.clearFlag(number), 'Flag cleared.');
  action(
    'reconcile',
    async (number) => {
      const order = await app.services.cart.getOrder(number);
      if (!order) return { ok: false, reason: 'not-found' };
      await app.payments.syncOrder(number);
      return { ok: true };
    },
    'Checked with SumUp.',
  );
};

export default adminRoutes;
