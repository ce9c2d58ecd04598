/**
 * Calendar entries on the fediverse: each is an ActivityStreams `Event` shaped as Mobilizon
 * reads it (its extension context, `startTime`/`endTime` with offsets, `timezone`, a `Place`
 * with a schema.org `PostalAddress`, `joinMode`, capacities), with a `summary` holding date,
 * zone and place because that is all Mastodon shows. The id is the entry page's URL, so pasting
 * it into a fediverse search resolves it.
 */
import type { AppConfig } from '../../config/index.ts';
import type { CalendarEntryDto } from '../../contracts/dtos.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { AS_CONTEXT, AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';
import { formatDate } from '../../infrastructure/templates.ts';
import { isoWithOffset } from './zoned-time.ts';

/** Mobilizon's JSON-LD extensions (the subset our Events use), beside ActivityStreams. */
export const EVENT_CONTEXT = [
  AS_CONTEXT,
  {
    mz: 'https://joinmobilizon.org/ns#',
    sc: 'http://schema.org#',
    ical: 'http://www.w3.org/2002/12/cal/ical#',
    PostalAddress: 'sc:PostalAddress',
    address: { '@id': 'sc:address', '@type': 'sc:PostalAddress' },
    streetAddress: 'sc:streetAddress',
    addressLocality: 'sc:addressLocality',
    addressRegion: 'sc:addressRegion',
    postalCode: 'sc:postalCode',
    addressCountry: 'sc:addressCountry',
    timezone: { '@id': 'mz:timezone', '@type': 'sc:Text' },
    joinMode: { '@id': 'mz:joinMode', '@type': 'mz:joinModeType' },
    maximumAttendeeCapacity: 'sc:maximumAttendeeCapacity',
    remainingAttendeeCapacity: 'sc:remainingAttendeeCapacity',
    participantCount: { '@id': 'mz:participantCount', '@type': 'sc:Integer' },
  },
] as const;

/** The entry page's URL, which is also its `Event` id and iCal URL. */
export function entryUrl(config: AppConfig, calendarSlug: string, entrySlug: string): string {
  return `${config.apps.events.publicUrl}/${calendarSlug}/${entrySlug}/`;
}

/** What `entryWhen` reads of an entry (summaries and details both have it). */
export type EntryTimes = Pick<CalendarEntryDto, 'startsAt' | 'endsAt' | 'allDay' | 'timezone'>;

/**
 * When an entry happens, in its zone with the zone named: "24 October 2026, 10:00–13:00
 * (Europe/London)", "24 October 2026 (all day)", "24 October 2026 – 26 October 2026".
 */
export function entryWhen(config: AppConfig, entry: EntryTimes): string {
  const zone = entry.timezone;
  const locale = config.site.locale;
  const day = formatDate(entry.startsAt, 'date', zone, locale);
  if (entry.allDay) {
    const lastDay = entry.endsAt ? new Date(entry.endsAt.getTime() - 1) : entry.startsAt;
    const last = formatDate(lastDay, 'date', zone, locale);
    return last === day ? `${day} (all day)` : `${day} – ${last}`;
  }
  const start = formatDate(entry.startsAt, 'time', zone, locale);
  if (!entry.endsAt) return `${day}, ${start} (${zone})`;
  const endDay = formatDate(entry.endsAt, 'date', zone, locale);
  const endTime = formatDate(entry.endsAt, 'time', zone, locale);
  return endDay === day
    ? `${day}, ${start}–${endTime} (${zone})`
    : `${day}, ${start} – ${endDay}, ${endTime} (${zone})`;
}

/** One line: "24 October 2026, 10:00–13:00 (Europe/London) · Town Square". */
export function entryWhenWhere(
  config: AppConfig,
  entry: EntryTimes & Pick<CalendarEntryDto, 'locationName'>,
): string {
  const when = entryWhen(config, entry);
  return entry.locationName ? `${when} · ${entry.locationName}` : when;
}

/** The `Event` object (without `@context` unless `withContext`). */
export function buildEvent(
  config: AppConfig,
  entry: CalendarEntryDto,
  options: { withContext?: boolean } = {},
): Record<string, unknown> {
  const events = config.apps.events.publicUrl;
  const actor = `${events}/ap/actor`;
  const id = entryUrl(config, entry.calendar.slug, entry.slug);
  const cancelled = entry.status === 'cancelled';
  const address = entry.locationAddress;
  const status = cancelled ? 'CANCELLED' : 'CONFIRMED';
  const whenWhere = entryWhenWhere(config, entry);
  const participants =
    entry.bookingMode === 'tickets' ? entry.ticketTypes.reduce((n, t) => n + t.sold, 0) : entry.bookedSeats;
  const capacity =
    entry.bookingMode === 'tickets' ? entry.ticketTypes.reduce((n, t) => n + t.quantity, 0) : entry.capacity;
  return {
    ...(options.withContext ? { '@context': EVENT_CONTEXT } : {}),
    id,
    type: 'Event',
    url: id,
    name: entry.title,
    summary: cancelled
      ? `Cancelled: ${whenWhere}`
      : `${whenWhere}${entry.summary ? ` — ${entry.summary}` : ''}`,
    content: entry.description ?? `<p>${escapeText(entry.summary ?? entry.title)}</p>`,
    mediaType: 'text/html',
    startTime: isoWithOffset(entry.startsAt, entry.timezone),
    ...(entry.endsAt ? { endTime: isoWithOffset(entry.endsAt, entry.timezone) } : {}),
    timezone: entry.timezone,
    ...(entry.locationName || address
      ? {
          location: {
            type: 'Place',
            name: entry.locationName ?? address?.streetAddress ?? '',
            ...(address
              ? {
                  address: {
                    type: 'PostalAddress',
                    ...(address.streetAddress ? { streetAddress: address.streetAddress } : {}),
                    ...(address.locality ? { addressLocality: address.locality } : {}),
                    ...(address.region ? { addressRegion: address.region } : {}),
                    ...(address.postalCode ? { postalCode: address.postalCode } : {}),
                    ...(address.country ? { addressCountry: address.country } : {}),
                  },
                }
              : {}),
            ...(entry.locationLat !== null && entry.locationLng !== null
              ? { latitude: entry.locationLat, longitude: entry.locationLng }
              : {}),
          },
        }
      : {}),
    attributedTo: actor,
    joinMode: entry.bookingMode === 'tickets' ? 'external' : 'free',
    status,
    'ical:status': status,
    ...(capacity !== null ? { maximumAttendeeCapacity: capacity } : {}),
    ...(capacity !== null ? { remainingAttendeeCapacity: Math.max(0, capacity - participants) } : {}),
    participantCount: participants,
    ...(entry.imageUrl ? { image: { type: 'Image', url: entry.imageUrl } } : {}),
    published: entry.createdAt.toISOString(),
    updated: entry.updatedAt.toISOString(),
    to: [AS_PUBLIC],
    cc: [`${actor}/followers`],
  };
}

/** The Tombstone an entry's URL answers with (410) once it was deleted after being announced. */
export function eventTombstone(id: string): Record<string, unknown> {
  return { '@context': AS_CONTEXT, id, type: 'Tombstone', formerType: 'Event' };
}

/**
 * Records `Create`, `Update` (edits and cancellation, with `updated`) or `Delete` of an entry's
 * Event from the events actor, in the caller's transaction.
 */
export async function emitEntryActivity(
  deps: { config: AppConfig; federation: FederationService | null },
  db: DatabaseLike,
  type: 'Create' | 'Update' | 'Delete',
  entry: CalendarEntryDto,
): Promise<void> {
  if (!deps.federation) return;
  const actor = `${deps.config.apps.events.publicUrl}/ap/actor`;
  const audience = { to: [AS_PUBLIC], cc: [`${actor}/followers`] };
  const object =
    type === 'Delete'
      ? {
          id: entryUrl(deps.config, entry.calendar.slug, entry.slug),
          type: 'Tombstone',
          formerType: 'Event',
        }
      : buildEvent(deps.config, entry, { withContext: true });
  await deps.federation.emit({ actor: { app: 'events' }, type, object, ...audience }, db);
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
