/**
 * iCalendar (RFC 5545) for calendars and single entries, built with ical-generator. Times are
 * written as local times with `TZID` and a `VTIMEZONE` for the zone (from
 * @touch4it/ical-timezones), so a subscriber's calendar keeps them right across DST changes;
 * all-day entries are `VALUE=DATE` with an exclusive end. UIDs come from the entry id (they
 * survive edits and slug changes), `SEQUENCE` from the entry's counter, and a cancelled entry
 * stays in the feed with `STATUS:CANCELLED` so subscribers drop it.
 */
import type { Temporal } from '@js-temporal/polyfill';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { CalendarDto, CalendarEntryDto } from '@rose-ash/shared/contracts/dtos.ts';
import { lazyRequire } from '@rose-ash/shared/infrastructure/lazy.ts';
import { temporal } from '@rose-ash/shared/infrastructure/temporal.ts';
import { entryUrl } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import type * as IcalTimezones from '@touch4it/ical-timezones';
import type * as IcalGenerator from 'ical-generator';
import type { ICalCalendar } from 'ical-generator';

// Loaded with the first feed or attachment: the zone database alone is tens of megabytes.
const icalGenerator = lazyRequire<typeof IcalGenerator>('ical-generator', import.meta.url);
const icalTimezones = lazyRequire<typeof IcalTimezones>('@touch4it/ical-timezones', import.meta.url);

/** The stable UID of an entry: its id at the events host. */
export function entryUid(config: AppConfig, entryId: number): string {
  return `entry-${entryId}@${new URL(config.apps.events.publicUrl).hostname}`;
}

/** `webcal://` form of an http(s) feed URL, for "subscribe" links. */
export function webcalUrl(httpUrl: string): string {
  return httpUrl.replace(/^https?:\/\//, 'webcal://');
}

function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|h\d|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function address(entry: CalendarEntryDto): string | undefined {
  const a = entry.locationAddress;
  if (!a) return undefined;
  const parts = [a.streetAddress, a.locality, a.region, a.postalCode, a.country].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

const plainDateIn = (date: Date, zone: string) =>
  temporal().Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone).toPlainDate();
const zonedIn = (date: Date, zone: string) =>
  temporal().Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(zone);

function addEntry(cal: ICalCalendar, config: AppConfig, entry: CalendarEntryDto): void {
  const url = entryUrl(config, entry.calendar.slug, entry.slug);
  const zone = entry.timezone;
  const description = [
    entry.status === 'cancelled'
      ? `CANCELLED${entry.cancellationNote ? `: ${entry.cancellationNote}` : ''}`
      : null,
    entry.summary,
    entry.description ? plainText(entry.description) : null,
    url,
  ]
    .filter(Boolean)
    .join('\n\n');
  const where = address(entry);
  const location =
    entry.locationName || where
      ? {
          title: entry.locationName ?? where ?? '',
          ...(where ? { address: where } : {}),
          ...(entry.locationLat !== null && entry.locationLng !== null
            ? { geo: { lat: entry.locationLat, lon: entry.locationLng } }
            : {}),
        }
      : null;
  const common = {
    id: entryUid(config, entry.id),
    sequence: entry.sequence,
    summary: entry.title,
    description,
    location,
    url,
    status:
      entry.status === 'cancelled'
        ? icalGenerator().ICalEventStatus.CANCELLED
        : icalGenerator().ICalEventStatus.CONFIRMED,
    created: entry.createdAt,
    lastModified: entry.updatedAt,
    stamp: entry.updatedAt,
  };
  if (entry.allDay) {
    // Stored as local midnights; iCal's all-day end is the (exclusive) day after the last.
    const start = plainDateIn(entry.startsAt, zone);
    const end = entry.endsAt ? plainDateIn(entry.endsAt, zone) : start.add({ days: 1 });
    cal.createEvent({
      ...common,
      allDay: true,
      start,
      end: temporal().PlainDate.compare(end, start) > 0 ? end : start.add({ days: 1 }),
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

function newCalendar(config: AppConfig, name: string, zone: string, url: string): ICalCalendar {
  const { default: ical, ICalCalendarMethod } = icalGenerator();
  return ical({
    name,
    prodId: { company: config.site.name, product: 'events', language: 'EN' },
    url,
    method: ICalCalendarMethod.PUBLISH,
    timezone: { name: zone, generator: icalTimezones().getVtimezoneComponent },
    // Subscribers re-fetch about hourly.
    ttl: 3600,
  });
}

/** A calendar's feed (`/<calendar>.ics`). */
export function calendarIcs(
  config: AppConfig,
  calendar: CalendarDto,
  entries: readonly CalendarEntryDto[],
): string {
  const url = `${config.apps.events.publicUrl}/${calendar.slug}/`;
  const cal = newCalendar(config, `${calendar.name} · ${config.site.name}`, calendar.timezone, url);
  if (calendar.description) cal.description(calendar.description);
  for (const entry of entries) addEntry(cal, config, entry);
  return cal.toString();
}

/** One entry (`/<calendar>/<entry>.ics` and the booking e-mail's attachment). */
export function entryIcs(config: AppConfig, entry: CalendarEntryDto): string {
  const url = entryUrl(config, entry.calendar.slug, entry.slug);
  const cal = newCalendar(config, entry.title, entry.timezone, url);
  addEntry(cal, config, entry);
  return cal.toString();
}
