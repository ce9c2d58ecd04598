/**
 * iCalendar for a member: their private feed (every entry they booked or hold tickets for)
 * and one ticket's `.ics`. Built like the events app's feeds (ical-generator, local times with
 * `TZID` and a `VTIMEZONE` per zone from @touch4it/ical-timezones, all-day entries as
 * `VALUE=DATE` with an exclusive end, a cancelled entry kept with `STATUS:CANCELLED`). One
 * event per entry: seats booked and ticket codes are in its description. UIDs are the
 * account's own (`…@account-host`), so subscribing to an events feed as well never merges
 * a member's private details into it.
 */
import { Temporal } from '@js-temporal/polyfill';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type {
  BookingDetailDto,
  CalendarEntrySummaryDto,
  TicketDetailDto,
} from '@rose-ash/shared/contracts/dtos.ts';
import { entryUrl } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { type ICalCalendar, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

const host = (config: AppConfig) => new URL(config.apps.account.publicUrl).hostname;

const plainDateIn = (date: Date, zone: string) =>
  Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone).toPlainDate();
const zonedIn = (date: Date, zone: string) =>
  Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);

function newCalendar(config: AppConfig, name: string): ICalCalendar {
  return ical({
    name,
    prodId: { company: config.site.name, product: 'account', language: 'EN' },
    url: `${config.apps.account.publicUrl}/calendar`,
    method: ICalCalendarMethod.PUBLISH,
    timezone: { name: config.site.timezone, generator: getVtimezoneComponent },
    // Calendar apps re-fetch about hourly.
    ttl: 3600,
  });
}

interface Attending {
  entry: CalendarEntrySummaryDto;
  seats: number;
  tickets: TicketDetailDto[];
}

function addEntry(cal: ICalCalendar, config: AppConfig, uid: string, item: Attending): void {
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
  const common = {
    id: uid,
    summary: entry.title,
    description: lines.filter(Boolean).join('\n\n'),
    location: entry.locationName ? { title: entry.locationName } : null,
    url,
    status: entry.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  };
  const zone = entry.timezone;
  if (entry.allDay) {
    const start = plainDateIn(entry.startsAt, zone);
    const end = entry.endsAt ? plainDateIn(entry.endsAt, zone) : start.add({ days: 1 });
    cal.createEvent({
      ...common,
      allDay: true,
      start,
      end: Temporal.PlainDate.compare(end, start) > 0 ? end : start.add({ days: 1 }),
    });
    return;
  }
  cal.createEvent({
    ...common,
    timezone: zone,
    start: zonedIn(entry.startsAt, zone),
    ...(entry.endsAt ? { end: zonedIn(entry.endsAt, zone) } : {}),
  });
}

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
  const cal = newCalendar(config, `${config.site.name} · my events`);
  for (const item of byEntry.values()) {
    addEntry(cal, config, `member-${feed.userId}-entry-${item.entry.id}@${host(config)}`, item);
  }
  return cal.toString();
}

/** One ticket as an `.ics` (its code in the description). */
export function ticketIcs(config: AppConfig, ticket: TicketDetailDto): string {
  const cal = newCalendar(config, ticket.entry.title);
  addEntry(cal, config, `ticket-${ticket.id}@${host(config)}`, {
    entry: ticket.entry,
    seats: 0,
    tickets: [ticket],
  });
  return cal.toString();
}
