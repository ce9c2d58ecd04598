/**
 * iCalendar for a member: their private feed (every entry they booked or hold tickets for)
 * and one ticket's `.ics`, built by the calendar domain's `buildIcs` like the events app's
 * feeds. One event per entry: seats booked and ticket codes are in its description. UIDs are the
 * account's own (`…@account-host`), so subscribing to an events feed as well never merges
 * a member's private details into it.
 */
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type {
  BookingDetailDto,
  CalendarEntrySummaryDto,
  TicketDetailDto,
} from '@rose-ash/shared/contracts/dtos.ts';
import { entryUrl } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import { buildIcs, type IcsEvent } from '@rose-ash/shared/services/calendar/ical.ts';

const host = (config: AppConfig) => new URL(config.apps.account.publicUrl).hostname;

interface Attending {
  entry: CalendarEntrySummaryDto;
  seats: number;
  tickets: TicketDetailDto[];
}

function eventOf(config: AppConfig, uid: string, item: Attending): IcsEvent {
  const { entry } = item;
  const url = entryUrl(config, entry.calendar.slug, entry.slug);
  const lines = [
    entry.status === 'cancelled' ? 'CANCELLED by the organisers.' : null,
    entry.summary,
    item.seats ? `You booked ${item.seats} seat${item.seats === 1 ? '' : 's'}.` : null,
    item.tickets.length
      ? `Your ticket${item.tickets.length === 1 ? '' : 's'}: ${item.tickets.map((t) => `${t.code} (${t.ticketType.name})`).join(', ')}`
      : null,
    url,
  ];
  return {
    uid,
    summary: entry.title,
    description: lines.filter(Boolean).join('\n\n'),
    location: entry.locationName ? { title: entry.locationName } : null,
    url,
    cancelled: entry.status === 'cancelled',
    startsAt: entry.startsAt,
    endsAt: entry.endsAt,
    allDay: entry.allDay,
    timezone: entry.timezone,
  };
}

const memberCalendar = (config: AppConfig, name: string, events: IcsEvent[]) =>
  buildIcs(config, {
    name,
    product: 'account',
    url: `${config.apps.account.publicUrl}/calendar`,
    timezone: config.site.timezone,
    events,
  });

/** The private feed: one event per entry the member booked or holds tickets for. */
export function memberFeedIcs(
  config: AppConfig,
  feed: { userId: number; bookings: readonly BookingDetailDto[]; tickets: readonly TicketDetailDto[] },
): string {
  const byEntry = new Map<number, Attending>();
  const attending = (entry: CalendarEntrySummaryDto) => {
    let item = byEntry.get(entry.id);
    if (!item) {
      item = { entry, seats: 0, tickets: [] };
      byEntry.set(entry.id, item);
    }
    return item;
  };
  for (const b of feed.bookings) attending(b.entry).seats += b.booking.seats;
  for (const t of feed.tickets) attending(t.entry).tickets.push(t);
  return memberCalendar(
    config,
    `${config.site.name} · my events`,
    [...byEntry.values()].map((item) =>
      eventOf(config, `member-${feed.userId}-entry-${item.entry.id}@${host(config)}`, item),
    ),
  );
}

/** One ticket as an `.ics` (its code in the description). */
export function ticketIcs(config: AppConfig, ticket: TicketDetailDto): string {
  return memberCalendar(config, ticket.entry.title, [
    eventOf(config, `ticket-${ticket.id}@${host(config)}`, {
      entry: ticket.entry,
      seats: 0,
      tickets: [ticket],
    }),
  ]);
}
