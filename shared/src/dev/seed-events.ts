import { and, eq } from 'drizzle-orm';
import type { AppConfig } from '../config/index.ts';
import type { DatabaseLike } from '../db/client.ts';
import { calendarEntries, calendars, posts, ticketTypes } from '../db/schema/index.ts';
import { addLocalWeeks, localDate, localToInstant } from '../services/calendar/zoned-time.ts';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Demo events for `pnpm dev`: the "spring market opens" blog post gets a calendar, so a new
 * reader sees the events widget on it (free places to book, a ticketed workshop, a weekly
 * series). Runs inside the demo seed's transaction; does nothing without that post.
 */
export async function seedDemoEvents(db: DatabaseLike, config: AppConfig, now = Date.now()): Promise<void> {
  const [post] = await db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.slug, 'spring-market-opens'), eq(posts.type, 'post')));
  if (!post) return;
  const zone = config.site.timezone;
  const [calendar] = await db
    .insert(calendars)
    .values({
      containerType: 'post',
      containerId: post.id,
      slug: 'spring-gatherings',
      name: 'Spring gatherings',
      description: 'Workshops and get-togethers around the spring market.',
      timezone: zone,
    })
    .returning({ id: calendars.id });
  if (!calendar) return;
  /** `days` from now at a local wall-clock time. */
  const at = (days: number, time: string) =>
    localToInstant(localDate(new Date(now + days * DAY), zone), time, zone) as Date;
  const place = {
    locationName: 'Town Square',
    locationAddress: { streetAddress: 'Town Square', locality: 'Rosebury', country: 'United Kingdom' },
    locationLat: 51.5074,
    locationLng: -0.1278,
  };
  const swap = at(4, '14:00');
  const workshop = at(6, '10:00');
  await db.insert(calendarEntries).values([
    {
      calendarId: calendar.id,
      slug: 'seed-swap',
      title: 'Seed swap',
      summary: 'Bring seeds, take seeds: free, book a place.',
      description: '<p>Bring the seeds you saved last year and leave with something new to grow.</p>',
      startsAt: swap,
      endsAt: new Date(swap.getTime() + 2 * 60 * 60 * 1000),
      timezone: zone,
      bookingMode: 'free',
      capacity: 12,
      ...place,
    },
    {
      calendarId: calendar.id,
      slug: 'pickling-workshop',
      title: 'Pickling workshop',
      summary: 'Quick pickles and ferments with the growers.',
      description: '<p>Two hours of chopping, brining and tasting. Jars provided.</p>',
      startsAt: workshop,
      endsAt: new Date(workshop.getTime() + 2 * 60 * 60 * 1000),
      timezone: zone,
      bookingMode: 'tickets',
      ...place,
    },
  ]);
  const [pickling] = await db
    .select({ id: calendarEntries.id })
    .from(calendarEntries)
    .where(and(eq(calendarEntries.calendarId, calendar.id), eq(calendarEntries.slug, 'pickling-workshop')));
  if (pickling) {
    await db.insert(ticketTypes).values([
      {
        entryId: pickling.id,
        name: 'Standard',
        pricePence: 1500,
        currency: config.site.currency,
        quantity: 12,
      },
      {
        entryId: pickling.id,
        name: 'Concession',
        pricePence: 800,
        currency: config.site.currency,
        quantity: 4,
      },
    ]);
  }
  // A weekly series: "every Saturday 9–13" for the next four weeks.
  const firstSaturday = at((6 - new Date(now).getUTCDay() + 7) % 7 || 7, '09:00');
  const seriesId = crypto.randomUUID();
  await db.insert(calendarEntries).values(
    [0, 1, 2, 3].map((week) => {
      const startsAt = addLocalWeeks(firstSaturday, week, zone);
      return {
        calendarId: calendar.id,
        slug: `volunteer-morning-${localDate(startsAt, zone)}`,
        title: 'Volunteer morning',
        summary: 'Help set up the stalls; no booking needed.',
        startsAt,
        endsAt: new Date(startsAt.getTime() + 4 * 60 * 60 * 1000),
        timezone: zone,
        bookingMode: 'none' as const,
        seriesId,
        ...place,
      };
    }),
  );
}
