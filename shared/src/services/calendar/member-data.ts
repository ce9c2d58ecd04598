/**
 * The events side of closing a member's account: their seats on upcoming entries are given
 * back (whatever the cancel cut-off: the member is leaving), their bookings go, and their
 * tickets, which were paid for and may still be shown at the door, stay valid with the
 * holder's details removed.
 */
import { and, eq, gt, or, sql } from 'drizzle-orm';
import type { CalendarService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { bookings, calendarEntries, tickets } from '../../db/schema/index.ts';

/** What a ticket of a closed account names as its holder. */
export const FORGOTTEN_HOLDER_EMAIL = 'removed@account-closed.invalid';

export interface MemberDataDeps {
  db: DatabaseHandle;
  now: () => Date;
  /** Drops the cached pages and widgets showing these entries' places left. */
  purgeEntries: (entryIds: readonly number[]) => Promise<void>;
}

export function createMemberData(deps: MemberDataDeps): Pick<CalendarService, 'forgetMember'> {
  return {
    async forgetMember(userId, tx) {
      const run = async (t: DatabaseLike) => {
        const at = deps.now();
        // Confirmed bookings of entries that have not ended: their seats go back.
        const upcoming = await t
          .select({ id: bookings.id, entryId: bookings.entryId, seats: bookings.seats })
          .from(bookings)
          .innerJoin(calendarEntries, eq(calendarEntries.id, bookings.entryId))
          .where(
            and(
              eq(bookings.userId, userId),
              eq(bookings.status, 'confirmed'),
              or(
                gt(calendarEntries.endsAt, at),
                and(sql`${calendarEntries.endsAt} is null`, gt(calendarEntries.startsAt, at)),
              ),
            ),
          )
          .for('update', { of: bookings });
        for (const booking of upcoming) {
          await t
            .update(calendarEntries)
            .set({ bookedSeats: sql`greatest(0, ${calendarEntries.bookedSeats} - ${booking.seats})` })
            .where(eq(calendarEntries.id, booking.entryId));
        }
        await t.delete(bookings).where(eq(bookings.userId, userId));
        const forgotten = await t
          .update(tickets)
          .set({ userId: null, holderEmail: FORGOTTEN_HOLDER_EMAIL, holderName: null })
          .where(eq(tickets.userId, userId))
          .returning({ id: tickets.id });
        return {
          entryIds: [...new Set(upcoming.map((b) => b.entryId))],
          cancelled: upcoming.length,
          tickets: forgotten.length,
        };
      };
      const outcome = tx ? await tx.transaction(run) : await deps.db.db.transaction(run);
      // In the caller's transaction the purge waits for its commit (the caller purges then).
      if (!tx) await deps.purgeEntries(outcome.entryIds);
      return { bookingsCancelled: outcome.cancelled, tickets: outcome.tickets };
    },
  };
}
