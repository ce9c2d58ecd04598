/**
 * The events app's iCalendar: a calendar's feed and one entry's `.ics` (also the booking
 * e-mail's attachment), built by the calendar domain's `buildIcs`. UIDs come from the entry id
 * (they survive edits and slug changes) and `SEQUENCE` from the entry's counter.
 */
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { CalendarDto, CalendarEntryDto } from '@rose-ash/shared/contracts/dtos.ts';
import { htmlToText } from '@rose-ash/shared/infrastructure/html-text.ts';
import { entryUrl } from '@rose-ash/shared/services/calendar/entry-activities.ts';
import { buildIcs, type IcsEvent } from '@rose-ash/shared/services/calendar/ical.ts';

/** The stable UID of an entry: its id at the events host. */
export function entryUid(config: AppConfig, entryId: number): string {
  return `entry-${entryId}@${new URL(config.apps.events.publicUrl).hostname}`;
}

/** `webcal://` form of an http(s) feed URL, for "subscribe" links. */
export function webcalUrl(httpUrl: string): string {
  return httpUrl.replace(/^https?:\/\//, 'webcal://');
}

function address(entry: CalendarEntryDto): string | undefined {
  const a = entry.locationAddress;
  if (!a) return undefined;
  const parts = [a.streetAddress, a.locality, a.region, a.postalCode, a.country].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

function eventOf(config: AppConfig, entry: CalendarEntryDto): IcsEvent {
  const url = entryUrl(config, entry.calendar.slug, entry.slug);
  const description = [
    entry.status === 'cancelled'
      ? `CANCELLED${entry.cancellationNote ? `: ${entry.cancellationNote}` : ''}`
      : null,
    entry.summary,
    entry.description ? htmlToText(entry.description) : null,
    url,
  ]
    .filter(Boolean)
    .join('\n\n');
  const where = address(entry);
  return {
    uid: entryUid(config, entry.id),
    summary: entry.title,
    description,
    location:
      entry.locationName || where
        ? {
            title: entry.locationName ?? where ?? '',
            ...(where ? { address: where } : {}),
            ...(entry.locationLat !== null && entry.locationLng !== null
              ? { geo: { lat: entry.locationLat, lon: entry.locationLng } }
              : {}),
          }
        : null,
    url,
    cancelled: entry.status === 'cancelled',
    startsAt: entry.startsAt,
    endsAt: entry.endsAt,
    allDay: entry.allDay,
    timezone: entry.timezone,
    sequence: entry.sequence,
    created: entry.createdAt,
    lastModified: entry.updatedAt,
  };
}

/** A calendar's feed (`/<calendar>.ics`). */
export function calendarIcs(
  config: AppConfig,
  calendar: CalendarDto,
  entries: readonly CalendarEntryDto[],
): string {
  return buildIcs(config, {
    name: `${calendar.name} · ${config.site.name}`,
    product: 'events',
    url: `${config.apps.events.publicUrl}/${calendar.slug}/`,
    timezone: calendar.timezone,
    description: calendar.description,
    events: entries.map((e) => eventOf(config, e)),
  });
}

/** One entry (`/<calendar>/<entry>.ics` and the booking e-mail's attachment). */
export function entryIcs(config: AppConfig, entry: CalendarEntryDto): string {
  return buildIcs(config, {
    name: entry.title,
    product: 'events',
    url: entryUrl(config, entry.calendar.slug, entry.slug),
    timezone: entry.timezone,
    events: [eventOf(config, entry)],
  });
}
