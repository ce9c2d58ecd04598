import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { ticketQrSvg } from '@rose-ash/shared/services/calendar/ticket-codes.ts';
import type { FastifyRequest } from 'fastify';
import { ticketIcs } from '../../services/ical.ts';
import { member, privatePage, sectionContext } from '../../services/pages.ts';

/**
 * The member's tickets: each with its event, date, code, QR code, an `.ics`, and its state
 * (valid, used, refunded). Another member's ticket is "not found", whatever its id.
 */
const ticketRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;
  const own = async (request: FastifyRequest, id: number) => {
    const ticket = await account.getTicket(member(request).id, id);
    if (!ticket) throw new AppError('RESOURCE_NOT_FOUND', 'No such ticket');
    return ticket;
  };

  app.get('/tickets', { preHandler: requireUser }, async (request, reply) => {
    const tickets = await account.listTickets(member(request).id);
    return privatePage(reply).view('tickets.njk', { ...sectionContext('tickets', 'Tickets'), tickets });
  });

  app.get(
    '/tickets/:id',
    { preHandler: requireUser, schema: { params: IdParams } },
    async (request, reply) => {
      const ticket = await own(request, request.params.id);
      return privatePage(reply).view('ticket.njk', {
        ...sectionContext('tickets', `Ticket ${ticket.ticket.code}`),
        item: ticket,
      });
    },
  );

  app.get(
    '/tickets/:id/qr.svg',
    { preHandler: requireUser, schema: { params: IdParams } },
    async (request, reply) => {
      const ticket = await own(request, request.params.id);
      const svg = await ticketQrSvg(app.config.apps.events.publicUrl, ticket.ticket.code);
      return privatePage(reply).type('image/svg+xml; charset=utf-8').send(svg);
    },
  );

  app.get(
    '/tickets/:id/ticket.ics',
    { preHandler: requireUser, schema: { params: IdParams } },
    async (request, reply) => {
      const ticket = await own(request, request.params.id);
      return privatePage(reply)
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="ticket-${ticket.ticket.code}.ics"`)
        .send(ticketIcs(app.config, ticket.ticket));
    },
  );
};

export default ticketRoutes;
