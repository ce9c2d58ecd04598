/**
 * A member's private calendar feed: their bookings and tickets as an iCal URL that calendar
 * apps fetch without signing in, so the URL itself is the secret. The token is 256 random
 * bits shown once; only its hash is stored. Revoking deletes it (the URL answers 404);
 * regenerating replaces it (the old URL stops working at once).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { CalendarFeedDto, CalendarFeedStatusDto, freeze } from '../../contracts/dtos.ts';
import type { AccountService, CalendarService } from '../../contracts/protocols.ts';
import type { Database } from '../../db/client.ts';
import { calendarFeedTokens, users } from '../../db/schema/index.ts';

/** A feed token as it appears in the URL. */
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const hash = (token: string) => createHash('sha256').update(`calendar-feed:${token}`).digest('hex');

/** The feed lists bookings and tickets of entries that ended at most this long ago. */
const PAST_DAYS = 90;

type Methods =
  | 'getCalendarFeedStatus'
  | 'createCalendarFeedToken'
  | 'revokeCalendarFeedToken'
  | 'getCalendarFeed';

export function createCalendarFeed(deps: {
  db: Database;
  calendar: Pick<CalendarService, 'listMemberBookings' | 'listMemberTickets'>;
  now: () => Date;
}): Pick<AccountService, Methods> {
  const { db } = deps;
  return {
    async getCalendarFeedStatus(userId) {
      const [row] = await db.select().from(calendarFeedTokens).where(eq(calendarFeedTokens.userId, userId));
      return freeze(CalendarFeedStatusDto, {
        active: !!row,
        createdAt: row?.createdAt ?? null,
        lastUsedAt: row?.lastUsedAt ?? null,
      });
    },

    async createCalendarFeedToken(userId) {
      const token = randomBytes(32).toString('base64url');
      const now = deps.now();
      await db
        .insert(calendarFeedTokens)
        .values({ userId, tokenHash: hash(token), createdAt: now })
        .onConflictDoUpdate({
          target: calendarFeedTokens.userId,
          set: { tokenHash: hash(token), createdAt: now, lastUsedAt: null },
        });
      return { token };
    },

    async revokeCalendarFeedToken(userId) {
      await db.delete(calendarFeedTokens).where(eq(calendarFeedTokens.userId, userId));
    },

    async getCalendarFeed(token) {
      if (!FEED_TOKEN_PATTERN.test(token)) return null;
      const [row] = await db
        .select({ userId: calendarFeedTokens.userId, closedAt: users.closedAt })
        .from(calendarFeedTokens)
        .innerJoin(users, eq(users.id, calendarFeedTokens.userId))
        .where(eq(calendarFeedTokens.tokenHash, hash(token)));
      if (!row || row.closedAt) return null;
      const now = deps.now();
      await db
        .update(calendarFeedTokens)
        .set({ lastUsedAt: now })
        .where(eq(calendarFeedTokens.userId, row.userId));
      const since = new Date(now.getTime() - PAST_DAYS * 86_400_000);
      const recent = (e: { startsAt: Date; endsAt: Date | null }) => (e.endsAt ?? e.startsAt) >= since;
      const [bookings, tickets] = await Promise.all([
        deps.calendar.listMemberBookings(row.userId),
        deps.calendar.listMemberTickets(row.userId),
      ]);
      return freeze(CalendarFeedDto, {
        userId: row.userId,
        bookings: bookings.filter((b) => b.booking.status === 'confirmed' && recent(b.entry)),
        tickets: tickets.filter((t) => t.status !== 'cancelled' && recent(t.entry)),
      });
    },
  };
}
