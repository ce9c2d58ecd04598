/**
 * What a member did in the other apps, read only through their services: tickets (with what
 * became of them and the order they came from), bookings, orders, and the dashboard's summary.
 */
import { freeze, freezeAll, MemberTicketDto, type TicketDetailDto } from '../../contracts/dtos.ts';
import type { AccountService, CalendarService, CartService } from '../../contracts/protocols.ts';

type Methods = 'listTickets' | 'getTicket' | 'listBookings' | 'cancelBooking' | 'listOrders';

export function createMemberActivity(deps: {
  calendar: Pick<CalendarService, 'listMemberTickets' | 'listMemberBookings' | 'cancelBooking'>;
  cart: Pick<CartService, 'getOrdersForUser' | 'getOrderRefs'>;
  now: () => Date;
}): Pick<AccountService, Methods> {
  async function withOrders(tickets: readonly TicketDetailDto[]) {
    const ids = tickets.map((t) => t.orderId).filter((id): id is number => id !== null);
    const refs = new Map((await deps.cart.getOrderRefs(ids)).map((r) => [r.id, r]));
    const at = deps.now();
    return freezeAll(
      MemberTicketDto,
      tickets.map((ticket) => {
        const order = ticket.orderId !== null ? (refs.get(ticket.orderId) ?? null) : null;
        return {
          ticket,
          // A refund is noted on the order (in SumUp's dashboard); the ticket itself stays.
          state: order?.status === 'refunded' && ticket.status === 'valid' ? 'refunded' : ticket.status,
          order: order ? { number: order.number, status: order.status } : null,
          past: (ticket.entry.endsAt ?? ticket.entry.startsAt) < at,
        };
      }),
    );
  }

  return {
    async listTickets(userId) {
      const tickets = await withOrders(await deps.calendar.listMemberTickets(userId));
      // Upcoming first (soonest first), then past (most recent first).
      return Object.freeze([...tickets.filter((t) => !t.past), ...tickets.filter((t) => t.past).reverse()]);
    },

    async getTicket(userId, ticketId) {
      const own = (await deps.calendar.listMemberTickets(userId)).filter((t) => t.id === ticketId);
      const [ticket] = await withOrders(own);
      return ticket ? freeze(MemberTicketDto, ticket) : null;
    },

    listBookings: (userId) => deps.calendar.listMemberBookings(userId),

    // The calendar checks the booking is the member's (another's answers not-found).
    cancelBooking: (userId, bookingId) => deps.calendar.cancelBooking({ bookingId, userId }),

    listOrders: (userId) => deps.cart.getOrdersForUser(userId, { limit: 200 }),
  };
}
