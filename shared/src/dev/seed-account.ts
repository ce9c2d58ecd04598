import { and, eq, sql } from 'drizzle-orm';
import type { DatabaseLike } from '../db/client.ts';
import {
  bookings,
  calendarEntries,
  calendars,
  newsletterSubscriptions,
  newsletters,
  users,
} from '../db/schema/index.ts';

/**
 * Account demo: the demo member (@rose, from the social hub's seed) receives the demo
 * newsletter and has two places booked at the market's seed swap, so her account's dashboard, newsletters
 * and bookings pages have something to show (sign in as rose@rose-ash.test from /dev/mail).
 */
export async function seedAccountDemo(tx: DatabaseLike): Promise<void> {
  const [rose] = await tx.select({ id: users.id }).from(users).where(eq(users.email, 'rose@rose-ash.test'));
  if (!rose) return;
  const [weekly] = await tx
    .select({ id: newsletters.id })
    .from(newsletters)
    .where(eq(newsletters.slug, 'weekly'));
  if (weekly) {
    await tx
      .insert(newsletterSubscriptions)
      .values({ userId: rose.id, newsletterId: weekly.id, subscribed: true })
      .onConflictDoNothing();
  }
  // The market's seed swap (the blog's demo post has one too, whose places its tests count).
  const [swap] = await tx
    .select({ id: calendarEntries.id })
    .from(calendarEntries)
    .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
    .where(and(eq(calendars.slug, 'saturday-market'), eq(calendarEntries.slug, 'seed-swap')))
    .limit(1);
  if (swap) {
    await tx.insert(bookings).values({ entryId: swap.id, userId: rose.id, seats: 2 });
    await tx
      .update(calendarEntries)
      .set({ bookedSeats: sql`${calendarEntries.bookedSeats} + 2` })
      .where(eq(calendarEntries.id, swap.id));
  }
}
