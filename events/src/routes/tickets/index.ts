import type { TicketCheckResult } from '@rose-ash/shared/contracts/dtos.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import { z } from 'zod';

// Anything may be typed or scanned: it is bounded here and judged by the service ("unknown"
// for whatever is not a code), never a 400 or a 500 for a malformed one.
const CheckQuery = z.object({ code: z.string().max(2_000).optional() });
const CheckForm = z.object({
  _csrf: z.string().max(200).optional(),
  code: z.string().max(2_000).default(''),
  action: z.enum(['check', 'use']).default('check'),
});

/**
 * The door check (admins): type or scan a code (the QR code holds this page's URL with the
 * code), see whether it is valid, already used or unknown, and mark a valid one used, once.
 */
const ticketRoutes: RoutePlugin = async (app) => {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const view = (result: TicketCheckResult | null, code: string, extra: Record<string, unknown> = {}) => ({
    title: 'Check a ticket',
    code,
    result,
    ...extra,
  });

  app.get(
    '/tickets/check',
    { onRequest: requireAdmin, schema: { querystring: CheckQuery } },
    async (request, reply) => {
      const code = request.query.code?.trim() ?? '';
      const result = code ? await app.services.calendar.checkTicket(code) : null;
      return reply.view('tickets/check.njk', view(result, code));
    },
  );

  app.post(
    '/tickets/check',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { body: CheckForm },
      config: { form: { view: 'tickets/check.njk', context: () => view(null, '') } },
    },
    async (request, reply) => {
      const code = request.body.code.trim();
      if (request.body.action === 'check' || !code) {
        const result = code ? await app.services.calendar.checkTicket(code) : null;
        return reply.view('tickets/check.njk', view(result, code));
      }
      const used = await app.services.calendar.useTicket(code);
      if (used.ok) {
        return reply.view(
          'tickets/check.njk',
          view({ status: 'used', ticket: used.ticket }, code, { admitted: true }),
        );
      }
      const result: TicketCheckResult =
        used.reason === 'unknown' ? { status: 'unknown' } : { status: used.reason, ticket: used.ticket };
      return reply.view('tickets/check.njk', view(result, code, { refused: true }));
    },
  );
};

export default ticketRoutes;
