/**
 * iCalendar (RFC 5545) documents, built with ical-generator, for the events app's feeds and
 * attachments and the account's private feed. Times are written as local times with `TZID` and
 * a `VTIMEZONE` for the zone (from @touch4it/ical-timezones), so a subscriber's calendar keeps
 * them right across DST changes; all-day entries are `VALUE=DATE` with an exclusive end; a
 * cancelled entry stays with `STATUS:CANCELLED` so subscribers drop it. Both libraries (the zone
 * database alone is tens of megabytes) load with the first document, not at start.
 */
import type * as IcalTimezones from '@touch4it/ical-timezones';
import type * as IcalGenerator from 'ical-generator';
import type { AppConfig } from '../../config/index.ts';
import { lazyRequire } from '../../infrastructure/lazy.ts';
import { temporal } from '../../infrastructure/temporal.ts';

const icalGenerator = lazyRequire<typeof IcalGenerator>('ical-generator');
const icalTimezones = lazyRequire<typeof IcalTimezones>('@touch4it/ical-timezones');

/** One VEVENT. */
export interface IcsEvent {
  /** Stable across edits (the subscriber's calendar updates the event it already has). */
  uid: string;
  summary: string;
  description: string;
  location: { title: string; address?: string; geo?: { lat: number; lon: number } } | null;
  url: string;
  cancelled: boolean;
  startsAt: Date;
  endsAt: Date | null;
  allDay: boolean;
  /** IANA zone the entry's local times are in. */
  timezone: string;
  sequence?: number;
  created?: Date;
  lastModified?: Date;
}

export interface IcsCalendar {
  name: string;
  /** Which app made it (`PRODID`). */
  product: string;
  url: string;
  /** The calendar's own zone (its `VTIMEZONE`). */
  timezone: string;
  description?: string | null;
  events: readonly IcsEvent[];
}

const zonedIn = (date: Date, zone: string) =>
  temporal().Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);

/** The calendar as `text/calendar` text. */
export function buildIcs(config: AppConfig, calendar: IcsCalendar): string {
  const { default: ical, ICalCalendarMethod, ICalEventStatus } = icalGenerator();
  const cal = ical({
    name: calendar.name,
    prodId: { company: config.site.name, product: calendar.product, language: 'EN' },
    url: calendar.url,
    method: ICalCalendarMethod.PUBLISH,
    timezone: { name: calendar.timezone, generator: icalTimezones().getVtimezoneComponent },
    // Subscribers re-fetch about hourly.
    ttl: 3600,
  });
  if (calendar.description) cal.description(calendar.description);
  for (const event of calendar.events) {
    const common = {
      id: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      url: event.url,
      status: event.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      ...(event.sequence !== undefined ? { sequence: event.sequence } : {}),
      ...(event.created ? { created: event.created } : {}),
      ...(event.lastModified ? { lastModified: event.lastModified, stamp: event.lastModified } : {}),
    };
    const zone = event.timezone;
    if (event.allDay) {
      // Stored as local midnights; iCal's all-day end is the (exclusive) day after the last.
      const start = zonedIn(event.startsAt, zone).toPlainDate();
      const end = event.endsAt ? zonedIn(event.endsAt, zone).toPlainDate() : start.add({ days: 1 });
      cal.createEvent({
        ...common,
        allDay: true,
        start,
        end: temporal().PlainDate.compare(end, start) > 0 ? end : start.add({ days: 1 }),
      });
      continue;
    }
    cal.createEvent({
      ...common,
      timezone: zone,
      start: zonedIn(event.startsAt, zone),
      ...(event.endsAt ? { end: zonedIn(event.endsAt, zone) } : {}),
    });
  }
  return cal.toString();
}
