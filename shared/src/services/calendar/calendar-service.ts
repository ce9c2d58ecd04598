import { randomBytes } from 'node:crypto';
import { and, asc, eq, gte, inArray, sql } from 'drizzle-orm';
import { CalendarEntrySummaryDto, freezeAll, TicketDto } from '../../contracts/dtos.ts';
import type { CalendarService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { calendarEntries, calendars, tickets, ticketTypes } from '../../db/schema/index.ts';
import { createTicketReservations } from './ticket-reservations.ts';

export interface CalendarServiceDeps {
  db: DatabaseHandle;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
}

/** Unambiguous alphabet (no 0/O, 1/I/L) for codes read aloud at the door. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A 12-character ticket code, e.g. `K7QX-M2PA-9RTE` (~59 bits). */
export function newTicketCode(): string {
  const bytes = randomBytes(12);
  let code = '';
  for (let i = 0; i < 12; i++) {
    if (i > 0 && i % 4 === 0) code += '-';
    code += CODE_ALPHABET[(bytes[i] as number) % CODE_ALPHABET.length];
  }
  return code;
}

/** Calendars, entries and tickets over the shared schema. Bookings arrive with the events issue. */
export function createCalendarService({ db, now = () => new Date() }: CalendarServiceDeps): CalendarService {
  const columns = {
    id: calendarEntries.id,
    slug: calendarEntries.slug,
    title: calendarEntries.title,
    summary: calendarEntries.summary,
    startsAt: calendarEntries.startsAt,
    endsAt: calendarEntries.endsAt,
    timezone: calendarEntries.timezone,
    locationName: calendarEntries.locationName,
    calendarId: calendars.id,
    calendarSlug: calendars.slug,
    calendarName: calendars.name,
  };
  type Row = { calendarId: number; calendarSlug: string; calendarName: string } & Omit<
    CalendarEntrySummaryDto,
    'calendar'
  >;
  const toDto = ({ calendarId, calendarSlug, calendarName, ...entry }: Row) => ({
    ...entry,
    calendar: { id: calendarId, slug: calendarSlug, name: calendarName },
  });
  // An entry still running counts as upcoming until it ends.
  const upcoming = () =>
    and(
      eq(calendarEntries.status, 'scheduled'),
      gte(sql`coalesce(${calendarEntries.endsAt}, ${calendarEntries.startsAt})`, now()),
    );

  return {
    // Places held for unpaid cart orders (ticket-reservations.ts, owned by the cart issue).
    ...createTicketReservations({ db, now }),

    async listUpcomingForContainer(container, limit) {
      const rows = await db.db
        .select(columns)
        .from(calendarEntries)
        .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
        .where(
          and(
            eq(calendars.containerType, container.type),
            eq(calendars.containerId, container.id),
            upcoming(),
          ),
        )
        .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
        .limit(limit);
      return freezeAll(CalendarEntrySummaryDto, rows.map(toDto));
    },

    async listUpcoming(limit) {
      const rows = await db.db
        .select(columns)
        .from(calendarEntries)
        .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
        .where(upcoming())
        .orderBy(asc(calendarEntries.startsAt), asc(calendarEntries.id))
        .limit(limit);
      return freezeAll(CalendarEntrySummaryDto, rows.map(toDto));
    },

    async issueTickets(input, tx) {
      const run = async (t: DatabaseLike) => {
        for (const item of input.items) {
          // Already issued for this order item (a repeated webhook): nothing to do.
          const [issued] = await t
            .select({ n: sql<number>`count(*)::int` })
            .from(tickets)
            .where(eq(tickets.orderItemId, item.orderItemId));
          if ((issued?.n ?? 0) >= item.quantity) continue;
          // The row lock serialises concurrent issuers for one ticket type.
          const [type] = await t
            .select({ id: ticketTypes.id })
            .from(ticketTypes)
            .where(eq(ticketTypes.id, item.ticketTypeId))
            .for('update');
          if (!type) throw new IssueFailure('unknown-ticket-type', item.ticketTypeId);
          const inserted = await t
            .insert(tickets)
            .values(
              Array.from({ length: item.quantity }, (_, i) => ({
                ticketTypeId: item.ticketTypeId,
                orderId: input.orderId,
                orderItemId: item.orderItemId,
                seq: i + 1,
                userId: input.userId,
                code: newTicketCode(),
                holderEmail: input.holderEmail,
                holderName: input.holderName,
              })),
            )
            .onConflictDoNothing({ target: [tickets.orderItemId, tickets.seq] })
            .returning({ id: tickets.id });
          if (inserted.length === 0) continue;
          const bumped = await t
            .update(ticketTypes)
            .set({ sold: sql`${ticketTypes.sold} + ${inserted.length}` })
            .where(
              and(
                eq(ticketTypes.id, item.ticketTypeId),
                sql`${ticketTypes.sold} + ${inserted.length} <= ${ticketTypes.quantity}`,
              ),
            )
            .returning({ id: ticketTypes.id });
          if (bumped.length === 0) throw new IssueFailure('sold-out', item.ticketTypeId);
        }
        const rows = await t
          .select({
            id: tickets.id,
            code: tickets.code,
            ticketTypeId: tickets.ticketTypeId,
            orderItemId: tickets.orderItemId,
            seq: tickets.seq,
            holderEmail: tickets.holderEmail,
            status: tickets.status,
          })
          .from(tickets)
          .where(
            inArray(
              tickets.orderItemId,
              input.items.map((i) => i.orderItemId),
            ),
          )
          .orderBy(asc(tickets.orderItemId), asc(tickets.seq));
        return { ok: true as const, tickets: freezeAll(TicketDto, rows) };
      };
      try {
        // Inside the caller's transaction when given (a savepoint), else in one of our own.
        return await (tx ?? db.db).transaction(run);
      } catch (err) {
        if (err instanceof IssueFailure)
          return { ok: false, reason: err.reason, ticketTypeId: err.ticketTypeId };
        throw err;
      }
    },
  };
}

/** Thrown inside the transaction so a failed item rolls back the whole issue. */
class IssueFailure extends Error {
  readonly reason: 'unknown-ticket-type' | 'sold-out';
  readonly ticketTypeId: number;

  constructor(reason: 'unknown-ticket-type' | 'sold-out', ticketTypeId: number) {
    super(`cannot issue tickets of type ${ticketTypeId}: ${reason}`);
    this.reason = reason;
    this.ticketTypeId = ticketTypeId;
  }
}
