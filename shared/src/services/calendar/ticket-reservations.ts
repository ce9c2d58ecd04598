/**
 * Ticket places held for unpaid cart orders. Holding is a conditional update of the ticket
 * type (`sold + reserved + qty <= quantity`, with a check constraint behind it), so concurrent
 * checkouts can never hold more places than there are; paying turns held places into sold ones
 * (`releaseTickets` then `issueTickets`, in the payment's transaction).
 */
import { and, eq, gte, sql } from 'drizzle-orm';
import type { CalendarService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { calendarEntries, ticketTypes } from '../../db/schema/index.ts';
import { holdAll, releaseAll } from '../holding.ts';

export interface TicketReservationDeps {
  db: DatabaseHandle;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
}

/** The name a ticket line carries into carts and orders: "Sourdough workshop — Standard". */
export function ticketLineName(entryTitle: string, typeName: string): string {
  return `${entryTitle} — ${typeName}`;
}

/** `reserveTickets` and `releaseTickets` of the CalendarService. */
export function createTicketReservations({
  db,
  now = () => new Date(),
}: TicketReservationDeps): Pick<CalendarService, 'reserveTickets' | 'releaseTickets'> {
  return {
    reserveTickets: (items, tx) =>
      holdAll(db, tx, items, async (t, line) => {
        const [row] = await t
          .update(ticketTypes)
          .set({ reserved: sql`${ticketTypes.reserved} + ${line.quantity}` })
          .from(calendarEntries)
          .where(
            and(
              eq(ticketTypes.id, line.id),
              eq(calendarEntries.id, ticketTypes.entryId),
              // Only entries still to come (or running) and not cancelled sell places.
              eq(calendarEntries.status, 'scheduled'),
              gte(sql`coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt})`, now()),
              sql`${ticketTypes.sold} + ${ticketTypes.reserved} + ${line.quantity} <= ${ticketTypes.quantity}`,
            ),
          )
          .returning({
            id: ticketTypes.id,
            typeName: ticketTypes.name,
            entryTitle: calendarEntries.title,
            unitPricePence: ticketTypes.pricePence,
            currency: ticketTypes.currency,
          });
        if (row) {
          return {
            id: row.id,
            name: ticketLineName(row.entryTitle, row.typeName),
            sku: null,
            unitPricePence: row.unitPricePence,
            currency: row.currency,
          };
        }
        const [type] = await t
          .select({
            typeName: ticketTypes.name,
            entryTitle: calendarEntries.title,
            left: sql<number>`${ticketTypes.quantity} - ${ticketTypes.sold} - ${ticketTypes.reserved}`,
            open: sql<boolean>`${calendarEntries.status} = 'scheduled' and coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt}) >= ${now()}`,
          })
          .from(ticketTypes)
          .innerJoin(calendarEntries, eq(calendarEntries.id, ticketTypes.entryId))
          .where(eq(ticketTypes.id, line.id));
        return {
          ok: false,
          id: line.id,
          name: type ? ticketLineName(type.entryTitle, type.typeName) : 'A ticket',
          reason: type?.open ? 'sold-out' : 'inactive',
          available: type?.open ? Math.max(0, Number(type.left)) : 0,
        };
      }),

    releaseTickets: (items, tx) =>
      releaseAll(db, tx, items, async (t, line) => {
        await t
          .update(ticketTypes)
          .set({ reserved: sql`greatest(${ticketTypes.reserved} - ${line.quantity}, 0)` })
          .where(eq(ticketTypes.id, line.id));
      }),
  };
}
