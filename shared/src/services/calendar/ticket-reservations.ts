/**
 * Ticket places held for unpaid cart orders. Holding is a conditional update of the ticket
 * type (`sold + reserved + qty <= quantity`, with a check constraint behind it), so concurrent
 * checkouts can never hold more places than there are; paying turns held places into sold ones
 * (`releaseTickets` then `issueTickets`, in the payment's transaction).
 */
import { and, eq, gte, sql } from 'drizzle-orm';
import type { HeldLine, ReserveResult, StockLine } from '../../contracts/dtos.ts';
import type { CalendarService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { calendarEntries, ticketTypes } from '../../db/schema/index.ts';

export interface TicketReservationDeps {
  db: DatabaseHandle;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
}

/** Thrown inside the savepoint so places already taken by this call are given back. */
class Refused extends Error {
  readonly refusal: Extract<ReserveResult, { ok: false }>;

  constructor(refusal: Extract<ReserveResult, { ok: false }>) {
    super(`cannot hold ticket type ${refusal.id}: ${refusal.reason}`);
    this.refusal = refusal;
  }
}

/** Same ids summed, in id order (a fixed lock order: concurrent checkouts never deadlock). */
function normaliseLines(items: readonly StockLine[]): StockLine[] {
  const byId = new Map<number, number>();
  for (const item of items) byId.set(item.id, (byId.get(item.id) ?? 0) + item.quantity);
  return [...byId.entries()].sort(([a], [b]) => a - b).map(([id, quantity]) => ({ id, quantity }));
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
    async reserveTickets(items, tx) {
      const lines = normaliseLines(items);
      if (lines.length === 0) return { ok: true, lines: [] };
      try {
        return await (tx ?? db.db).transaction(async (t) => {
          const held: HeldLine[] = [];
          for (const line of lines) {
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
            if (!row) {
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
              throw new Refused({
                ok: false,
                id: line.id,
                name: type ? ticketLineName(type.entryTitle, type.typeName) : 'A ticket',
                reason: type?.open ? 'sold-out' : 'inactive',
                available: type?.open ? Math.max(0, Number(type.left)) : 0,
              });
            }
            held.push({
              id: row.id,
              name: ticketLineName(row.entryTitle, row.typeName),
              sku: null,
              unitPricePence: row.unitPricePence,
              currency: row.currency,
            });
          }
          return { ok: true as const, lines: held };
        });
      } catch (err) {
        if (err instanceof Refused) return err.refusal;
        throw err;
      }
    },

    async releaseTickets(items, tx) {
      const lines = normaliseLines(items);
      if (lines.length === 0) return;
      const run = async (t: DatabaseLike) => {
        for (const line of lines) {
          await t
            .update(ticketTypes)
            .set({ reserved: sql`greatest(${ticketTypes.reserved} - ${line.quantity}, 0)` })
            .where(eq(ticketTypes.id, line.id));
        }
      };
      await (tx ? run(tx) : db.db.transaction(run));
    },
  };
}
